package dev.nsbox.host;

import dev.nsbox.cgroups.CgroupRefusedException;
import dev.nsbox.cgroups.Cgroups;
import dev.nsbox.cgroups.Limits;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What this machine cannot give a plan's confinement, found before anything is applied: a
 * cgroup for {@code limits.memory}, {@code limits.pids} or {@code limits.cpu} that this caller
 * may not make ({@link Cgroups#plan}), and a capability in {@code process.capabilities} that
 * this process does not hold and so cannot hand to a step ({@code capset(2)} would answer EPERM
 * in the step's process). Each is an error at the spec value it comes from, with its fix; a
 * front end that gets one exits 3, as for {@link Rootless#limits}.
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
        return limits(plan, Cgroups::detect, heldCapabilities());
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
        OptionalLong prm = OptionalLong.empty();
        OptionalLong bnd = OptionalLong.empty();
        try {
            for (String l : status.split("\n")) {
                if (l.startsWith("CapPrm:")) {
                    prm = OptionalLong.of(Long.parseUnsignedLong(l.substring(7).trim(), 16));
                } else if (l.startsWith("CapBnd:")) {
                    bnd = OptionalLong.of(Long.parseUnsignedLong(l.substring(7).trim(), 16));
                }
            }
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
        return prm.isPresent() && bnd.isPresent() ? OptionalLong.of(prm.getAsLong() & bnd.getAsLong())
                : OptionalLong.empty();
    }
}
