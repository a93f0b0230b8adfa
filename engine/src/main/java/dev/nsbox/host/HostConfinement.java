package dev.nsbox.host;

import dev.nsbox.cgroups.CgroupRefusedException;
import dev.nsbox.cgroups.Cgroups;
import dev.nsbox.cgroups.Limits;
import dev.nsbox.plan.Plan;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.SeccompSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What this machine cannot give a plan's confinement, found before anything is applied: a
 * cgroup for {@code limits.memory}, {@code limits.pids} or {@code limits.cpu} that this caller
 * may not make ({@link Cgroups#plan}), a capability in {@code process.capabilities} that this
 * process does not hold and so cannot hand to a step ({@code capset(2)} would answer EPERM in
 * the step's process), and a system-call filter on an architecture nsbox has no table for. Each
 * is an error at the spec value it comes from, with its fix; a front end that gets one exits 3,
 * as for {@link Rootless#limits}.
 *
 * <p>Reads the cgroup files and {@code /proc/self/status}; changes nothing.
 */
public final class HostConfinement {

    /** Where the cgroups come from: {@link Cgroups#detect()} for this machine. */
    @FunctionalInterface
    public interface CgroupSource {
        Cgroups detect() throws IOException;
    }

    private HostConfinement() {
    }

    /** {@link #limits(Plan, CgroupSource, OptionalLong)} for this machine and this process. */
    public static List<Diagnostic> limits(Plan plan) {
        OptionalLong held = heldCapabilities();
        List<Diagnostic> out = new ArrayList<>(architecture(plan, SeccompArch.current()));
        out.addAll(limits(plan, Cgroups::detect, held));
        if (!plan.launch().confinement().rlimits().isEmpty()) {
            out.addAll(rlimits(plan, hardLimits(), held));
        }
        return out;
    }

    /**
     * A system-call filter the plan asks for ({@code process.seccomp} other than
     * {@code unconfined}) on an architecture nsbox has no system-call table for ({@code arch}
     * empty; {@link SeccompArch#current()} on this machine): no filter can be compiled, so the
     * plan is refused as this machine's limit. The fix is another machine: {@code unconfined}
     * would not help, as the jar carries nsbox-init for the same architectures only (decision
     * 0019).
     */
    static List<Diagnostic> architecture(Plan plan, Optional<SeccompArch> arch) {
        SeccompSpec s = plan.spec().process().seccomp();
        if (!s.filtered() || arch.isPresent()) {
            return List.of();
        }
        return List.of(Diagnostic.error(s.origins().self(), "process.seccomp: nsbox has no system-call table for "
                + "this machine's architecture (" + System.getProperty("os.arch") + "), so it cannot install the "
                + "filter; nsbox runs on x86_64 (amd64) and aarch64 (arm64) only: run it on such a machine"));
    }

    /**
     * The rlimits of {@code plan} this process cannot give: setrlimit(2) raises a hard limit only
     * with CAP_SYS_RESOURCE in the initial user namespace, so a limit above this process's own
     * hard limit fails in every step (EPERM) unless the caller holds it outside any user
     * namespace nsbox makes.
     *
     * @param hard this process's hard limits by resource number ({@code /proc/self/limits})
     */
    public static List<Diagnostic> rlimits(Plan plan, java.util.Map<Integer, Long> hard, OptionalLong held) {
        List<Diagnostic> out = new ArrayList<>();
        boolean mayRaise = !Rootless.needsUserNamespace(plan) && held.isPresent()
                && (held.getAsLong() & Capability.CAP_SYS_RESOURCE.mask()) != 0;
        Origins origins = plan.spec().limits().origins();
        for (Limits.Rlimit r : plan.launch().confinement().rlimits()) {
            Long max = hard.get(r.resource());
            if (mayRaise || max == null || max == -1L || Long.compareUnsigned(r.hard(), max) <= 0) {
                continue;
            }
            String field = r.resource() == Limits.RLIMIT_NOFILE ? "openFiles" : "fileSize";
            out.add(Diagnostic.error(origins.of(field), "limits." + field + " is " + r.hard() + ", above this "
                    + "process's hard limit of " + max + " (" + r.name() + ", /proc/self/limits), which only "
                    + "CAP_SYS_RESOURCE may raise (setrlimit(2): EPERM); use at most " + max
                    + ", or raise the caller's hard limit (ulimit -H, limits.conf, LimitNOFILE=)"));
        }
        return out;
    }

    /** This process's hard limits by resource number, from {@code /proc/self/limits}; empty when unreadable. */
    public static java.util.Map<Integer, Long> hardLimits() {
        try {
            return hardLimits(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            return java.util.Map.of();
        }
    }

    /** The hard limits of a {@code /proc/PID/limits} text; {@code -1} for unlimited. */
    static java.util.Map<Integer, Long> hardLimits(String text) {
        java.util.Map<Integer, Long> out = new java.util.HashMap<>();
        for (String l : text.split("\n")) {
            int resource = l.startsWith("Max open files") ? Limits.RLIMIT_NOFILE
                    : l.startsWith("Max file size") ? Limits.RLIMIT_FSIZE : -1;
            if (resource < 0) {
                continue;
            }
            String[] w = l.substring(25).trim().split("\\s+");
            if (w.length >= 2) {
                out.put(resource, w[1].equals("unlimited") ? -1L : Long.parseLong(w[1]));
            }
        }
        return out;
    }

    /**
     * Every reason {@code plan}'s confinement cannot be had here; empty when it can.
     *
     * @param cgroups the machine's cgroups, asked only when the plan has a limit that needs one
     * @param held    the capabilities this process can give a step (permitted and bounding);
     *                empty when unknown. Not asked for a plan that runs in a user namespace nsbox
     *                makes: there the sandbox's process holds every capability of that namespace
     *                (user_namespaces(7), "Capabilities").
     */
    public static List<Diagnostic> limits(Plan plan, CgroupSource cgroups, OptionalLong held) {
        List<Diagnostic> out = new ArrayList<>();
        Limits limits = plan.launch().confinement().limits();
        Origins origins = plan.spec().limits().origins();
        if (limits.needsCgroup()) {
            String first = limits.controllers().iterator().next();
            String field = origins.has(first) ? first : null;
            try {
                cgroups.detect().plan("nsbox-check", limits);
            } catch (CgroupRefusedException e) {
                out.add(Diagnostic.error(field == null ? origins.self() : origins.of(field),
                        e.reason() + "; " + e.fix()));
            } catch (IOException | RuntimeException e) {
                out.add(Diagnostic.error(field == null ? origins.self() : origins.of(field),
                        "limits." + first + " needs a cgroup, and this machine's cgroups cannot be read: "
                                + e.getMessage()));
            }
        }
        if (!Rootless.needsUserNamespace(plan) && held.isPresent()) {
            long missing = plan.launch().confinement().capabilityMask() & ~held.getAsLong();
            if (missing != 0) {
                List<String> names = Capability.fromMask(missing).stream().map(Capability::name).toList();
                Origins p = plan.spec().process().origins();
                out.add(Diagnostic.error(p.has("capabilities") ? p.of("capabilities") : p.self(),
                        "process.capabilities keeps " + String.join(", ", names) + ", which this process does not "
                                + "hold (not in its permitted and bounding sets, /proc/self/status CapPrm and "
                                + "CapBnd), so no step can have " + (names.size() == 1 ? "it" : "them")
                                + " (capset(2): EPERM); remove " + (names.size() == 1 ? "it" : "them")
                                + " from process.capabilities, or run nsbox where the caller holds "
                                + (names.size() == 1 ? "it" : "them")));
            }
        }
        return out;
    }

    /**
     * The capabilities this process can give a process it starts: its permitted set within its
     * bounding set ({@code CapPrm & CapBnd} of {@code /proc/self/status}, proc(5)). Empty when
     * they cannot be read.
     */
    public static OptionalLong heldCapabilities() {
        try {
            return held(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code CapPrm & CapBnd} of a {@code /proc/PID/status} text; empty when either is missing. */
    static OptionalLong held(String status) {
        OptionalLong prm = capabilitySet(status, "CapPrm");
        OptionalLong bnd = capabilitySet(status, "CapBnd");
        return prm.isPresent() && bnd.isPresent() ? OptionalLong.of(prm.getAsLong() & bnd.getAsLong())
                : OptionalLong.empty();
    }

    /**
     * One capability set of this process ({@code CapInh}, {@code CapPrm}, {@code CapEff},
     * {@code CapBnd} or {@code CapAmb} of {@code /proc/self/status}) as a mask of
     * {@link Capability#mask()} bits; empty when it cannot be read.
     */
    public static OptionalLong ownCapabilitySet(String set) {
        try {
            return capabilitySet(Files.readString(Path.of("/proc/self/status")), set);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The capability set {@code set} of a {@code /proc/PID/status} text: proc(5) prints each as a
     * line {@code CapEff:\t000001ffffffffff}, the mask in hexadecimal. Empty when that line is
     * missing or is not a hexadecimal 64-bit number.
     */
    public static OptionalLong capabilitySet(String status, String set) {
        String prefix = set + ":";
        for (String l : status.split("\n")) {
            if (l.startsWith(prefix)) {
                try {
                    return OptionalLong.of(Long.parseUnsignedLong(l.substring(prefix.length()).trim(), 16));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
