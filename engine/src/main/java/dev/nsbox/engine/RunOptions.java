package dev.nsbox.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How a run ends when it is stopped: {@code grace} between SIGTERM and SIGKILL for a step past
 * its timeout or a run cancelled, and whether a JVM shutdown hook cancels the run (Ctrl-C of
 * Maven).
 *
 * <p>Immutable.
 */
public record RunOptions(Duration grace, boolean shutdownHook) {

    public RunOptions {
        Objects.requireNonNull(grace, "grace");
    }

    /** 10 s of grace, shutdown hook installed. */
    public static RunOptions defaults() {
        return new RunOptions(Duration.ofSeconds(10), true);
    }
}
