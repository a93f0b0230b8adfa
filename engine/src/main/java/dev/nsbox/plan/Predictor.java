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
import dev.nsbox.spec.Propagation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
        return predict(plan, host, kernel, null);
    }

    /**
     * The same, asking {@code files} (the host's files as the planner saw them; {@code null}:
     * not asked) whether each mount target the simulation reaches exists where the kernel will
     * look it up (see {@link #targetExists}).
     */
    public static Plan predict(Plan plan, MountTable host, Kernel kernel, HostView files) {
        Simulation s = simulate(plan, host, kernel, files);
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
        for (StepResult step : s.steps()) {
            for (MountEvent ev : step.events()) {
                if (!ev.kind().equals("mount") || ev.namespace() != s.sandbox() || ev.via() == null) {
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
                             List<MountEvent> events, String refused) {
    }

    /**
     * A finished simulation.
     *
     * @param steps   one per operation of the plan, in order
     * @param leaks   peer groups that, once set-up is done, still join a sandbox mount to a mount
     *                of another namespace in a direction that propagates out of the sandbox
     *                ({@code shared:1 joins /proc in the sandbox to /proc in the host})
     */
    public record Simulation(PropagationModel model, MountNamespace host, MountNamespace sandbox, boolean ownNamespace,
                             List<StepResult> steps, List<HostEffect> effects, List<Diagnostic> diagnostics,
                             List<String> leaks, MountTable hostAfter, MountTable sandboxAfter) {

        /** Whether nothing the sandbox mounts, now or later, can reach another namespace. */
        public boolean sealed() {
            return ownNamespace && effects.isEmpty() && leaks.isEmpty();
        }
    }

    /** Runs the simulation and keeps everything {@code explain} needs. */
    public static Simulation simulate(Plan plan, MountTable host, Kernel kernel) {
        return simulate(plan, host, kernel, null);
    }

    /** The same, asking {@code files} (may be {@code null}) whether host directories exist. */
    public static Simulation simulate(Plan plan, MountTable host, Kernel kernel, HostView files) {
        PropagationModel model = new PropagationModel(kernel);
        // The host as it was when the plan was made, to find where it showed a directory.
        PropagationModel before = new PropagationModel(kernel);
        Lookup lookup = new Lookup(before, before.load("host", host), host, files, new HashSet<>());
        MountNamespace hostNs = model.load("host", host);
        MountNamespace sandbox = hostNs;
        boolean own = false;
        Map<Integer, MountNamespace> trees = new HashMap<>();
        Map<Integer, String> treeSources = new HashMap<>();
        List<StepResult> steps = new ArrayList<>();
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
                    targetExists(model, sandbox, mm.target(), lookup);
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
                        targetExists(model, sandbox, m.target(), lookup);
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
                    targetExists(model, sandbox, p.target(), lookup);
                    Mount dest = model.covering(sandbox, p.target());
                    destBefore = dest.propagation();
                    destPath = p.target();
                    what = "proc on " + p.target();
                    mountId = model.mountFresh(sandbox, "proc", "proc", p.target()).id();
                } else if (op instanceof Op.Mkdir || op instanceof Op.CreateFile) {
                    String path = op instanceof Op.Mkdir d ? d.path() : ((Op.CreateFile) op).path();
                    notCoveredByACopy(model, sandbox, path, steps, copies);
                    Mount in = model.covering(sandbox, path);
                    lookup.created().add(in.filesystem() + ":" + model.dentry(sandbox, path));
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
                if (e.kind().equals("mount") && e.namespace() == sandbox && e.via() != null) {
                    copies.put(e.mountId(), e);
                }
            }
            for (MountEvent e : caused) {
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
     * The planner creates mount points only inside a tmpfs the spec mounted, at the path it
     * mounted it. A copy a later mount propagated inside the sandbox (sharedsubtree.rst 2a: a
     * tmpfs on a mount whose peer is an ancestor lands on that peer too) may cover that
     * place with the fresh tmpfs's empty root: the directory mkdir(2) needs is not there
     * (ENOENT). A copy stacked at the same place as the spec's tmpfs shows the same
     * directories (one superblock) and changes nothing.
     */
    private static void notCoveredByACopy(PropagationModel model, MountNamespace sandbox, String path,
                                          List<StepResult> steps, Map<Integer, MountEvent> copies) {
        String parent = path.lastIndexOf('/') <= 0 ? "/" : path.substring(0, path.lastIndexOf('/'));
        Mount holder = model.covering(sandbox, parent);
        MountEvent copy = holder == null ? null : copies.get(holder.id());
        if (copy == null) {
            return;
        }
        String own = null;
        for (StepResult st : steps) {
            if (st.op() instanceof Op.Mount m && m.fstype().equals("tmpfs") && st.mountId() != 0
                    && Planner.under(parent, m.target()) && (own == null || m.target().length() > own.length())) {
                own = m.target();
            }
        }
        String at = model.path(holder);
        if (own != null && !at.equals(own)) {
            throw new Refused("ENOENT", "a copy of " + copy.fsType() + " propagated through peer group "
                    + copy.via() + " onto " + at + " inside the sandbox (" + copy.rule() + ") covers " + own
                    + ", the tmpfs the plan creates " + path + " in; keep the tree's propagation rprivate");
        }
    }

    /**
     * What {@link #targetExists} needs: the host's table as the plan found it, loaded in a model
     * of its own; the host's files; and each directory or file the plan created, as
     * {@code filesystem:dentry}.
     */
    private record Lookup(PropagationModel before, MountNamespace host, MountTable table, HostView files,
                          Set<String> created) {
    }

    /**
     * A mount target must exist where the kernel looks it up (openat2(2), mount(2): ENOENT).
     * The planner checked it in its own view, which knows neither that a non-recursive bind
     * leaves out the mounts below its source nor that a copy propagated inside the sandbox
     * (sharedsubtree.rst 2a, fs/pnode.c propagate_mnt) may now cover a path with another
     * directory. The simulation knows which filesystem and which directory of it the path
     * reaches now. A directory of a tmpfs the plan made (or of a copy of it: one superblock)
     * exists only if it is that tmpfs's root or the plan created it. A directory of a host
     * filesystem exists if the host showed it, at the path where the host reached that same
     * directory before the plan ran; where the host hid it under another mount, only the kernel
     * knows, and the check says nothing.
     */
    private static void targetExists(PropagationModel model, MountNamespace sandbox, String target, Lookup lookup) {
        Mount m = model.covering(sandbox, target);
        String dentry = model.dentry(sandbox, target);
        String fs = m.filesystem();
        if (lookup.created().contains(fs + ":" + dentry)) {
            return;
        }
        if (fs.startsWith("new:")) {
            if (m.fsType().equals("tmpfs") && !dentry.equals("/")) {
                throw new Refused("ENOENT", target + " is " + dentry + " in the " + m.fsType() + " mounted at "
                        + model.path(m) + ", which the plan did not create there; a propagated copy of a fresh "
                        + "tmpfs covers the path (sharedsubtree.rst 2a); keep the tree's propagation rprivate");
            }
            // A fresh proc holds what every procfs holds (proc_root_init), as the host's /proc
            // shows, besides its PID namespace's process directories, which are not modelled.
            if (m.fsType().equals("proc") && !dentry.equals("/") && !SandboxView.pidDirectory(dentry)
                    && lookup.files() != null && lookup.files().kind("/proc" + dentry) == HostView.Kind.MISSING) {
                throw new Refused("ENOENT", target + " is " + dentry + " in the proc mounted at " + model.path(m)
                        + ", which no procfs holds; a propagated copy of the spec's proc covers the path "
                        + "(sharedsubtree.rst 2a); keep the tree's propagation rprivate");
            }
            return;
        }
        if (lookup.files() == null) {
            return;
        }
        String shown = shownAt(lookup, fs, dentry);
        if (shown != null && lookup.files().kind(shown) == HostView.Kind.MISSING) {
            throw new Refused("ENOENT", target + " reaches " + dentry + " of the filesystem " + fs + " mounted at "
                    + model.path(m) + ", which the host shows at " + shown + " and which does not exist there"
                    + (shown.equals(target) ? "" : "; a non-recursive bind or a propagated copy changed what "
                    + target + " leads to"));
        }
        if (shown == null) {
            // Hidden on the host under another mount (a non-recursive bind shows it again): ask
            // for that mount's own directory, below what is mounted on it.
            for (var mi : lookup.table().mounts()) {
                if (!mi.device().equals(fs) || !Planner.under(dentry, mi.root())) {
                    continue;
                }
                Mount top;
                try {
                    top = lookup.before().mountAt(lookup.host(), mi.mountPoint());
                } catch (Refused e) {
                    continue;
                }
                if (top == null || top.id() != mi.id()) {
                    continue;
                }
                String rest = dentry.equals(mi.root()) ? ""
                        : mi.root().equals("/") ? dentry : dentry.substring(mi.root().length());
                if (lookup.files().kindBeneath(mi.mountPoint(), rest).orElse(null) == HostView.Kind.MISSING) {
                    throw new Refused("ENOENT", target + " reaches " + dentry + " of the filesystem " + fs
                            + " mounted at " + model.path(m) + ", which the host hides under the mounts on "
                            + mi.mountPoint() + " and which does not exist there; a non-recursive bind leaves "
                            + "out the mounts below its source");
                }
                return;
            }
        }
    }

    /** Where the host, before the plan, showed directory {@code dentry} of filesystem {@code fs}; or {@code null}. */
    private static String shownAt(Lookup lookup, String fs, String dentry) {
        for (var mi : lookup.table().mounts()) {
            if (!mi.device().equals(fs) || !Planner.under(dentry, mi.root())) {
                continue;
            }
            String rest = dentry.equals(mi.root()) ? ""
                    : mi.root().equals("/") ? dentry : dentry.substring(mi.root().length());
            String path = mi.mountPoint().equals("/") ? (rest.isEmpty() ? "/" : rest) : mi.mountPoint() + rest;
            try {
                Mount there = lookup.before().covering(lookup.host(), path);
                if (there.filesystem().equals(fs) && lookup.before().dentry(lookup.host(), path).equals(dentry)) {
                    return path;
                }
            } catch (Refused e) {
                return null;
            }
        }
        return null;
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
