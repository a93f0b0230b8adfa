package dev.nsbox.exec;

import java.time.Duration;

/**
 * How one step ended.
 *
 * <p>Immutable.
 *
 * @param index    0-based position among the plan's steps
 * @param name     the step's name
 * @param outcome  what happened
 * @param exitCode the code the run reports for it: the step's exit status, {@code 128+N} when a
 *                 signal N killed it, 126 or 127 when it could not be executed or found, 125
 *                 when it could not be started
 * @param signal   the signal that killed it, or 0
 * @param timedOut its timeout expired (it was sent SIGTERM, and SIGKILL after the grace period)
 * @param duration wall-clock time from start to end
 * @param message  an explanation when the step failed (its first line says what happened, a
 *                 {@code hint:} line may follow), else {@code null}
 * @param killedBy what of nsbox's killed it: {@link #KILLED_BY_MEMORY} (the sandbox's memory
 *                 limit), {@link #KILLED_BY_TIMEOUT} (its timeout expired), or {@code null} when
 *                 nsbox did not end it
 */
public record StepResult(int index, String name, Outcome outcome, int exitCode, int signal, boolean timedOut,
                         Duration duration, String message, String killedBy) {

    /** {@link #killedBy()}: the kernel killed it at the sandbox cgroup's memory limit ({@code limits.memory}). */
    public static final String KILLED_BY_MEMORY = "memory";

    /** {@link #killedBy()}: its timeout expired, and nsbox sent SIGTERM and then SIGKILL. */
    public static final String KILLED_BY_TIMEOUT = "timeout";

    /** What happened to a step. */
    public enum Outcome {
        /** It ran and exited with a status (zero or not). */
        EXITED,
        /** A signal killed it. */
        SIGNALED,
        /** Its command could not be executed or found (execvp(3) failed). */
        NOT_EXECUTED,
        /** It could not be started (its working directory, the supervisor...). */
        NOT_STARTED
    }

    /** This result, killed by {@code what} ({@link #KILLED_BY_MEMORY}...) with {@code why} as its message. */
    public StepResult killedBy(String what, String why) {
        return new StepResult(index, name, outcome, exitCode, signal, timedOut, duration, why, what);
    }

    public boolean succeeded() {
        return outcome == Outcome.EXITED && exitCode == 0;
    }
}
