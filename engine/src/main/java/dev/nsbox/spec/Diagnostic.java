package dev.nsbox.spec;

import java.util.Objects;

/**
 * One problem found in a spec, printed in the form compilers use:
 * {@code specs/ci.yaml:14:7: error: mounts[2].propagation: unknown value "rshared2"; ...}.
 *
 * <p>Immutable.
 */
public record Diagnostic(Severity severity, Origin origin, String message) {

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(message, "message");
    }

    public static Diagnostic error(Origin origin, String message) {
        return new Diagnostic(Severity.ERROR, origin, message);
    }

    public static Diagnostic warning(Origin origin, String message) {
        return new Diagnostic(Severity.WARNING, origin, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The one-line compiler form. */
    public String format() {
        return origin.location() + ": " + severity.word() + ": " + message;
    }

    @Override
    public String toString() {
        return format();
    }
}
