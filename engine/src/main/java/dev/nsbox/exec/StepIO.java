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
 *       end of line, decoded as UTF-8) handed to a consumer (the Maven plugin's log). Every line
 *       has been delivered when {@link Sandbox#run()} returns.</li>
 *   <li>{@link #descriptors(int, int, int)}: the steps read and write three descriptors of this
 *       process that the caller holds (a test fork's streams, received by {@link ForkServer}).</li>
 * </ul>
 *
 * <p>Immutable.
 */
public final class StepIO {

    private final Consumer<String> out;
    private final Consumer<String> err;

    private final int[] fds;

    private StepIO(Consumer<String> out, Consumer<String> err, int[] fds) {
        this.out = out;
        this.err = err;
        this.fds = fds;
    }

    /** The steps share this process's standard input, output and error. */
    public static StepIO inherit() {
        return new StepIO(null, null, null);
    }

    /** Standard output and error delivered line by line; standard input empty. */
    public static StepIO lines(Consumer<String> stdout, Consumer<String> stderr) {
        return new StepIO(Objects.requireNonNull(stdout, "stdout"), Objects.requireNonNull(stderr, "stderr"),
                null);
    }

    /**
     * The steps' standard input, output and error are {@code in}, {@code out} and {@code err},
     * which the caller keeps open until {@link Sandbox#run()} returns and closes afterwards.
     */
    static StepIO descriptors(int in, int out, int err) {
        return new StepIO(null, null, new int[] {in, out, err});
    }

    /** The descriptors of {@link #descriptors}, or {@code null}. */
    int[] fds() {
        return fds == null ? null : fds.clone();
    }

    boolean inherits() {
        return out == null && fds == null;
    }

    Consumer<String> out() {
        return out;
    }

    Consumer<String> err() {
        return err;
    }
}
