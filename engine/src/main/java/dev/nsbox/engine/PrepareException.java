package dev.nsbox.engine;

import dev.nsbox.spec.ExitCode;

/**
 * A spec that could not be prepared for a reason other than the spec itself (which is a
 * {@link dev.nsbox.spec.SpecException}): the message says what, in words for the user.
 */
public final class PrepareException extends Exception {

    /** Whose fault it is. */
    public enum Kind {
        /** A front end's change to the spec is invalid (a bad Maven parameter): the project's. */
        OVERRIDE(ExitCode.INVALID_SPEC),
        /** This process's mount table cannot be read: the machine's. */
        MOUNT_TABLE(ExitCode.UNSUPPORTED);

        private final ExitCode exitCode;

        Kind(ExitCode exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final Kind kind;

    PrepareException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The exit code a command stops with. */
    public ExitCode exitCode() {
        return kind.exitCode;
    }
}
