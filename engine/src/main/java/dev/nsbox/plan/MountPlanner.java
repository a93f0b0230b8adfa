package dev.nsbox.plan;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns each {@link MountSpec} into its operations, one method per mount type: the mount
 * itself, the mount points it needs ({@link MountPoints}), its propagation, what the mount
 * table must then show ({@link Expectation}), and the layer it adds to the {@link SandboxView}.
 * The sources of binds and dev mounts are opened first, in {@link #openSources}, so that they
 * name the host's view as it was before the sandbox.
 *
 * <p>Mutable, private to one planning: it keeps the trees it opened until their mounts use them.
 */
final class MountPlanner {

    /** The device nodes of a {@code dev} mount, bound from the host's /dev (mknod is refused in a user namespace). */
    static final List<String> DEV_NODES = List.of("null", "zero", "full", "random", "urandom", "tty");

    /** The links of a {@code dev} mount: name, then what it points to. */
    static final List<String[]> DEV_LINKS = List.of(
            new String[] {"fd", "/proc/self/fd"},
            new String[] {"stdin", "/proc/self/fd/0"},
            new String[] {"stdout", "/proc/self/fd/1"},
            new String[] {"stderr", "/proc/self/fd/2"},
            new String[] {"ptmx", "pts/ptmx"});

    private final PlanDraft draft;
    private final RootMount root;
    private final MountPoints points;
    private final Map<Integer, Integer> bindTree = new HashMap<>();
    private final Map<Integer, Map<String, Integer>> devTrees = new HashMap<>();
    private final MountDefaults defaults;
    private Map<String, Integer> defaultDevTrees;

    MountPlanner(PlanDraft draft, RootMount root, MountDefaults defaults) {
        this.draft = draft;
        this.root = root;
        this.points = new MountPoints(draft, root);
        this.defaults = defaults;
    }

    /**
     * Opens the source of every bind and the host's device nodes of every dev mount, as
     * detached trees, before any mount is made. A missing bind source is skipped when the
     * mount is optional, else reported.
     */
    void openSources() {
        for (MountSpec m : draft.spec.mounts()) {
            Origin o = m.origins().self();
            switch (m.type()) {
                case BIND -> {
                    // A source is resolved once, here, in the host's view: the plan opens what
                    // the note names. A symlink left after resolving leads nowhere: missing.
                    String source = source(m);
                    if (!source.equals(m.source())) {
                        draft.note(m.label() + ".source " + m.source() + " resolves to " + source);
                    }
                    HostView.Kind k = draft.host.kind(source);
                    if (k == HostView.Kind.MISSING || k == HostView.Kind.SYMLINK) {
                        if (m.optional()) {
                            draft.note(m.label() + ": skipped, its optional source " + m.source() + " does not exist");
                            continue;
                        }
                        draft.error(m.origins().of("source"), m.label()
                                + ": cannot bind " + m.source() + " on " + m.target() + ": open_tree(AT_FDCWD, "
                                + Op.q(m.source()) + ", ...): ENOENT (No such file or directory)");
                        continue;
                    }
                    // What was resolved is opened at run time without following a symlink: one
                    // swapped in on its way since is ELOOP, not a bind of where it points.
                    Op.OpenTree.Lookup lookup = draft.host.resolve(m.source()).isPresent()
                            ? Op.OpenTree.Lookup.NO_SYMLINKS : Op.OpenTree.Lookup.FOLLOW;
                    bindTree.put(m.index(), draft.openTree(source, lookup, m.isRecursive(), m.optional(),
                            m.origins().of("source")));
                }
                case DEV -> devTrees.put(m.index(), openDevNodes(o));
                default -> {
                }
            }
        }
        // After the spec's own, so that the spec's trees keep their numbers with or without it.
        if (defaults.minimalDev()) {
            defaultDevTrees = openDevNodes(defaults.devOrigin());
        }
    }

    private Map<String, Integer> openDevNodes(Origin o) {
        Map<String, Integer> trees = new LinkedHashMap<>();
        for (String node : DEV_NODES) {
            // The host's own nodes, in a /dev only root writes: looked up as any program would.
            trees.put(node, draft.openTree("/dev/" + node, Op.OpenTree.Lookup.FOLLOW, false, false, o));
        }
        return trees;
    }

    /**
     * The minimal /dev of a host root, before the spec's mounts, so that a mount of the spec
     * under /dev (a /dev/shm, a bind of /dev/kvm) lands in it, its mount point made in its tmpfs.
     */
    void planDefaultDev() {
        if (defaultDevTrees == null) {
            return;
        }
        defaults.noteDev();
        if (draft.view.kind("/dev") != HostView.Kind.DIRECTORY) {
            draft.error(defaults.devOrigin(), "root: the minimal /dev needs a directory /dev on the host, and "
                    + "there is none; mount one of your own on /dev");
            return;
        }
        dev("/dev", Flags.MS_NOSUID | Flags.MS_NOEXEC, false, defaultDevTrees, defaults.devOrigin());
        draft.expect(new Expectation("default /dev", "/dev", "tmpfs", false, false, null, defaults.devOrigin()));
    }

    /** The operations of one mount, after those of the mounts before it. */
    void plan(MountSpec m) {
        switch (m.type()) {
            case BIND -> {
                Integer t = bindTree.get(m.index());
                if (t != null) {
                    planBind(m, t);
                }
            }
            case TMPFS -> planTmpfs(m);
            case PROC -> planProc(m);
            case SYSFS -> {
                if (planFresh(m, "sysfs", Flags.MS_RDONLY | Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC,
                        null)) {
                    defaults.guardSysfs(m);
                }
            }
            case DEVPTS -> planFresh(m, "devpts", Flags.MS_NOSUID | Flags.MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620");
            case MQUEUE -> planFresh(m, "mqueue", Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, null);
            case DEV -> planDev(m, devTrees.get(m.index()));
            case OVERLAY -> planOverlay(m);
            case HIDE -> planHide(m);
            case REMOUNT -> planRemount(m);
        }
    }

    /** A bind's source as realpath(3) resolves it on the host, or as written when it does not resolve. */
    private String source(MountSpec m) {
        return draft.host.resolve(m.source()).orElse(m.source());
    }

    private void planBind(MountSpec m, int tree) {
        HostView host = draft.host;
        HostView.Kind kind = host.kind(source(m));
        boolean file = kind == HostView.Kind.FILE || kind == HostView.Kind.OTHER;
        if (!points.prepare(m, file)) {
            return;
        }
        Origin o = m.origins().self();
        long set = attrs(m);
        if (set != 0) {
            // MS_BIND ignores MS_RDONLY in the same mount(2) call, and a later
            // MS_REMOUNT|MS_BIND|MS_RDONLY leaves submounts writable: set the attribute on the
            // whole detached tree before it is attached, so that no copy is ever writable.
            draft.add(new Op.SetAttr(tree, "", m.isRecursive(), set, 0, 0, o));
        }
        draft.add(new Op.MoveMount(tree, root.actual(m.target()), o));
        propagation(m);
        draft.view.push(m.target(), SandboxView.Backing.host(source(m)));
        expect(m, null, m.isReadOnly(), m.isReadOnly() && m.isRecursive());
    }

    private void planTmpfs(MountSpec m) {
        if (!points.prepare(m, false)) {
            return;
        }
        List<String> data = new ArrayList<>();
        if (m.size() != null) {
            data.add("size=" + m.size());
        }
        if (m.mode() != null) {
            data.add("mode=" + String.format("%04o", m.mode()));
        }
        if (m.uid() != null) {
            data.add("uid=" + m.uid());
        }
        if (m.gid() != null) {
            data.add("gid=" + m.gid());
        }
        long flags = flags(m, Flags.MS_NOSUID | Flags.MS_NODEV);
        draft.add(new Op.Mount("tmpfs", root.actual(m.target()), "tmpfs", flags,
                data.isEmpty() ? null : String.join(",", data), m.origins().self()));
        propagation(m);
        draft.view.push(m.target(), SandboxView.Backing.scratch(m.isReadOnly()));
        expect(m, "tmpfs", m.isReadOnly(), false);
    }

    /**
     * A proc. In the sandbox's own PID namespace the namespace goes to the kernel as a
     * descriptor ({@link Op.MountProc}), not as a path through a /proc the spec may have
     * replaced; without one, a plain mount(2) of a proc that shows the host's processes. The
     * namespace can be given once it has its PID 1, which is why {@link Op.SpawnInit} comes
     * before every mount.
     */
    private void planProc(MountSpec m) {
        if (!points.prepare(m, false)) {
            return;
        }
        long flags = flags(m, Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC);
        boolean ownPidNamespace = draft.spec.has(Namespace.PID);
        if (ownPidNamespace) {
            draft.add(new Op.MountProc(root.actual(m.target()), flags, m.origins().self()));
        } else {
            draft.add(new Op.Mount("proc", root.actual(m.target()), "proc", flags, null, m.origins().self()));
        }
        propagation(m);
        draft.view.push(m.target(), SandboxView.Backing.proc(ownPidNamespace));
        expect(m, "proc", (flags & Flags.MS_RDONLY) != 0, false);
        // After the proc is mounted: each guard is a copy of part of this proc.
        defaults.guardProc(m);
    }

    /**
     * A fresh instance of a filesystem other than proc, its source named after its type as
     * mount(8) does: {@code defaults} are the type's flags before the spec's.
     */
    private boolean planFresh(MountSpec m, String fstype, long typeFlags, String data) {
        if (!points.prepare(m, false)) {
            return false;
        }
        long flags = flags(m, typeFlags);
        draft.add(new Op.Mount(fstype, root.actual(m.target()), fstype, flags, data, m.origins().self()));
        propagation(m);
        draft.view.push(m.target(), SandboxView.Backing.opaque(fstype));
        expect(m, fstype, (flags & Flags.MS_RDONLY) != 0, false);
        return true;
    }

    private void planDev(MountSpec m, Map<String, Integer> trees) {
        if (!points.prepare(m, false)) {
            return;
        }
        dev(m.target(), flags(m, Flags.MS_NOSUID | Flags.MS_NOEXEC), m.isReadOnly(), trees, m.origins().self());
        propagation(m);
        expect(m, "tmpfs", m.isReadOnly(), false);
    }

    /** A minimal /dev on {@code target}: a tmpfs with the host's nodes bound in, a devpts, shm and links. */
    private void dev(String target, long flags, boolean readOnly, Map<String, Integer> trees, Origin o) {
        String dev = root.actual(target);
        draft.add(new Op.Mount("tmpfs", dev, "tmpfs", flags, "mode=0755,size=65536", o));
        for (String node : DEV_NODES) {
            draft.add(new Op.CreateFile(dev + "/" + node, 0666, o));
            draft.add(new Op.MoveMount(trees.get(node), dev + "/" + node, o));
        }
        draft.add(new Op.Mkdir(dev + "/shm", 01777, o));
        draft.add(new Op.Mkdir(dev + "/pts", 0755, o));
        draft.add(new Op.Mount("devpts", dev + "/pts", "devpts", Flags.MS_NOSUID | Flags.MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620", o));
        for (String[] link : DEV_LINKS) {
            draft.add(new Op.Symlink(link[1], dev + "/" + link[0], o));
        }
        // A tmpfs whose every entry the plan made: later mounts may create mount points in
        // it (a /dev/mqueue, say), as in any tmpfs of the spec's own.
        SandboxView view = draft.view;
        view.push(target, SandboxView.Backing.scratch(readOnly));
        for (String node : DEV_NODES) {
            view.created(target + "/" + node, false);
        }
        view.created(target + "/shm", true);
        view.created(target + "/pts", true);
        for (String[] link : DEV_LINKS) {
            view.created(target + "/" + link[0], false);
        }
    }

    private void planOverlay(MountSpec m) {
        if (!points.prepare(m, false)) {
            return;
        }
        Origin o = m.origins().self();
        String target = root.actual(m.target());
        long flags = flags(m, Flags.MS_NOSUID | Flags.MS_NODEV);
        // Lower layers are bound into a scratch tmpfs on the target first: a lower directory
        // may be the target itself (an overlay over /usr with /usr below), and the overlay
        // must see the host's directory, not what the scratch tmpfs hides it with. The trees
        // are opened before any mount of the spec, like every bind source.
        List<Integer> lowerTrees = new ArrayList<>();
        for (String lower : m.lower()) {
            // A lower directory is a host path the plan does not resolve; it may pass through
            // symlinks, and is opened as written.
            lowerTrees.add(draft.openTreeEarly(lower, Op.OpenTree.Lookup.FOLLOW, true, m.origins().of("lower")));
        }
        String scratch = target + "/.nsbox-overlay";
        draft.add(new Op.Mount("tmpfs", target, "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0755", o));
        draft.add(new Op.Mkdir(scratch, 0700, o));
        List<String> lowerDirs = new ArrayList<>();
        for (int i = 0; i < lowerTrees.size(); i++) {
            String dir = scratch + "/lower" + i;
            draft.add(new Op.Mkdir(dir, 0755, o));
            draft.add(new Op.MoveMount(lowerTrees.get(i), dir, o));
            lowerDirs.add(dir);
        }
        String upper;
        String work;
        if (m.upper() != null) {
            upper = m.upper();
            work = Planner.parent(m.upper()) + "/." + Planner.name(m.upper()) + ".nsbox-work";
            draft.note(m.label() + ": overlayfs needs a work directory on the upper directory's filesystem: "
                    + work + " (created if missing)");
            draft.add(new Op.Mkdir(work, 0700, o));
        } else {
            upper = scratch + "/upper";
            work = scratch + "/work";
            draft.add(new Op.Mkdir(upper, 0755, o));
            draft.add(new Op.Mkdir(work, 0700, o));
        }
        String data = "lowerdir=" + String.join(":", lowerDirs) + ",upperdir=" + upper + ",workdir=" + work;
        draft.add(new Op.Mount("overlay", target, "overlay", flags, data, o));
        propagation(m);
        draft.view.push(m.target(), SandboxView.Backing.opaque("overlay"));
        expect(m, "overlay", m.isReadOnly(), false);
    }

    private void planHide(MountSpec m) {
        HostView.Kind k = draft.view.kind(m.target());
        if (k == HostView.Kind.MISSING) {
            draft.note(m.label() + ": " + m.target() + " does not exist, nothing to hide");
            return;
        }
        Origin o = m.origins().self();
        if (k == HostView.Kind.FILE || k == HostView.Kind.OTHER) {
            if (!points.prepare(m, true)) {
                return;
            }
            int nullTree = draft.openTreeEarly("/dev/null", Op.OpenTree.Lookup.FOLLOW, false, o);
            draft.add(new Op.SetAttr(nullTree, "", false, Flags.MOUNT_ATTR_RDONLY | Flags.MOUNT_ATTR_NOSUID
                    | Flags.MOUNT_ATTR_NODEV | Flags.MOUNT_ATTR_NOEXEC, 0, 0, o));
            draft.add(new Op.MoveMount(nullTree, root.actual(m.target()), o));
            // What is there now is the host's /dev/null, a file: a second hide of the same
            // target binds /dev/null again, where a tmpfs would be ENOTDIR (mount(2)).
            draft.view.push(m.target(), SandboxView.Backing.host("/dev/null"));
            expect(m, null, true, false);
        } else {
            if (!points.prepare(m, false)) {
                return;
            }
            draft.add(new Op.Mount("tmpfs", root.actual(m.target()), "tmpfs",
                    Flags.MS_RDONLY | Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, "size=0,mode=0000", o));
            draft.view.push(m.target(), SandboxView.Backing.scratch(true));
            expect(m, "tmpfs", true, false);
        }
        propagation(m);
    }

    private void planRemount(MountSpec m) {
        if (!points.prepare(m, false) && !draft.view.exists(m.target())) {
            return;
        }
        long set = 0;
        long clr = 0;
        long[][] table = {
            {Flags.MOUNT_ATTR_RDONLY}, {Flags.MOUNT_ATTR_NOSUID}, {Flags.MOUNT_ATTR_NODEV}, {Flags.MOUNT_ATTR_NOEXEC}};
        Boolean[] values = {m.readOnly(), m.nosuid(), m.nodev(), m.noexec()};
        for (int i = 0; i < values.length; i++) {
            if (Boolean.TRUE.equals(values[i])) {
                set |= table[i][0];
            } else if (Boolean.FALSE.equals(values[i])) {
                clr |= table[i][0];
            }
        }
        if (set != 0 || clr != 0) {
            // mount_setattr(2) changes per-mount flags only: never a superblock remount, which
            // would reach every mount of that filesystem, the host's included.
            draft.add(new Op.SetAttr(-1, root.actual(m.target()), m.isRecursive(), set, clr, 0, m.origins().self()));
            if (Boolean.TRUE.equals(m.readOnly())) {
                // A later mount point in that tmpfs would be mkdir(2) on a read-only mount:
                // EROFS (fuzz seed 4904). The planner refuses it with the spec line instead.
                draft.view.readOnly(m.target(), m.isRecursive());
            }
        }
        propagation(m);
        expect(m, null, Boolean.TRUE.equals(m.readOnly()), Boolean.TRUE.equals(m.readOnly()) && m.isRecursive());
    }

    private void propagation(MountSpec m) {
        if (m.propagation() != null && m.propagation() != Propagation.UNCHANGED) {
            draft.add(new Op.SetPropagation(root.actual(m.target()), PropagationFlags.mountFlags(m.propagation()),
                    m.origins().of("propagation")));
        }
    }

    private void expect(MountSpec m, String fstype, boolean readOnly, boolean submountsReadOnly) {
        Propagation.Kind kind = m.propagation() == null ? null : m.propagation().kind();
        draft.expect(new Expectation(m.label(), m.target(), fstype, readOnly, submountsReadOnly, kind,
                m.origins().self()));
    }

    /** mount_setattr(2) attributes of a bind: what the spec sets, nothing it leaves out. */
    private static long attrs(MountSpec m) {
        long set = 0;
        if (m.isReadOnly()) {
            set |= Flags.MOUNT_ATTR_RDONLY;
        }
        if (Boolean.TRUE.equals(m.nosuid())) {
            set |= Flags.MOUNT_ATTR_NOSUID;
        }
        // nodev unless the mount says nodev: false, as bubblewrap's --bind against its
        // --dev-bind: a device node in a bound directory is no way to a host device.
        if (!Boolean.FALSE.equals(m.nodev())) {
            set |= Flags.MOUNT_ATTR_NODEV;
        }
        if (Boolean.TRUE.equals(m.noexec())) {
            set |= Flags.MOUNT_ATTR_NOEXEC;
        }
        return set;
    }

    /** mount(2) flags for a fresh filesystem: the type's defaults, then what the spec says. */
    private static long flags(MountSpec m, long defaults) {
        long f = defaults;
        f = with(f, Flags.MS_RDONLY, m.readOnly());
        f = with(f, Flags.MS_NOSUID, m.nosuid());
        f = with(f, Flags.MS_NODEV, m.nodev());
        f = with(f, Flags.MS_NOEXEC, m.noexec());
        return f;
    }

    private static long with(long flags, long bit, Boolean value) {
        if (value == null) {
            return flags;
        }
        return value ? flags | bit : flags & ~bit;
    }
}
