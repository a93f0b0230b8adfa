package dev.nsbox.spec;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How every step runs: working directory, environment, default timeout, and what confines it.
 * Secure by default: a step keeps no capability ({@code capabilities} empty, securebits locked
 * so that uid 0 regains nothing at execve), {@code PR_SET_NO_NEW_PRIVS} is set, and the default
 * system-call filter is installed; the spec loosens each explicitly.
 *
 * <p>Immutable. {@code cwd} is absolute inside the sandbox, or {@code null} for the caller's
 * working directory; {@code timeout} is {@code null} for none.
 *
 * @param capabilities the capabilities every step keeps (in every set, ambient included)
 * @param seccomp      the system-call filter
 */
public record ProcessSpec(String cwd, EnvSpec env, Duration timeout, boolean noNewPrivileges,
                          Set<Capability> capabilities, SeccompSpec seccomp, Origins origins) {

    public ProcessSpec {
        Objects.requireNonNull(seccomp, "seccomp");
        capabilities = Collections.unmodifiableSet(capabilities.isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(capabilities));
    }

    public static ProcessSpec defaults(Origin origin) {
        return new ProcessSpec(null, EnvSpec.inherit(origin), null, true, Set.of(),
                SeccompSpec.defaults(origin.withPath("process.seccomp")), Origins.of(origin));
    }
}
