package dev.nsbox.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

import java.io.IOException;
import java.io.InputStream;

/**
 * A native signal handler that writes the signal's number to a pipe, for the signals the JVM
 * keeps for itself: HotSpot answers SIGQUIT with a thread dump and refuses it to
 * {@code sun.misc.Signal} (with or without {@code -Xrs}). The handler lives in
 * {@code libnsbox-signals.so} (engine/src/main/c/nsbox-signals.c), compiled by the build for
 * each {@link NativeArch}, carried in the jar under the architecture's directory
 * ({@code dev/nsbox/sys/aarch64/libnsbox-signals.so}), picked by {@code os.arch}, and loaded
 * from a memfd, so nothing is written to disk; it does only write(2), which is async-signal-safe, and puts the JVM's handler back on
 * {@link #restore(int)}.
 */
public final class NativeSignals {

    /** The library's functions. Public only because jnr-ffi implements it. */
    @SaveError
    public interface Lib {
        int nsbox_signal_to_fd(int sig, int fd);

        int nsbox_signal_restore(int sig);
    }

    private static Lib lib;
    private static String unavailable;

    private NativeSignals() {
    }

    /**
     * The library, loaded on first use.
     *
     * @throws IOException when it cannot be loaded here (missing from the jar, a C library it
     *     was not built for), saying why
     */
    static synchronized Lib lib(Sys sys) throws IOException {
        if (lib != null) {
            return lib;
        }
        if (unavailable != null) {
            throw new IOException(unavailable);
        }
        try {
            byte[] image = image();
            int fd = sys.memfdCreate("libnsbox-signals.so", Sys.MFD_CLOEXEC);
            try {
                sys.writeFully(fd, image, "write(memfd, libnsbox-signals.so, " + image.length + ")");
                // dlopen(3) maps it through the memfd's /proc path; the mapping outlives the descriptor.
                lib = LibraryLoader.create(Lib.class).failImmediately().load("/proc/self/fd/" + fd);
            } finally {
                sys.close(fd);
            }
            return lib;
        } catch (IOException e) {
            unavailable = e.getMessage();
            throw e;
        } catch (SyscallException | LinkageError e) {
            unavailable = "cannot load libnsbox-signals.so: " + e.getMessage();
            throw new IOException(unavailable, e);
        }
    }

    /** The bytes of the running architecture's library. */
    private static byte[] image() throws IOException {
        String name = NativeArch.resource("libnsbox-signals.so");
        try (InputStream in = NativeSignals.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new NativeArch.UnsupportedArchitectureException("dev/nsbox/sys/" + name + " is missing from "
                        + "the class path: this jar was built without it; engine/src/main/c/build.sh compiles it "
                        + "from engine/src/main/c/nsbox-signals.c");
            }
            return in.readAllBytes();
        }
    }

    /**
     * From now on, {@code sig} delivered to this process writes its number (one byte) to
     * {@code fd} instead of running the handler it had.
     */
    public static void toPipe(Sys sys, int sig, int fd) throws IOException {
        Lib l = lib(sys);
        if (l.nsbox_signal_to_fd(sig, fd) < 0) {
            throw new IOException("sigaction(" + sig + "): " + Errnos.describe(Runtime.getRuntime(l).getLastError()));
        }
    }

    /** Puts back the handler {@link #toPipe} replaced for {@code sig}. */
    public static void restore(Sys sys, int sig) throws IOException {
        lib(sys).nsbox_signal_restore(sig);
    }
}
