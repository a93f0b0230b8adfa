package dev.nsbox.spec;

import java.time.Duration;

/**
 * How every step runs: working directory, environment, default timeout, and whether
 * {@code PR_SET_NO_NEW_PRIVS} is set (default true).
 *
 * <p>Immutable. {@code cwd} is absolute inside the sandbox, or {@code null} for the caller's
 * working directory; {@code timeout} is {@code null} for none.
 */
public record ProcessSpec(String cwd, EnvSpec env, Duration timeout, boolean noNewPrivileges, Origins origins) {

    public static ProcessSpec defaults(Origin origin) {
        return new ProcessSpec(null, EnvSpec.inherit(origin), null, true, Origins.of(origin));
    }
}
