package dev.nsbox.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The flags of every JVM nsbox starts for itself (the {@code nsbox} launcher, the CLI relaunched
 * in a user namespace, the helper JVM of {@link Sandboxes}, the engine JVM of the Maven plugin's
 * test wrapper): nsbox does milliseconds of work, so the C1 compiler alone, the serial collector
 * and class data sharing when it can be used start it fastest.
 *
 * <p>They are written once, one a line, in the resource {@code lean-jvm-flags} next to this
 * class; the {@code nsbox} shell launcher reads the same file from the source tree.
 */
public final class JvmFlags {

    /** The lean flags, in the order of the resource file. */
    public static final List<String> LEAN = read();

    private JvmFlags() {
    }

    private static List<String> read() {
        try (InputStream in = JvmFlags.class.getResourceAsStream("lean-jvm-flags")) {
            if (in == null) {
                throw new IllegalStateException("the resource dev/nsbox/exec/lean-jvm-flags is missing from the"
                        + " engine jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
