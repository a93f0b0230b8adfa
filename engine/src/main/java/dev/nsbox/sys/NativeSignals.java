package dev.nsbox.sys;

import java.io.IOException;

/**
 * A native signal handler that writes the signal's number to a pipe, for the signals the JVM
 * keeps for itself: HotSpot answers SIGQUIT with a thread dump and refuses it to
 * {@code sun.misc.Signal} (with or without {@code -Xrs}). The handler lives in nsbox's JNI
 * library ({@code libnsbox-sys.so}, engine/src/main/c/nsbox-sys.c, see {@link NativeLibC}); it
 * does only write(2), which is async-signal-safe, and puts the JVM's handler back on
 * {@link #restore(Sys, int)}.
 */
public final class NativeSignals {

    private NativeSignals() {
    }

    /**
     * From now on, {@code sig} delivered to this process writes its number (one byte) to
     * {@code fd} instead of running the handler it had.
     *
     * @throws IOException when the handler cannot be installed, saying why
     */
    public static void toPipe(Sys sys, int sig, int fd) throws IOException {
        try {
            sys.signalToFd(sig, fd);
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Puts back the handler {@link #toPipe} replaced for {@code sig}. */
    public static void restore(Sys sys, int sig) {
        sys.signalRestore(sig);
    }
}
