package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.util.function.Consumer;

/**
 * A thread that delivers one output pipe of the steps line by line ({@link LineReader}) to a
 * consumer. It owns the pipe's read end and closes it at end of file: closed elsewhere as well,
 * it could read(2) a number the kernel had given to another file.
 *
 * <p>{@link #drain} is called on the run's thread, between steps.
 */
final class OutputPump {

    /** {@code FIONREAD} of asm-generic/ioctls.h: the bytes a pipe holds. */
    private static final long FIONREAD = 0x541B;
    /** How often {@link #drain} looks before it gives up on a reader that stays busy. */
    private static final int LOOKS = 5000;

    private final Thread thread;
    private final LineReader lines;
    private final Consumer<String> sink;

    private OutputPump(Thread thread, LineReader lines, Consumer<String> sink) {
        this.thread = thread;
        this.lines = lines;
        this.sink = sink;
    }

    /** Starts the thread {@code name} that delivers {@code read}'s lines to {@code sink}. */
    static OutputPump start(Sys sys, Fd read, Consumer<String> sink, String name) {
        return start(new LineReader(sys, read.number()), read, sink, name);
    }

    static OutputPump start(LineReader lines, Fd read, Consumer<String> sink, String name) {
        Thread t = new Thread(() -> {
            try {
                for (String l = lines.next(); l != null; l = lines.next()) {
                    sink.accept(l);
                }
            } catch (SyscallException e) {
                sink.accept("nsbox: cannot read the step's output: " + e.getMessage());
            } finally {
                read.close();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return new OutputPump(t, lines, sink);
    }

    Thread thread() {
        return thread;
    }

    /**
     * Returns once every byte a finished step wrote to this pipe has been delivered. The
     * supervisor reports a step only after everything it started is dead, so nothing more can
     * arrive until the next step starts: the pipe is drained when it holds no byte and the
     * reader is blocked in read(2) with every line before it handed over, or when the pipe is at
     * end of file (the supervisor is gone: killed after a cancellation's grace, or dead) and the
     * thread has delivered its last line. A last line the step did not end with a newline is
     * delivered as it is, with the step it belongs to.
     */
    void drain(Sys sys) throws InterruptedException {
        for (int i = 0; i < LOOKS; i++) {
            if (lines.ended() || !thread.isAlive()) {
                // End of file: the thread delivers what it still holds and ends. Waiting for the
                // reader to block in read(2) again, as below, would wait for what never comes.
                thread.join();
                return;
            }
            long generation = lines.reads();
            if (lines.waiting() && unread(sys) == 0) {
                // A read(2) that has just returned but not yet been counted shows as
                // "waiting" with an empty pipe: look again after it had time to count.
                Thread.sleep(1);
                if (lines.waiting() && lines.reads() == generation && unread(sys) == 0) {
                    String partial = lines.takePartial();
                    if (partial != null) {
                        sink.accept(partial);
                    }
                    return;
                }
            } else {
                Thread.sleep(1);
            }
        }
    }

    private int unread(Sys sys) {
        byte[] n = new byte[4];
        try {
            sys.ioctl(lines.fd, FIONREAD, n, "ioctl(" + lines.fd + ", FIONREAD)");
        } catch (SyscallException e) {
            return 0;
        }
        return (n[0] & 0xff) | (n[1] & 0xff) << 8 | (n[2] & 0xff) << 16 | (n[3] & 0xff) << 24;
    }
}
