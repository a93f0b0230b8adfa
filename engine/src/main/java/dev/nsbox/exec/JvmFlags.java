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

    private JvmFlags() {
    }

    /**
     * The lean flags, in the order of the resource file. Read on first use, not when the class
     * is loaded: a command that starts no JVM (a cold {@code nsbox run} as root) never pays for
     * the jar resource read, about 12 ms in a cold JVM, the first of its kind.
     */
    public static List<String> lean() {
        return Lean.FLAGS;
    }

    /** Initialised on first use (JLS 12.4.1): the holder idiom. */
    private static final class Lean {
        static final List<String> FLAGS = read();
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
