package dev.nsbox.sys;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

import java.util.Optional;

/**
 * A processor architecture the jar carries native programs for: {@code nsbox-init} and
 * {@code libnsbox-signals.so} are compiled for each by {@code engine/src/main/c/build.sh} and
 * stored under a directory named by {@link #id()}, next to the class that loads them
 * ({@code dev/nsbox/exec/aarch64/nsbox-init}). {@code dev.nsbox.seccomp.SeccompArch} makes the
 * same mapping from {@code os.arch} for the filter's system-call tables; a test keeps the two
 * in step.
 *
 * <p>Immutable. Never touches the host.
 */
public enum NativeArch {

    /** x86-64, {@code os.arch} {@code amd64}. */
    X86_64("x86_64"),
    /** arm64, {@code os.arch} {@code aarch64}. */
    AARCH64("aarch64");

    private final String id;

    NativeArch(String id) {
        this.id = id;
    }

    /** The name as {@code uname -m} prints it, which is also the directory in the jar. */
    public String id() {
        return id;
    }

    /**
     * The architecture for a value of the {@code os.arch} system property: HotSpot says
     * {@code amd64} and {@code aarch64}; {@code x86_64} and {@code arm64} are the other names
     * of the same.
     */
    public static Optional<NativeArch> ofOsArch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> Optional.of(X86_64);
            case "aarch64", "arm64" -> Optional.of(AARCH64);
            default -> Optional.empty();
        };
    }

    /** The running JVM's architecture, if the jar carries programs for it. */
    public static Optional<NativeArch> current() {
        return ofOsArch(osArch());
    }

    /** The running JVM's {@code os.arch}. */
    public static String osArch() {
        return System.getProperty("os.arch", "");
    }

    /** Why nsbox cannot run on the architecture {@code osArch}, for a user. */
    public static String refusal(String osArch) {
        return "nsbox runs on x86_64 (amd64) and aarch64 (arm64) only; this JVM's architecture is \""
                + osArch + "\" (os.arch), for which the jar carries no nsbox-init";
    }

    /**
     * The resource name of {@code program} for the running architecture, relative to the class
     * that loads it: {@code "aarch64/nsbox-init"}.
     *
     * @throws UnsupportedArchitectureException on any other architecture
     */
    public static String resource(String program) throws UnsupportedArchitectureException {
        String osArch = osArch();
        NativeArch arch = ofOsArch(osArch).orElseThrow(() -> new UnsupportedArchitectureException(refusal(osArch)));
        return arch.id + "/" + program;
    }

    /**
     * The bytes of {@code program} for the running architecture, a resource next to {@code owner}
     * ({@link #resource}), or null when the jar carries none. Read in as few calls as the stream
     * allows, into a buffer of the size the jar records for it ({@code available()} of a jar entry's
     * stream): {@code readAllBytes} reads 8 KiB at a time, over a hundred interpreted rounds and
     * copies for {@code nsbox-init} in a cold JVM (12 ms of a cold {@code run}).
     *
     * @throws UnsupportedArchitectureException on an architecture nsbox has no programs for
     */
    public static byte[] read(Class<?> owner, String program) throws IOException {
        try (InputStream in = owner.getResourceAsStream(resource(program))) {
            if (in == null) {
                return null;
            }
            byte[] buf = new byte[Math.max(in.available(), 8192) + 1];
            int n = 0;
            for (int r; (r = in.read(buf, n, buf.length - n)) >= 0; ) {
                n += r;
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
    }

    /**
     * The jar carries no native program for this JVM's architecture: nsbox does not support
     * it, or this jar was built without its cross compiler. The machine cannot run nsbox
     * ({@code ExitCode.UNSUPPORTED}).
     */
    public static final class UnsupportedArchitectureException extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        /** With the message a user reads. */
        public UnsupportedArchitectureException(String message) {
            super(message);
        }
    }
}
