package dev.nsbox.exec;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the steps' standard streams go.
 *
 * <ul>
 *   <li>{@link #inherit()}: the steps read and write this process's descriptors 0, 1 and 2
 *       directly, unbuffered (the CLI);</li>
 *   <li>{@link #lines(Consumer, Consumer)}: standard input is {@code /dev/null}; standard output
 *       and error are pipes read by two threads of this JVM, each complete line (without its
 *       {@code \n}, decoded as UTF-8) handed to a consumer (the Maven plugin's log). Every line
 *       has been delivered when {@link Sandbox#run()} returns. A line longer than
 *       {@link #MAX_LINE} bytes is handed over in pieces of at most that many bytes, each cut
 *       at a character boundary, so that memory stays bounded whatever a step writes. The
 *       text is as the step wrote it: control characters ({@code \r}, ESC, NUL) included.</li>
 * </ul>
 *
 * <p>Immutable.
 */
public final class StepIO {

    /**
     * The most bytes of UTF-8 in one line handed to a consumer of {@link #lines}: 64 KiB, far
     * above any line a person reads in a log, and small next to any JVM's heap.
     */
    public static final int MAX_LINE = 64 * 1024;

    private final Consumer<String> out;
    private final Consumer<String> err;

    private StepIO(Consumer<String> out, Consumer<String> err) {
        this.out = out;
        this.err = err;
    }

    /** The steps share this process's standard input, output and error. */
    public static StepIO inherit() {
        return new StepIO(null, null);
    }

    /** Standard output and error delivered line by line; standard input empty. */
    public static StepIO lines(Consumer<String> stdout, Consumer<String> stderr) {
        return new StepIO(Objects.requireNonNull(stdout, "stdout"), Objects.requireNonNull(stderr, "stderr"));
    }

    boolean inherits() {
        return out == null;
    }

    Consumer<String> out() {
        return out;
    }

    Consumer<String> err() {
        return err;
    }
}
