package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

/**
 * One open file descriptor and the one place that closes it: its holder. {@link #close()} is
 * idempotent, and {@link #write}, {@link #ioctl} and {@link #close()} take the same lock, so a
 * descriptor is closed once and never used after it is closed (by then the kernel may have given its
 * number to a file another thread of the JVM opened: close(2), "reuse of the file descriptor").
 *
 * <p>Thread-safe.
 */
final class Fd implements AutoCloseable {

    private final Sys sys;
    private int fd;

    Fd(Sys sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    /** The descriptor's number, or {@code -1} once closed. */
    synchronized int number() {
        return fd;
    }

    /**
     * Moves the descriptor to a number of at least {@code min} (a close-on-exec copy, then the
     * old number closed). posix_spawn(3)'s file actions dup2 in order onto 0..5: a source among
     * those numbers could be overwritten before it is used.
     */
    synchronized Fd atLeast(int min) throws SyscallException {
        if (fd >= 0 && fd < min) {
            int high = sys.dupAtLeast(fd, min);
            sys.close(fd);
            fd = high;
        }
        return this;
    }

    /**
     * Writes all of {@code message} unless the descriptor is closed.
     *
     * @return false when it was closed already
     */
    synchronized boolean write(byte[] message, String call) throws SyscallException {
        if (fd < 0) {
            return false;
        }
        sys.writeFully(fd, message, call);
        return true;
    }

    /**
     * ioctl(2) {@code request} with {@code arg} unless the descriptor is closed.
     *
     * @return false when it was closed already
     */
    synchronized boolean ioctl(long request, byte[] arg, String call) throws SyscallException {
        if (fd < 0) {
            return false;
        }
        sys.ioctl(fd, request, arg, call);
        return true;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            sys.close(fd);
            fd = -1;
        }
    }

    @Override
    public synchronized String toString() {
        return fd < 0 ? "closed" : "fd " + fd;
    }
}
