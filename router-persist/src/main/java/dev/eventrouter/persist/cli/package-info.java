/**
 * The {@code router} command line: {@code test-pattern}, {@code match}, {@code demo}. Usage errors, invalid
 * patterns and unreadable input exit with code 2 and one clear line on stderr; stack traces only with
 * {@code --verbose}.
 *
 * <p>Depends on router-core; nothing depends on it. Threading: each command runs on the calling thread.
 */
package dev.eventrouter.persist.cli;
