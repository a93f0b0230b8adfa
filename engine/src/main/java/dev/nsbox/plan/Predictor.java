package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.PropagationModel;
import dev.nsbox.mounts.PropagationModel.Event;
import dev.nsbox.mounts.PropagationModel.Kernel;
import dev.nsbox.mounts.PropagationModel.Mount;
import dev.nsbox.mounts.PropagationModel.Namespace;
import dev.nsbox.mounts.PropagationModel.Refused;
import dev.nsbox.mounts.PropagationModel.Type;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Predicts a plan's host effects: simulates its operations, in order, with
 * {@link PropagationModel} against the host's live mount table, in a sandbox namespace that
 * the plan's {@link Op.Unshare} copies from the host (shared mounts become slaves when the
 * unshare also creates a user namespace), and lists every mount and unmount that reaches a
 * namespace other than the sandbox's. Operations the kernel will refuse (binding an unbindable
 * mount, pivot_root(2) with a shared mount involved, a detached tree holding an unbindable
 * mount moved onto a shared mount) become error diagnostics at the spec value they come from.
 * A plan with no {@code CLONE_NEWNS} makes every mount in the host's own namespace: each is a
 * host effect.
 *
 * <p>Pure: no I/O. Paths are those the operations pass to the kernel, in the sandbox's
 * namespace at the time of the call; chdir(2), pivot_root(2) and umount2(2) are simulated so
 * that later paths resolve as they will.
 */
public final class Predictor {

    private Predictor() {
    }

    /** The plan with its host effects and refused operations, simulated with this kernel's rules. */
    public static Plan predict(Plan plan, MountTable host, Kernel kernel) {
        Simulation s = simulate(plan, host, kernel);
        return plan.withHostEffects(s.effects(), s.diagnostics());
    }

    /**
     * The same, with the rules of the kernel this JVM runs on (the {@code os.version} system
     * property, which is {@code uname -r}).
     */
    public static Plan predict(Plan plan, MountTable host) {
        return predict(plan, host, Kernel.ofRelease(System.getProperty("os.version", "")));
    }

    /**
     * What one operation of the plan did in the simulation.
     *
     * @param op          the operation
     * @param label       the spec's name for what asked for it ({@code mounts[3]}, {@code root})
     * @param destBefore  for an operation that mounts: the propagation of the mount it lands on,
     *                    before it ({@code shared:1}, {@code private}); {@code null} otherwise
     * @param mountId     the model's ID of the mount it made, or 0
     * @param events      every mount and unmount it caused, its own first
     * @param refused     why the kernel will refuse it, or {@code null}
     */
    public record StepResult(Op op, String label, String destBefore, String destPath, int mountId,
                             List<Event> events, String refused) {
    }

    /**
     * A finished simulation.
     *
     * @param steps   one per operation of the plan, in order
     * @param leaks   peer groups that, once set-up is done, still join a sandbox mount to a mount
     *                of another namespace in a direction that propagates out of the sandbox
     *                ({@code shared:1 joins /proc in the sandbox to /proc in the host})
     */
    public record Simulation(PropagationModel model, Namespace host, Namespace sandbox, boolean ownNamespace,
                             List<StepResult> steps, List<HostEffect> effects, List<Diagnostic> diagnostics,
                             List<String> leaks, MountTable hostAfter, MountTable sandboxAfter) {

        /** Whether nothing the sandbox mounts, now or later, can reach another namespace. */
        public boolean sealed() {
            return ownNamespace && effects.isEmpty() && leaks.isEmpty();
        }
    }

    /** Runs the simulation and keeps everything {@code explain} needs. */
    public static Simulation simulate(Plan plan, MountTable host, Kernel kernel) {
        PropagationModel model = new PropagationModel(kernel);
        Namespace hostNs = model.load("host", host);
        Namespace sandbox = hostNs;
        boolean own = false;
        Map<Integer, Namespace> trees = new HashMap<>();
        Map<Integer, String> treeSources = new HashMap<>();
        List<StepResult> steps = new ArrayList<>();
        List<HostEffect> effects = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        for (Op op : plan.ops()) {
            String label = label(op.origin());
            model.cause(label);
            int eventsBefore = model.events().size();
            String destBefore = null;
            String destPath = null;
            String what = null;
            int mountId = 0;
            String refused = null;
            try {
                if (op instanceof Op.Unshare u) {
                    if ((u.flags() & Flags.CLONE_NEWNS) != 0) {
                        sandbox = model.unshare(hostNs, "sandbox", (u.flags() & Flags.CLONE_NEWUSER) != 0);
                        own = true;
                    }
                } else if (op instanceof Op.SetPropagation p) {
                    model.setPropagation(sandbox, p.path(), type(p.flags()), (p.flags() & Flags.MS_REC) != 0);
                } else if (op instanceof Op.OpenTree t) {
                    treeSources.put(t.tree(), t.source());
                    trees.put(t.tree(), model.openTree(sandbox, t.source(), t.recursive(), "tree" + t.tree()));
                } else if (op instanceof Op.SetAttr a) {
                    if (a.propagation() != 0) {
                        Type type = type(a.propagation());
                        if (a.tree() >= 0) {
                            Namespace tree = trees.get(a.tree());
                            if (tree != null && model.treeRoot(tree) != null) {
                                model.setPropagation(model.treeRoot(tree), type, a.recursive());
                            }
                        } else {
                            model.setPropagation(sandbox, a.path(), type, a.recursive());
                        }
                    }
                } else if (op instanceof Op.MoveMount mm) {
                    Namespace tree = trees.get(mm.tree());
                    what = "bind of " + treeSources.get(mm.tree()) + " on " + mm.target();
                    if (tree == null) {
                        throw new IllegalArgumentException("move_mount of tree" + mm.tree()
                                + ", which no earlier open_tree of the plan made");
                    }
                    Mount dest = model.covering(sandbox, mm.target());
                    destBefore = dest.propagation();
                    destPath = mm.target();
                    mountId = model.treeRoot(tree) == null ? 0 : model.treeRoot(tree).id();
                    model.moveMount(tree, sandbox, mm.target());
                } else if (op instanceof Op.Mount m) {
                    long f = m.flags();
                    long prop = f & (Flags.MS_SHARED | Flags.MS_PRIVATE | Flags.MS_SLAVE | Flags.MS_UNBINDABLE);
                    if ((f & Flags.MS_REMOUNT) != 0) {
                        // per-mount flags only (always with MS_BIND, SPEC.md): nothing propagates
                    } else if (prop != 0 && (f & Flags.MS_BIND) == 0) {
                        model.setPropagation(sandbox, m.target(), type(prop), (f & Flags.MS_REC) != 0);
                    } else {
                        Mount dest = model.covering(sandbox, m.target());
                        destBefore = dest.propagation();
                        destPath = m.target();
                        if ((f & Flags.MS_BIND) != 0) {
                            what = "bind of " + m.source() + " on " + m.target();
                            mountId = model.bind(sandbox, m.source(), m.target(), (f & Flags.MS_REC) != 0).id();
                        } else {
                            what = m.fstype() + " on " + m.target();
                            mountId = model.mountFresh(sandbox, m.fstype(), m.source(), m.target()).id();
                        }
                    }
                } else if (op instanceof Op.Chdir c) {
                    model.chdir(sandbox, c.path());
                } else if (op instanceof Op.PivotRoot p) {
                    model.pivotRoot(sandbox, p.newRoot(), p.putOld());
                } else if (op instanceof Op.Umount u) {
                    what = "umount of " + u.target();
                    model.umount(sandbox, u.target(), (u.flags() & Flags.MNT_DETACH) != 0);
                }
                // SpawnInit, Mkdir, CreateFile, Symlink, SetHostname, LoopbackUp change no mount.
            } catch (Refused e) {
                refused = e.errno() + ": " + e.getMessage();
                diagnostics.add(Diagnostic.error(op.origin(), label + ": the kernel will refuse " + op.call()
                        + " with " + e.errno() + ": " + e.getMessage()));
            }
            List<Event> caused = List.copyOf(model.events().subList(eventsBefore, model.events().size()));
            for (Event e : caused) {
                if (e.kind().equals("pivot_root")) {
                    continue;
                }
                boolean elsewhere = e.namespace() != sandbox && !e.namespace().anonymous();
                boolean inHostItself = !own && e.namespace() == hostNs;
                if (elsewhere || inHostItself) {
                    String w = what != null ? what : e.fsType() + " on " + e.path();
                    effects.add(new HostEffect(op.origin(), label, e.kind(), w, e.via(), e.path(),
                            e.namespace().name(), e.via() == null ? "" : e.rule(), e.fsType()));
                }
            }
            steps.add(new StepResult(op, label, destBefore, destPath, mountId, caused, refused));
            if (refused != null) {
                // The executor stops at the first failing call: nothing after it will run.
                break;
            }
        }
        // Each table is a walk of a namespace: made once, for the leaks and the result.
        MountTable hostAfter = model.table(hostNs);
        MountTable sandboxAfter = model.table(sandbox);
        return new Simulation(model, hostNs, sandbox, own, steps, effects, diagnostics,
                own ? leaks(hostAfter, sandboxAfter) : List.of(), hostAfter, sandboxAfter);
    }

    /**
     * The peer groups through which a later mount in the sandbox would still propagate out: a
     * group with members in both the sandbox and the host, or a sandbox group the host has
     * slaves of. A sandbox mount that is only a slave of a host group receives, never sends.
     */
    private static List<String> leaks(MountTable h, MountTable s) {
        // The first host mount, in table order, that is a member or a slave of each group: the
        // one a scan of the host's table for each sandbox mount would stop at.
        Map<Integer, MountInfo> firstInHost = new HashMap<>();
        for (MountInfo hm : h.mounts()) {
            if (hm.sharedGroup() != 0) {
                firstInHost.putIfAbsent(hm.sharedGroup(), hm);
            }
            if (hm.masterGroup() != 0) {
                firstInHost.putIfAbsent(hm.masterGroup(), hm);
            }
        }
        Set<String> out = new LinkedHashSet<>();
        for (MountInfo sm : s.mounts()) {
            int g = sm.sharedGroup();
            MountInfo hm = g == 0 ? null : firstInHost.get(g);
            if (hm == null) {
                continue;
            }
            if (hm.sharedGroup() == g) {
                out.add("shared:" + g + " joins " + sm.mountPoint() + " in the sandbox to " + hm.mountPoint()
                        + " in the host");
            } else {
                out.add("shared:" + g + " makes " + hm.mountPoint() + " in the host a slave of "
                        + sm.mountPoint() + " in the sandbox");
            }
        }
        return List.copyOf(out);
    }

    /** The propagation type a {@code MS_*} propagation flag asks for. */
    static Type type(long flags) {
        if ((flags & Flags.MS_SHARED) != 0) {
            return Type.SHARED;
        }
        if ((flags & Flags.MS_SLAVE) != 0) {
            return Type.SLAVE;
        }
        if ((flags & Flags.MS_UNBINDABLE) != 0) {
            return Type.UNBINDABLE;
        }
        if ((flags & Flags.MS_PRIVATE) != 0) {
            return Type.PRIVATE;
        }
        throw new IllegalArgumentException("no propagation flag in " + Flags.names(flags, Flags.MOUNT_FLAGS));
    }

    /** {@code mounts[3]} from an origin path like {@code mounts[3].target}; {@code setup} for none. */
    static String label(Origin origin) {
        String p = origin.path();
        if (p.isEmpty()) {
            return "setup";
        }
        int dot = p.indexOf('.');
        return dot < 0 ? p : p.substring(0, dot);
    }
}
