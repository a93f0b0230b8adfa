package dev.nsbox.exec;

import dev.nsbox.sys.SyscallException;
import dev.nsbox.sys.Sys;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A thread that delivers one output pipe of the steps line by line ({@link LineReader}) to a
 * consumer, and a write end of that pipe of our own ({@link #marker()}) for {@link #drain}. The
 * thread owns the pipe's read end and closes it at its end: closed elsewhere as well, it could
 * read(2) a number the kernel had given to another file. The marker end belongs to whoever
 * passed it in; the pipe reaches end of file only once it is closed.
 *
 * <p>{@link #drain} is called on the run's thread, between steps.
 */
final class OutputPump {

    /** The most bytes of a drain marker. */
    static final int MAX_MARKER = 64;
    /** How long a drain waits for a pump whose sink does not return, as the timer it replaced did. */
    private static final long DRAIN_LIMIT_MS = 5000;

    private final Thread thread;
    private final LineReader lines;
    private final Fd marker;

    private OutputPump(Thread thread, LineReader lines, Fd marker) {
        this.thread = thread;
        this.lines = lines;
        this.marker = marker;
    }

    /** Starts the thread {@code name} that delivers {@code read}'s lines to {@code sink}. */
    static OutputPump start(Sys sys, Fd read, Fd marker, Consumer<String> sink, String name) {
        return start(new LineReader(sys, read.number()), read, marker, sink, name);
    }

    static OutputPump start(LineReader lines, Fd read, Fd marker, Consumer<String> sink, String name) {
        Thread t = new Thread(() -> {
            try {
                for (String l = lines.next(); l != null; l = lines.next()) {
                    sink.accept(l);
                    lines.delivered();
                }
            } catch (SyscallException e) {
                sink.accept("nsbox: cannot read the step's output: " + e.getMessage());
            } finally {
                lines.end();
                read.close();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return new OutputPump(t, lines, marker);
    }

    Thread thread() {
        return thread;
    }

    /** Our write end of the pipe. */
    Fd marker() {
        return marker;
    }

    /**
     * Returns once every byte a finished step wrote to this pipe has been delivered. The
     * supervisor reports a step only after everything it started is dead, so nothing more can
     * arrive until the next step starts: a marker written now, through our own write end, is the
     * last thing in the pipe, and once the pump has read it, everything before it has been
     * delivered. pipe(7): a write of at most PIPE_BUF bytes is atomic, so the marker is never
     * interleaved. It is drawn after the step ended, 128 random bits, so no step can have written
     * it. A last line the step did not end with a newline is delivered as it is, with the step it
     * belongs to. At end of file (the pump has stopped) there is nothing to wait for.
     */
    void drain() throws InterruptedException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        // The first byte, NUL, is in no other place of the marker (LineReader's matching needs it).
        byte[] m = ("\0nsbox-drain-" + Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()) + ".")
                .getBytes(StandardCharsets.US_ASCII);
        long target = lines.expect(m);
        boolean written;
        try {
            written = marker.write(m, "write(" + marker + ", drain marker)");
        } catch (SyscallException e) {
            // EPIPE: the pump has closed its end, after delivering everything.
            written = false;
        }
        if (!written) {
            lines.unexpect(m);
            if (lines.ended()) {
                thread.join(DRAIN_LIMIT_MS);
            }
            return;
        }
        lines.awaitMarkers(target, DRAIN_LIMIT_MS);
    }
}
