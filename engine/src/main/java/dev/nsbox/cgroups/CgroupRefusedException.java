package dev.nsbox.cgroups;

import java.util.Objects;

/**
 * This machine, or this caller, cannot have the cgroup limits a spec asks for: the run is
 * refused before anything is made (the caller exits with {@code ExitCode.UNSUPPORTED}, 3).
 * Carries what is missing and how to get it.
 */
public final class CgroupRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;
    private final String fix;

    public CgroupRefusedException(String reason, String fix) {
        super(reason);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    /** What is missing, in one line. */
    public String reason() {
        return reason;
    }

    /** How to get it, in one line. */
    public String fix() {
        return fix;
    }
}
