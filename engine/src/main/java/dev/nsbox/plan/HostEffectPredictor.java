package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.Mount;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.PropagationModel;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Propagation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Predicts a plan's host effects: simulates its operations, in order ({@link Simulator}), with
 * {@link PropagationModel} against the host's live mount table, in a sandbox namespace that
 * the plan's {@link Op.Unshare} copies from the host (shared mounts become slaves when the
 * unshare also creates a user namespace), and lists every mount and unmount that reaches a
 * namespace other than the sandbox's. Operations the kernel will refuse (binding an unbindable
 * mount, pivot_root(2) with a shared mount involved, a detached tree holding an unbindable
 * mount moved onto a shared mount) become error diagnostics at the spec value they come from.
 * A plan with no {@code CLONE_NEWNS} makes every mount in the host's own namespace: each is a
 * host effect. The plan it returns carries those effects, and expectations with the
 * propagation the simulation leaves and the copies propagation makes inside the sandbox.
 *
 * <p>Pure: no I/O. Paths are those the operations pass to the kernel, in the sandbox's
 * namespace at the time of the call; chdir(2), pivot_root(2) and umount2(2) are simulated so
 * that later paths resolve as they will.
 */
public final class HostEffectPredictor {

    private HostEffectPredictor() {
    }

    /** The plan with its host effects and refused operations, simulated with this kernel's rules. */
    public static Plan predict(Plan plan, MountTable host, Kernel kernel) {
        return predict(plan, host, kernel, null);
    }

    /**
     * The same, asking {@code files} (the host's files as the planner saw them; {@code null}:
     * not asked) whether each mount target the simulation reaches exists where the kernel will
     * look it up (see {@link TargetExistence}).
     */
    public static Plan predict(Plan plan, MountTable host, Kernel kernel, HostView files) {
        Simulation s = Simulator.simulate(plan, host, kernel, files);
        if (!s.ownNamespace() || !s.diagnostics().isEmpty()) {
            return plan.withHostEffects(s.effects(), s.diagnostics());
        }
        List<Diagnostic> warnings = new ArrayList<>();
        List<Expectation> expectations = writableCopies(propagationAsSimulated(plan.expectations(), s), s, warnings);
        return plan.withHostEffects(s.effects(), warnings).withExpectations(expectations);
    }

    /**
     * Copies that a later mount of the spec propagates, inside the sandbox's own tree, to a
     * place below a target the spec made read-only with every submount (a read-only root or a
     * recursive read-only bind on a tree that is still shared). propagate_mnt makes each copy
     * with the flags of the mount it copies, not those of the mount it lands on
     * (fs/pnode.c, copy_tree/clone_mnt; sharedsubtree.rst 2a, 2b), so the kernel puts a
     * writable copy there. It is the same filesystem the spec mounted writable elsewhere, no
     * more writable than there; nsbox says so with a warning naming both spec lines, and
     * each copy becomes an expectation of its own: something is mounted there, and the
     * verifier does not ask it to be read-only. A copy stacked on the read-only target itself
     * (a peer of the target's parent receives it on the target's root) covers it: the target's
     * expectation no longer asks for read-only, since a process reaches the copy, and asks for
     * the copy's filesystem; the same holds for a target that is not read-only, whose expectation
     * then asks for the copy's filesystem (a tmpfs copy on a proc target reads as tmpfs), with a
     * warning of its own. Making the copies read-only after the fact, as
     * a blanket remount would, would break what the spec asked of the later mount itself
     * (docs/spec-reference.md, "Read-only trees and propagation inside the sandbox").
     */
    private static List<Expectation> writableCopies(List<Expectation> expectations, Simulation s,
                                                    List<Diagnostic> warnings) {
        List<Expectation> out = new ArrayList<>(expectations);
        Set<String> said = new LinkedHashSet<>();
        for (OpOutcome step : s.outcomes()) {
            for (MountEvent ev : step.events()) {
                if (ev.kind() != MountEvent.Kind.MOUNT || ev.namespace() != s.sandbox() || ev.via() == null) {
                    continue;
                }
                // Where the copy is once set-up is done (after pivot_root for a tmpfs or dir root).
                String at = s.sandboxAfter().byId(ev.mountId()).map(m -> m.mountPoint()).orElse(null);
                if (at == null) {
                    continue;
                }
                for (int i = 0; i < out.size(); i++) {
                    Expectation ro = out.get(i);
                    if (!Planner.under(at, ro.target()) || ro.origin().equals(step.op().origin())) {
                        continue;
                    }
                    boolean onTop = at.equals(ro.target());
                    if (onTop) {
                        Mount top = s.model().mountAt(s.sandbox(), at);
                        if (top == null || top.id() != ev.mountId()) {
                            continue;
                        }
                        if (!ro.readOnly()) {
                            if (ro.fstype() != null && !ro.fstype().equals(top.fsType())) {
                                out.set(i, covered(ro, top));
                                if (said.add(step.label() + " " + at)) {
                                    warnings.add(Diagnostic.warning(step.op().origin(), step.label()
                                            + " propagates a copy of " + ev.fsType() + " to " + at
                                            + " through peer group " + ev.via() + ", on top of " + ro.label() + " ("
                                            + ro.origin().location() + "), which it covers: a process there reaches "
                                            + "the copy; make the tree's propagation (or " + ro.label()
                                            + "'s) private or slave to keep it out"));
                                }
                            }
                            continue;
                        }
                        out.set(i, new Expectation(ro.label(), ro.target(), ro.fstype() == null ? null : top.fsType(),
                                false, false, ro.propagation(), ro.origin()));
                    } else if (!ro.readOnly() || !ro.submountsReadOnly()) {
                        continue;
                    }
                    if (said.add(step.label() + " " + at)) {
                        if (!onTop) {
                            out.add(new Expectation(step.label(), at, null, false, false, null, step.op().origin()));
                        }
                        warnings.add(Diagnostic.warning(step.op().origin(), step.label() + " propagates a copy of "
                                + ev.fsType() + " to " + at + " through peer group " + ev.via() + (onTop ? ", on top of " : ", inside ")
                                + ro.label() + " (" + ro.origin().location() + "), which is read-only"
                                + (ro.submountsReadOnly() ? " with every submount" : "") + ": the "
                                + "copy has the flags of the mount it copies, so it is writable there if that mount "
                                + "is; make the tree's propagation (or " + ro.label() + "'s) private or slave to keep "
                                + "it out"));
                    }
                }
            }
        }
        return out;
    }

    /**
     * The expectation of a mount of the spec that a copy propagated by a later mount covers: the
     * copy is stacked on the target's root (a peer of the target receives the later mount on the
     * place the target itself is mounted, sharedsubtree.rst 2a), so the table shows the copy's
     * filesystem there, not the target's (a proc target covered by a tmpfs copy reads as tmpfs).
     */
    private static Expectation covered(Expectation e, Mount top) {
        return new Expectation(e.label(), e.target(), top.fsType(), e.readOnly(), e.submountsReadOnly(),
                e.propagation(), e.origin());
    }

    /**
     * The expectations with the propagation the kernel will leave at each target, as simulated.
     * The spec's word is a request, not a result: make-slave turns only a shared mount into a
     * slave, and leaves a private or unbindable one as it was (fs/pnode.c do_make_slave and
     * change_mnt_propagation; sharedsubtree.rst 2c), so "rslave" on a tree copied from a
     * private host gives private mounts; and a later operation (a remount of the same target, a
     * recursive change of a parent) may change a mount's propagation after its own was set.
     */
    private static List<Expectation> propagationAsSimulated(List<Expectation> expectations, Simulation s) {
        List<Expectation> out = new ArrayList<>(expectations.size());
        for (Expectation e : expectations) {
            Mount m = e.propagation() == null ? null : s.model().mountAt(s.sandbox(), e.target());
            if (m == null) {
                out.add(e);
                continue;
            }
            Propagation.Kind kind = m.group() != 0 ? Propagation.Kind.SHARED
                    : m.master() != 0 ? Propagation.Kind.SLAVE
                    : m.unbindable() ? Propagation.Kind.UNBINDABLE : Propagation.Kind.PRIVATE;
            out.add(new Expectation(e.label(), e.target(), e.fstype(), e.readOnly(), e.submountsReadOnly(), kind,
                    e.origin()));
        }
        return out;
    }

    /**
     * The same, with the rules of the kernel this JVM runs on (the {@code os.version} system
     * property, which is {@code uname -r}).
     */
    public static Plan predict(Plan plan, MountTable host) {
        return predict(plan, host, Kernel.ofRelease(System.getProperty("os.version", "")));
    }

    /** The same, with the host's files asked as {@link #predict(Plan, MountTable, Kernel, HostView)} does. */
    public static Plan predict(Plan plan, MountTable host, HostView files) {
        return predict(plan, host, Kernel.ofRelease(System.getProperty("os.version", "")), files);
    }
}
