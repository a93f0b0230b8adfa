package dev.nsbox.plan;

import dev.nsbox.spec.Origin;

import java.time.Duration;
import java.util.List;

/**
 * One step, ready to execute: the argv, the complete environment ({@code NAME=value}), the
 * working directory inside the sandbox and the timeout ({@code null} for none).
 *
 * <p>Immutable.
 */
public record StepLaunch(String name, List<String> argv, List<String> env, String cwd, Duration timeout,
                         Origin origin) {

    public StepLaunch {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
    }
}
