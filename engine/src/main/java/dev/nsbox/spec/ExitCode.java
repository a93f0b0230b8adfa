package dev.nsbox.spec;

/**
 * The exit codes of the contract (docs/spec-reference.md, "Exit codes"), in one type for every
 * layer: the executor reports them, the CLI exits with them, the Maven plugin maps them to
 * Maven's outcomes. It lives in the leaf package so that every package may name it without a
 * cycle.
 *
 * <p>A step's own exit code (any other number) and {@code 128 + N} for a step killed by signal N
 * are not constants: see {@link #forSignal(int)}.
 */
public enum ExitCode {
    /** Success. */
    OK(0),
    /** The spec is invalid, or has a refused host effect. */
    INVALID_SPEC(1),
    /** Bad command line. */
    USAGE(2),
    /** This machine cannot provide what the spec needs; the message says how to enable it. */
    UNSUPPORTED(3),
    /** The sandbox could not be set up. */
    SETUP_FAILED(125),
    /** A step's command cannot be executed. */
    CANNOT_EXECUTE(126),
    /** A step's command was not found. */
    NOT_FOUND(127);

    /** {@code 128 + N}: a step was killed by signal N. */
    public static final int SIGNAL_BASE = 128;

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The number a process exits with. */
    public int code() {
        return code;
    }

    /** The exit code of a step killed by {@code signal}: {@code 128 + signal}. */
    public static int forSignal(int signal) {
        return SIGNAL_BASE + signal;
    }
}
