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
 *   <li>{@link #terminal(String)}: each step runs on a new pseudo-terminal of the sandbox's own
 *       devpts, as its controlling terminal, relayed to this process's terminal (descriptor 0,
 *       put in raw mode while the step runs) and standard output; the supervisor gets
 *       {@code /dev/null} as its standard streams, so no descriptor of the caller's terminal
 *       enters the sandbox ({@code nsbox shell}).</li>
 *   <li>{@link #descriptors(int, int, int)}: the steps read and write three descriptors of this
 *       process that the caller holds (a test fork's streams, received by {@link ForkServer}).</li>
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
    private final boolean terminal;
    private final String term;
    private final int[] fds;

    private StepIO(Consumer<String> out, Consumer<String> err, boolean terminal, String term, int[] fds) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.term = term;
        this.fds = fds;
    }

    /** The steps share this process's standard input, output and error. */
    public static StepIO inherit() {
        return new StepIO(null, null, false, null, null);
    }

    /**
     * Each step on a pseudo-terminal of the sandbox relayed to this process's terminal; a step
     * whose environment has no {@code TERM} gets {@code term} (the caller's, may be null).
     * Check {@link #hasTerminal()} first: without a terminal on descriptor 0 the step does not
     * start. For a run in this JVM ({@code NsboxEngine.local}), not through a helper JVM.
     */
    public static StepIO terminal(String term) {
        return new StepIO(null, null, true, term, null);
    }

    /** Whether this process's standard input is a terminal, as {@link #terminal} needs. */
    public static boolean hasTerminal() {
        return Pty.isTerminal(dev.nsbox.sys.Sys.get(), 0);
    }

    /** Standard output and error delivered line by line; standard input empty. */
    public static StepIO lines(Consumer<String> stdout, Consumer<String> stderr) {
        return new StepIO(Objects.requireNonNull(stdout, "stdout"), Objects.requireNonNull(stderr, "stderr"), false,
                null, null);
    }

    /**
     * The steps' standard input, output and error are {@code in}, {@code out} and {@code err},
     * which the caller keeps open until {@link Sandbox#run()} returns and closes afterwards.
     */
    static StepIO descriptors(int in, int out, int err) {
        return new StepIO(null, null, false, null, new int[] {in, out, err});
    }

    /** The descriptors of {@link #descriptors}, or {@code null}. */
    int[] fds() {
        return fds == null ? null : fds.clone();
    }

    boolean inherits() {
        return out == null && !terminal && fds == null;
    }

    boolean terminal() {
        return terminal;
    }

    String term() {
        return term;
    }

    Consumer<String> out() {
        return out;
    }

    Consumer<String> err() {
        return err;
    }
}
