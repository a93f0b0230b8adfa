package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

/**
 * Both ends of a pipe(7), each in a holder of its own: whoever keeps an end closes it through
 * its {@link Fd}; closing the pipe closes whichever end is still open.
 */
record Pipe(Fd read, Fd write) implements AutoCloseable {

    /** {@code pipe2(O_CLOEXEC)}; {@code name} says which pipe a failure was about. */
    static Pipe open(Sys sys, String name) throws SyscallException {
        int[] fds = sys.pipe2(Sys.O_CLOEXEC, "pipe2(" + name + ", O_CLOEXEC)");
        return new Pipe(new Fd(sys, fds[0]), new Fd(sys, fds[1]));
    }

    @Override
    public void close() {
        read.close();
        write.close();
    }
}
