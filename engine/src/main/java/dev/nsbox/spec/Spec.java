package dev.nsbox.spec;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed isolation spec (docs/spec.md, version 1): every value checked, variables expanded,
 * defaults applied, paths absolute and normalised.
 *
 * <p>Immutable. Never touches the host. Every part carries its {@link Origin} so that a later
 * error points back at the line that asked for it.
 *
 * @param file        the spec file as the user named it, used in messages
 * @param baseDir     absolute folder of the spec file; relative paths were resolved against it
 * @param namespaces  namespaces to create, as listed (the engine may add {@code user} when the
 *                    caller lacks {@code CAP_SYS_ADMIN}; it says so in the plan)
 * @param user        the mapping inside a user namespace, never null (root by default)
 * @param hostname    the UTS hostname, or {@code null}
 * @param propagation applied to {@code /} of the new mount namespace before any mount
 * @param limits      what the sandbox may consume (no limit where the spec wrote none)
 */
public record Spec(
        String file,
        String baseDir,
        int version,
        String name,
        String description,
        Set<Namespace> namespaces,
        UserMapping user,
        String hostname,
        Propagation propagation,
        HostEffectsPolicy hostEffects,
        Root root,
        List<MountSpec> mounts,
        ProcessSpec process,
        LimitsSpec limits,
        List<Step> steps,
        Origins origins) {

    public Spec {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(propagation, "propagation");
        Objects.requireNonNull(hostEffects, "hostEffects");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(user, "user");
        namespaces = java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(
                namespaces.isEmpty() ? java.util.EnumSet.noneOf(Namespace.class) : namespaces));
        mounts = List.copyOf(mounts);
        steps = List.copyOf(steps);
    }

    public boolean has(Namespace ns) {
        return namespaces.contains(ns);
    }
}
