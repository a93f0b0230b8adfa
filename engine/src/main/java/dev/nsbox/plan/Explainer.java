package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code nsbox explain} prints: for each mount of a plan, the propagation of what it lands
 * on before, its own propagation after set-up, where it propagates and the kernel rule that
 * decides it; then whether the sandbox is sealed from the host.
 *
 * <p>Pure: the text comes from a {@link Simulator} run against the given host table.
 */
public final class Explainer {

    private Explainer() {
    }

    static final String RULE_COPY = "a new mount namespace starts with a copy of every mount, and each copy of a "
            + "shared mount joins its original's peer group (sharedsubtree.rst, 2a; mount_namespaces(7))";
    static final String RULE_COPY_USERNS = "in a mount namespace owned by a new user namespace, copies of shared "
            + "mounts become slaves of the original's peer group, so nothing propagates out (mount_namespaces(7), "
            + "\"Restrictions on mount namespaces\")";
    static final String RULE_ON_SHARED = "a mount on a shared mount becomes shared and propagates to every mount of "
            + "the destination's peer group and to their slaves (sharedsubtree.rst, 2a and 5b)";
    static final String RULE_ON_PRIVATE = "a mount on a private mount neither forwards nor receives propagation "
            + "(sharedsubtree.rst, 2c)";
    static final String RULE_ON_SLAVE = "a mount on a slave that is not shared stays where it is: a slave receives "
            + "propagation from its master but forwards none (sharedsubtree.rst, 2b)";
    static final String RULE_ON_UNBINDABLE = "an unbindable mount is a private mount: a mount on it does not propagate "
            + "(sharedsubtree.rst, 2d)";

    /** The explanation, one line per element, with the rules of {@code kernel}. */
    public static List<String> explain(Plan plan, MountTable host, Kernel kernel) {
        List<String> out = new ArrayList<>(explain(Simulator.simulate(plan, host, kernel),
                plan.spec() == null ? null : plan.spec().file()));
        if (plan.launch() != null && plan.launch().confinement() != null) {
            out.add("");
            out.add("each step is confined, whatever the mounts (nsbox-init, before execve):");
            for (String line : plan.launch().confinement().describe()) {
                out.add("  " + line);
            }
        }
        return out;
    }

    /** The explanation of a finished simulation. */
    public static List<String> explain(Simulation sim) {
        return explain(sim, null);
    }

    /**
     * @param specFile the spec's own file: an op that a base file of {@code extends} asked for
     *                 says which file that was
     */
    private static List<String> explain(Simulation sim, String specFile) {
        List<String> out = new ArrayList<>();
        MountTable sandbox = sim.sandboxAfter();
        for (OpOutcome step : sim.outcomes()) {
            Op op = step.op();
            if (op instanceof Op.Unshare u) {
                if (!sim.ownNamespace()) {
                    continue;
                }
                out.add(head(step, specFile));
                out.add("  " + ((u.flags() & Flags.CLONE_NEWUSER) != 0 ? RULE_COPY_USERNS : RULE_COPY));
                continue;
            }
            if (op instanceof Op.SetPropagation p) {
                out.add(head(step, specFile));
                out.add("  " + p.path() + ((p.flags() & Flags.MS_REC) != 0 ? " and every mount below it become "
                        : " alone becomes (mounts below it keep theirs) ")
                        + Simulator.type(p.flags()).name().toLowerCase()
                        + " in the sandbox; a propagation change never propagates itself (sharedsubtree.rst, 2)");
                refused(step, out);
                continue;
            }
            if (step.destBefore() == null && step.refused() == null) {
                if (op instanceof Op.PivotRoot || op instanceof Op.Umount) {
                    out.add(head(step, specFile));
                    propagation(step, out);
                }
                continue;
            }
            if (step.destBefore() == null) {
                out.add(head(step, specFile));
                refused(step, out);
                continue;
            }
            out.add(head(step, specFile));
            String before = step.destBefore();
            out.add("  lands on " + step.destPath() + ", which is " + before + " in the sandbox before it");
            if (step.refused() != null) {
                refused(step, out);
                continue;
            }
            Optional<MountInfo> made = sandbox.byId(step.mountId());
            out.add("  after set-up the new mount is " + made.map(m -> m.propagationFields() + " at "
                    + m.mountPoint()).orElse("no longer mounted (unmounted or left with the old root)"));
            out.add("  rule: " + ruleFor(before));
            propagation(step, out);
        }
        out.add("");
        if (!sim.ownNamespace()) {
            out.add("NOT sealed: the plan creates no mount namespace, so every mount is made in the host's own");
        } else if (sim.sealed()) {
            out.add("sealed: no mount of the plan reaches another namespace, and no sandbox mount shares a peer group "
                    + "with the host in a direction that sends propagation out");
        } else {
            out.add("NOT sealed from the host:");
            for (HostEffect e : sim.effects()) {
                out.add("  " + e.describe());
            }
            for (String l : sim.leaks()) {
                out.add("  later mounts would still propagate: " + l);
            }
        }
        return out;
    }

    /** {@code mounts[3]: call}, with {@code (from base.yaml:7:5)} when a base file wrote the mount. */
    private static String head(OpOutcome step, String specFile) {
        String file = step.op().origin().file();
        String from = specFile == null || file.equals(specFile) || step.op().origin().line() <= 0 ? ""
                : " (from " + step.op().origin().location() + ")";
        return step.label() + from + ": " + step.op().call();
    }

    private static void propagation(OpOutcome step, List<String> out) {
        boolean any = false;
        for (MountEvent e : step.events()) {
            if (e.via() == null) {
                continue;
            }
            any = true;
            out.add("  " + (e.kind() == MountEvent.Kind.UMOUNT ? "unmounts " : "propagates to ") + e.namespace().name()
                    + " at " + e.path() + " through " + e.via() + ": " + e.rule());
        }
        if (!any && step.destBefore() != null) {
            out.add("  propagates nowhere: it stays in the sandbox");
        }
    }

    private static void refused(OpOutcome step, List<String> out) {
        if (step.refused() != null) {
            out.add("  the kernel will refuse it: " + step.refused());
        }
    }

    private static String ruleFor(String destPropagation) {
        if (destPropagation.contains("shared:")) {
            return RULE_ON_SHARED;
        }
        if (destPropagation.contains("master:")) {
            return RULE_ON_SLAVE;
        }
        if (destPropagation.contains("unbindable")) {
            return RULE_ON_UNBINDABLE;
        }
        return RULE_ON_PRIVATE;
    }
}
