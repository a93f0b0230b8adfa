package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.Mount;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountNamespace;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.PropagationModel;
import dev.nsbox.mounts.PropagationType;
import dev.nsbox.mounts.Refused;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a plan's operations, in order, on a {@link PropagationModel} loaded with the host's
 * mount table, the way the kernel will run them: {@code unshare(CLONE_NEWNS)} copies the host
 * into a sandbox namespace, each mount, bind, propagation change, {@code open_tree},
 * {@code move_mount}, {@code chdir}, {@code pivot_root} and {@code umount2} is applied there, and
 * what each one caused is kept as an {@link OpOutcome}. The first operation the kernel will
 * refuse becomes an error diagnostic at its spec value, and ends the simulation, as the
 * executor stops at the first failing call. Mount targets are checked to exist where the
 * kernel will look them up ({@link TargetExistence}).
 *
 * <p>Pure: no I/O. Paths are those the operations pass to the kernel, in the sandbox's
 * namespace at the time of the call.
 */
public final class Simulator {

    private Simulator() {
    }

    /** Runs the simulation of {@code plan} on {@code host} with {@code kernel}'s rules. */
    public static Simulation simulate(Plan plan, MountTable host, Kernel kernel) {
        return simulate(plan, host, kernel, null);
    }

    /** The same, asking {@code files} (may be {@code null}) whether host directories exist. */
    public static Simulation simulate(Plan plan, MountTable host, Kernel kernel, HostView files) {
        PropagationModel model = new PropagationModel(kernel);
        TargetExistence targets = new TargetExistence(host, kernel, files);
        MountNamespace hostNs = model.load("host", host);
        MountNamespace sandbox = hostNs;
        boolean own = false;
        Map<Integer, MountNamespace> trees = new HashMap<>();
        Map<Integer, String> treeSources = new HashMap<>();
        List<OpOutcome> outcomes = new ArrayList<>();
        List<HostEffect> effects = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<Integer, MountEvent> copies = new HashMap<>();
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
                    if (a.tree() < 0 && model.mountAt(sandbox, a.path()) == null) {
                        // mount_setattr(2) works on a mount, not on a directory inside one: a path
                        // that is not the root of a mount is EINVAL, whatever the attributes
                        // (mount_setattr(2), ERRORS; measured on 6.18).
                        throw new Refused("EINVAL", a.path() + " is not a mount point; mount_setattr(2) "
                                + "changes the attributes of a mount and refuses any other path");
                    }
                    if (a.propagation() != 0) {
                        PropagationType type = type(a.propagation());
                        if (a.tree() >= 0) {
                            MountNamespace tree = trees.get(a.tree());
                            if (tree != null && model.treeRoot(tree) != null) {
                                model.setPropagation(model.treeRoot(tree), type, a.recursive());
                            }
                        } else {
                            model.setPropagation(sandbox, a.path(), type, a.recursive());
                        }
                    }
                } else if (op instanceof Op.MoveMount mm) {
                    MountNamespace tree = trees.get(mm.tree());
                    what = "bind of " + treeSources.get(mm.tree()) + " on " + mm.target();
                    if (tree == null) {
                        throw new IllegalArgumentException("move_mount of tree" + mm.tree()
                                + ", which no earlier open_tree of the plan made");
                    }
                    targets.check(model, sandbox, mm.target());
                    Mount dest = model.covering(sandbox, mm.target());
                    destBefore = dest.propagation();
                    destPath = mm.target();
                    mountId = model.treeRoot(tree) == null ? 0 : model.treeRoot(tree).id();
                    model.moveMount(tree, sandbox, mm.target());
                } else if (op instanceof Op.Mount m) {
                    long f = m.flags();
                    long prop = f & (Flags.MS_SHARED | Flags.MS_PRIVATE | Flags.MS_SLAVE | Flags.MS_UNBINDABLE);
                    if ((f & Flags.MS_REMOUNT) != 0) {
                        // per-mount flags only (the planner always remounts with MS_BIND): nothing propagates
                    } else if (prop != 0 && (f & Flags.MS_BIND) == 0) {
                        model.setPropagation(sandbox, m.target(), type(prop), (f & Flags.MS_REC) != 0);
                    } else {
                        targets.check(model, sandbox, m.target());
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
                } else if (op instanceof Op.MountProc p) {
                    targets.check(model, sandbox, p.target());
                    Mount dest = model.covering(sandbox, p.target());
                    destBefore = dest.propagation();
                    destPath = p.target();
                    what = "proc on " + p.target();
                    mountId = model.mountFresh(sandbox, "proc", "proc", p.target()).id();
                } else if (op instanceof Op.Mkdir || op instanceof Op.CreateFile) {
                    String path = op instanceof Op.Mkdir d ? d.path() : ((Op.CreateFile) op).path();
                    TargetExistence.notCoveredByACopy(model, sandbox, path, outcomes, copies);
                    Mount in = model.covering(sandbox, path);
                    targets.created(in.filesystem(), model.dentry(sandbox, path));
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
            List<MountEvent> caused = List.copyOf(model.events().subList(eventsBefore, model.events().size()));
            for (MountEvent e : caused) {
                if (e.kind() == MountEvent.Kind.MOUNT && e.namespace() == sandbox && e.via() != null) {
                    copies.put(e.mountId(), e);
                }
            }
            for (MountEvent e : caused) {
                if (e.kind() == MountEvent.Kind.PIVOT_ROOT) {
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
            outcomes.add(new OpOutcome(op, label, destBefore, destPath, mountId, caused, refused));
            if (refused != null) {
                // The executor stops at the first failing call: nothing after it will run.
                break;
            }
        }
        // Each table is a walk of a namespace: made once, for the leaks and the result.
        MountTable hostAfter = model.table(hostNs);
        MountTable sandboxAfter = model.table(sandbox);
        return new Simulation(model, hostNs, sandbox, own, outcomes, effects, diagnostics,
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
    static PropagationType type(long flags) {
        if ((flags & Flags.MS_SHARED) != 0) {
            return PropagationType.SHARED;
        }
        if ((flags & Flags.MS_SLAVE) != 0) {
            return PropagationType.SLAVE;
        }
        if ((flags & Flags.MS_UNBINDABLE) != 0) {
            return PropagationType.UNBINDABLE;
        }
        if ((flags & Flags.MS_PRIVATE) != 0) {
            return PropagationType.PRIVATE;
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
