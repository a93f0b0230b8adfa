package dev.nsbox.plan;

import dev.nsbox.cgroups.Limits;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.seccomp.SeccompFilter;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.SeccompSpec;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What confines every step once the sandbox is set up: the capabilities it keeps (none by
 * default), the compiled system-call filter (the default one unless the spec says otherwise),
 * the rlimits, and the limits its cgroup keeps. nsbox-init applies the first three in the
 * step's process right before execve(2), in the order the kernel needs (rlimits, capabilities
 * and securebits, no_new_privs, then the filter last); the executor makes the cgroup.
 *
 * <p>Immutable. Pure: compiling the filter reads only the engine's own tables.
 *
 * @param capabilities the capabilities kept in every set (ambient included, so that a uid-0
 *                     step without file capabilities still has them after execve)
 * @param seccomp      the filter, empty for {@code process.seccomp: unconfined}
 * @param limits       memory, pids and cpu for the sandbox's cgroup; openFiles and fileSize as rlimits
 */
public record Confinement(Set<Capability> capabilities, Optional<SeccompFilter> seccomp, Limits limits) {

    public Confinement {
        capabilities = Collections.unmodifiableSet(capabilities.isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(capabilities));
    }

    /** The capability mask nsbox-init keeps. */
    public long capabilityMask() {
        return Capability.mask(capabilities);
    }

    /** The rlimits, soft equal to hard so that the step cannot raise them. */
    public List<Limits.Rlimit> rlimits() {
        return limits.rlimits();
    }

    /**
     * The confinement {@code spec} asks for, compiled for {@code arch} (no filter without one);
     * problems (a filter the kernel would refuse to install) go to {@code out}.
     */
    static Confinement of(Spec spec, Optional<SeccompArch> arch, List<Diagnostic> out) {
        ProcessSpec p = spec.process();
        Optional<SeccompFilter> filter = Optional.empty();
        SeccompSpec s = p.seccomp();
        if (s.filtered()) {
            // No table for this architecture: the plan has no filter, and HostConfinement refuses
            // it as a limit of this machine (exit 3), as Sandbox refuses the architecture (0019).
            if (arch.isPresent()) {
                Set<String> kept = p.capabilities().stream().map(Enum::name).collect(Collectors.toSet());
                filter = SeccompFilter.of(policy(s), kept, arch.get());
            }
            // seccomp(2) installs a filter only with no_new_privs or CAP_SYS_ADMIN (EACCES otherwise).
            if (!p.noNewPrivileges() && !p.capabilities().contains(Capability.CAP_SYS_ADMIN)) {
                out.add(Diagnostic.error(p.origins().of("noNewPrivileges"), "process.noNewPrivileges: false "
                        + "leaves the kernel no way to install the system-call filter (seccomp(2) needs "
                        + "no_new_privs or CAP_SYS_ADMIN: EACCES); keep noNewPrivileges, or say "
                        + "process.seccomp: unconfined"));
            }
        }
        return new Confinement(p.capabilities(), filter, limits(spec.limits()));
    }

    private static SeccompPolicy policy(SeccompSpec s) {
        return switch (s.mode()) {
            case DEFAULT -> SeccompPolicy.defaults();
            case UNCONFINED -> new SeccompPolicy.Unconfined();
            case CUSTOM -> new SeccompPolicy.Custom(s.allow(), s.deny());
        };
    }

    static Limits limits(LimitsSpec l) {
        Limits out = Limits.NONE;
        if (l.memory() != null) {
            out = out.withMemory(l.memory());
        }
        if (l.pids() != null) {
            out = out.withPids(l.pids());
        }
        if (l.cpu() != null) {
            out = out.withCpu(l.cpu());
        }
        if (l.openFiles() != null) {
            out = out.withOpenFiles(l.openFiles());
        }
        if (l.fileSize() != null) {
            out = out.withFileSize(l.fileSize());
        }
        return out;
    }

    /**
     * The cgroup limits as the spec gives them, in cgroup v2's file names; which files are written
     * depends on the host's layout (v1 or v2), which only the executor knows (--debug shows them).
     */
    String cgroupLine() {
        List<String> parts = new ArrayList<>();
        limits.memory().ifPresent(b -> parts.add("memory.max=" + b));
        limits.pids().ifPresent(n -> parts.add("pids.max=" + n));
        limits.cpuQuotaMicros().ifPresent(q -> parts.add("cpu.max=" + q + " " + Limits.CPU_PERIOD_US));
        return "cgroup: " + String.join(", ", parts) + " (a cgroup of the sandbox's own, its root in the step's "
                + "cgroup namespace, removed afterwards)";
    }

    /** One line each for {@code plan}: what the steps keep and what confines them. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(capabilities.isEmpty()
                ? "capabilities: none (every set empty; securebits NOROOT|NO_SETUID_FIXUP|KEEP_CAPS|NO_CAP_AMBIENT_RAISE, locked)"
                : "capabilities: " + capabilities.stream().map(Enum::name).collect(Collectors.joining(", "))
                        + " (every other one dropped; securebits locked)");
        lines.add(seccomp.map(SeccompFilter::summary).orElse("seccomp: unconfined, no filter"));
        seccomp.ifPresent(f -> lines.add(f.call()));
        for (Limits.Rlimit r : rlimits()) {
            lines.add(r.describe());
        }
        if (limits.needsCgroup()) {
            lines.add(cgroupLine());
        }
        return lines;
    }
}
