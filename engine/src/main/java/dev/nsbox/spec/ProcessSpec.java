package dev.nsbox.spec;

import java.time.Duration;

/**
 * How every step runs: working directory, environment, default timeout, whether
 * {@code PR_SET_NO_NEW_PRIVS} is set (default true), and whether every capability is dropped
 * before the step starts (default false: a step keeps what the caller has, which as root lets it
 * mount and remount inside the sandbox).
 *
 * <p>Immutable. {@code cwd} is absolute inside the sandbox, or {@code null} for the caller's
 * working directory; {@code timeout} is {@code null} for none.
 */
public record ProcessSpec(String cwd, EnvSpec env, Duration timeout, boolean noNewPrivileges,
                          boolean dropCapabilities, Origins origins) {

    public static ProcessSpec defaults(Origin origin) {
        return new ProcessSpec(null, EnvSpec.inherit(origin), null, true, false, Origins.of(origin));
    }
}
