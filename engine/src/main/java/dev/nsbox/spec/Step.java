package dev.nsbox.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One build step: either an argv ({@code run}, no shell) or a {@code shell} line given to
 * {@code /bin/sh -c}. Exactly one of the two is set (the parser guarantees it).
 *
 * <p>Immutable. {@code name} is never null: a step without one is named {@code step-N}
 * (1-based). {@code timeout} and {@code cwd} are {@code null} when the step inherits them
 * from {@code process}; {@code env} holds only the step's own {@code set} entries.
 */
public record Step(
        int index,
        String name,
        List<String> run,
        String shell,
        Duration timeout,
        Map<String, String> env,
        String cwd,
        Origins origins) {

    public Step {
        run = run == null ? null : List.copyOf(run);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    }

    /** The argv to execute: {@code run} as written, or {@code [/bin/sh, -c, shell]}. */
    public List<String> argv() {
        return run != null ? run : List.of("/bin/sh", "-c", shell);
    }

    public String label() {
        return "steps[" + index + "]";
    }
}
