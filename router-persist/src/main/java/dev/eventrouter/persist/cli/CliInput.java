package dev.eventrouter.persist.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads command-line arguments that are either inline text or {@code @file}. */
final class CliInput {
    private CliInput() {
    }

    /**
     * @param option the option's name, for messages.
     * @param value  inline text, or {@code @path} to read a file.
     * @return the text.
     * @throws UserError when the file cannot be read.
     */
    static String textOrFile(final String option, final String value) {
        if (!value.startsWith("@")) {
            return value;
        }
        return readFile(option, Path.of(value.substring(1)));
    }

    static String readFile(final String option, final Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError(option + ": no such file: " + path);
        } catch (IOException e) {
            throw new UserError(option + ": cannot read " + path + ": " + e.getMessage());
        }
    }
}
