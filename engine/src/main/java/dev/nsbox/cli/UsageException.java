package dev.nsbox.cli;

/** A bad command line (exit code 2); the message says what is wrong. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
