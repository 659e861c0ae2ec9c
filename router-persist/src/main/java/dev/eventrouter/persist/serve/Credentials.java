package dev.eventrouter.persist.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventrouter.auth.Principal;
import dev.eventrouter.persist.cli.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The credentials file of {@code router serve}: access keys, their secrets and the principals they sign as.
 *
 * <pre>{@code
 * {"AKIAPURPLE000000001": {"secretAccessKey": "...", "principal": "arn:aws:iam::222222222222:role/publisher",
 *                          "tags": {"environment": "production"}}}
 * }</pre>
 * {@code principal} is an account id or a principal ARN. Every error names the access key and field.
 */
public final class Credentials {
    /** One access key: its secret and the principal it signs as. */
    public record Entry(String secretAccessKey, Principal principal) {
    }

    private final Map<String, Entry> byKey;

    /** @param byKey access key to its secret and principal. */
    public Credentials(final Map<String, Entry> byKey) {
        this.byKey = Map.copyOf(byKey);
    }

    Entry find(final String accessKey) {
        return byKey.get(accessKey);
    }

    /** @return the credentials in a file; every error names the access key and field. */
    public static Credentials load(final Path file) {
        final JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UserError("--credentials " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new UserError("--credentials " + file + ": must be an object of access keys");
        }
        final Map<String, Entry> entries = new LinkedHashMap<>();
        root.fields().forEachRemaining(e -> {
            final String at = "--credentials " + file + ": " + e.getKey();
            final JsonNode node = e.getValue();
            if (!node.isObject() || !node.path("secretAccessKey").isTextual()
                || !node.path("principal").isTextual()) {
                throw new UserError(at + ": needs secretAccessKey and principal (account id or ARN) strings");
            }
            final Map<String, String> tags = new LinkedHashMap<>();
            node.path("tags").fields().forEachRemaining(t -> tags.put(t.getKey(), t.getValue().asText()));
            final String principal = node.get("principal").asText();
            try {
                final Principal p = Principal.parse(principal);
                entries.put(e.getKey(), new Entry(node.get("secretAccessKey").asText(), p.withTags(tags)));
            } catch (IllegalArgumentException ex) {
                throw new UserError(at + ".principal: " + ex.getMessage());
            }
        });
        return new Credentials(entries);
    }
}
