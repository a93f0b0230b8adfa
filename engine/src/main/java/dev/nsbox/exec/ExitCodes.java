package dev.nsbox.exec;

/**
 * The exit codes of docs/spec.md ("Exit codes"), in one place for every front end: the executor
 * returns them, the CLI exits with them, and the Maven plugin maps them to Maven's outcomes.
 */
public final class ExitCodes {

    private ExitCodes() {
    }

    public static final int OK = 0;
    /** The spec is invalid, or has a refused host effect. */
    public static final int INVALID_SPEC = 1;
    /** Bad command line. */
    public static final int USAGE = 2;
    /** This machine cannot provide what the spec needs. */
    public static final int UNSUPPORTED = 3;
    /** The sandbox could not be set up. */
    public static final int SETUP_FAILED = 125;
    /** A step's command cannot be executed. */
    public static final int CANNOT_EXECUTE = 126;
    /** A step's command was not found. */
    public static final int NOT_FOUND = 127;
    /** {@code 128 + N}: a step was killed by signal N. */
    public static final int SIGNAL_BASE = 128;
}
