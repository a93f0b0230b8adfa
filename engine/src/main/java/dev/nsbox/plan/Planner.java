package dev.nsbox.plan;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a spec into a {@link Plan}: the ordered operations, what the finished mount table must
 * show, and the steps with their complete environments.
 *
 * <p>Pure: everything it knows about the machine comes from the {@link HostView} it is given;
 * it applies nothing. Problems that depend on the host (a mount target that does not exist, a
 * target whose path contains a symlink, a bind source that is missing) are reported as error
 * diagnostics of the plan, each with the spec line it comes from.
 *
 * <p>The order of operations, and why, is in docs/design.md ("The operations").
 */
public final class Planner {

    /**
     * procfs option that makes a proc mounted from outside the new PID namespace show that
     * namespace (Linux 6.x); readable once the namespace has its PID 1, which is why the
     * supervisor is spawned first.
     */
    public static final String PIDNS_OPTION = "pidns=/proc/thread-self/ns/pid_for_children";

    /** Directories tried, in order, for the staging tmpfs of a tmpfs or dir root (as bwrap uses /tmp). */
    static final List<String> STAGING_CANDIDATES = List.of("/tmp", "/run", "/mnt", "/var/tmp");

    /** The device nodes of a {@code dev} mount, bound from the host's /dev (mknod is refused in a user namespace). */
    public static final List<String> DEV_NODES = List.of("null", "zero", "full", "random", "urandom", "tty");

    /** The links of a {@code dev} mount: name, then what it points to. */
    static final List<String[]> DEV_LINKS = List.of(
            new String[] {"fd", "/proc/self/fd"},
            new String[] {"stdin", "/proc/self/fd/0"},
            new String[] {"stdout", "/proc/self/fd/1"},
            new String[] {"stderr", "/proc/self/fd/2"},
            new String[] {"ptmx", "pts/ptmx"});

    private Planner() {
    }

    /** Plans {@code spec} with its own steps. */
    public static Plan plan(Spec spec, HostView host) {
        return plan(spec, host, null);
    }

    /**
     * Plans {@code spec}; when {@code command} is not null it replaces the spec's steps with one
     * step running that argv ({@code nsbox run SPEC -- COMMAND ARGS...}).
     */
    public static Plan plan(Spec spec, HostView host, List<String> command) {
        return new Builder(spec, host).build(command);
    }

    /** Flags of the namespaces, {@code CLONE_NEW*}. */
    public static int cloneFlag(Namespace ns) {
        return switch (ns) {
            case MOUNT -> Flags.CLONE_NEWNS;
            case PID -> Flags.CLONE_NEWPID;
            case NET -> Flags.CLONE_NEWNET;
            case UTS -> Flags.CLONE_NEWUTS;
            case IPC -> Flags.CLONE_NEWIPC;
            case CGROUP -> Flags.CLONE_NEWCGROUP;
            case USER -> Flags.CLONE_NEWUSER;
            case TIME -> Flags.CLONE_NEWTIME;
        };
    }

    private static final class Builder {
        private final Spec spec;
        private final HostView host;
        private final List<String> notes = new ArrayList<>();
        private final List<Op> ops = new ArrayList<>();
        private final List<Expectation> expectations = new ArrayList<>();
        private final List<Diagnostic> diagnostics = new ArrayList<>();
        private final SandboxView view;
        private int nextTree;
        private String staging;

        Builder(Spec spec, HostView host) {
            this.spec = spec;
            this.host = host;
            this.view = new SandboxView(host);
        }

        Plan build(List<String> command) {
            boolean mountNs = spec.has(Namespace.MOUNT);
            boolean pidNs = spec.has(Namespace.PID);
            int flags = 0;
            for (Namespace ns : spec.namespaces()) {
                flags |= cloneFlag(ns);
            }
            String made = host.launcherUserNamespace();
            if ((!host.privileged() || made != null) && !spec.has(Namespace.USER)) {
                flags |= Flags.CLONE_NEWUSER;
                notes.add("adds a user namespace mapping the caller to uid " + spec.user().uid() + ", gid "
                        + spec.user().gid() + ": the caller lacks CAP_SYS_ADMIN");
            }
            if ((flags & Flags.CLONE_NEWUSER) != 0) {
                // unshare(CLONE_NEWUSER) is EINVAL in a multithreaded process: nsbox starts its
                // JVM inside a user namespace instead, and the executor unshares the rest.
                notes.add(made != null
                        ? "CLONE_NEWUSER: this JVM already runs in the user namespace (mapping " + made
                                + ") that nsbox created for it with unshare --user; the other namespaces are "
                                + "unshared per sandbox"
                        : "CLONE_NEWUSER: a JVM cannot unshare a user namespace; nsbox starts a JVM inside one "
                                + "(unshare --user, uid " + spec.user().uid() + ", gid " + spec.user().gid()
                                + "), once per nsbox run or once per build, and the other namespaces are unshared "
                                + "per sandbox");
            }
            Origin nsOrigin = spec.origins().of("namespaces");
            if (flags != 0) {
                ops.add(new Op.Unshare(flags, nsOrigin));
            }
            ops.add(new Op.SpawnInit(pidNs, nsOrigin));

            if (mountNs) {
                planMounts();
            }
            if (spec.hostname() != null) {
                ops.add(new Op.SetHostname(spec.hostname(), spec.origins().of("hostname")));
            }
            if (spec.has(Namespace.NET)) {
                ops.add(new Op.LoopbackUp(nsOrigin));
            }
            if (mountNs && spec.root().type() != RootType.HOST && staging != null) {
                Origin ro = spec.root().origins().self();
                if (spec.root().type() == RootType.TMPFS && spec.root().readOnly()) {
                    ops.add(new Op.SetAttr(-1, staging, false, Flags.MOUNT_ATTR_RDONLY, 0, 0, ro));
                }
                // pivot_root(".", ".") stacks the old root on top of the new one; detaching it
                // leaves the new root alone (the idiom runc uses). The tree is private by then,
                // so the umount cannot propagate to the host.
                ops.add(new Op.Chdir(staging, ro));
                ops.add(new Op.PivotRoot(".", ".", ro));
                ops.add(new Op.Umount(".", Flags.MNT_DETACH, ro));
                ops.add(new Op.Chdir("/", ro));
            }
            Plan.Launch launch = new Plan.Launch(pidNs, spec.process().noNewPrivileges(),
                    spec.process().dropCapabilities(), steps(command));
            if (mountNs) {
                checkWorkingDirectories(launch.steps());
            }
            return new Plan(spec, notes, ops, keptExpectations(), launch, null, diagnostics);
        }

        private void planMounts() {
            Propagation tree = spec.propagation();
            if (tree != Propagation.UNCHANGED) {
                Origin o = spec.origins().of("propagation");
                ops.add(new Op.SetPropagation("/", PropagationFlags.mountFlags(tree), o));
                if (spec.root().type() == RootType.HOST) {
                    expectations.add(new Expectation("propagation", "/", null, false, false, tree.kind(), o));
                }
            }

            // Every source is opened before any mount is made, so that sources name the host's
            // view as it was before the sandbox (SPEC.md, "Mount types").
            Map<Integer, Integer> bindTree = new LinkedHashMap<>();
            Map<Integer, Map<String, Integer>> devTrees = new LinkedHashMap<>();
            int rootTree = -1;
            switch (spec.root().type()) {
                case HOST -> view.push("/", SandboxView.Backing.host("/"));
                case TMPFS -> view.push("/", SandboxView.Backing.scratch(false));
                case DIR -> view.push("/", SandboxView.Backing.host(spec.root().path()));
            }
            if (spec.root().type() == RootType.DIR) {
                rootTree = openTree(spec.root().path(), true, false, spec.root().origins().of("path"));
            }
            for (MountSpec m : spec.mounts()) {
                Origin o = m.origins().self();
                switch (m.type()) {
                    case BIND -> {
                        HostView.Kind k = host.kind(m.source());
                        if (k == HostView.Kind.MISSING) {
                            if (m.optional()) {
                                notes.add(m.label() + ": skipped, its optional source " + m.source() + " does not exist");
                                continue;
                            }
                            diagnostics.add(Diagnostic.error(m.origins().of("source"), m.label()
                                    + ": cannot bind " + m.source() + " on " + m.target() + ": open_tree(AT_FDCWD, "
                                    + Op.q(m.source()) + ", ...): ENOENT (No such file or directory)"));
                            continue;
                        }
                        bindTree.put(m.index(), openTree(m.source(), m.isRecursive(), m.optional(), m.origins().of("source")));
                    }
                    case DEV -> {
                        Map<String, Integer> trees = new LinkedHashMap<>();
                        for (String node : DEV_NODES) {
                            trees.put(node, openTree("/dev/" + node, false, false, o));
                        }
                        devTrees.put(m.index(), trees);
                    }
                    default -> {
                    }
                }
            }

            switch (spec.root().type()) {
                case HOST -> {
                    if (spec.root().readOnly()) {
                        // Before the spec's mounts, so that writable binds made on top stay writable.
                        Origin o = spec.root().origins().of("readOnly");
                        ops.add(new Op.SetAttr(-1, "/", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, o));
                        expectations.add(new Expectation("root", "/", null, true, true, null, o));
                    }
                }
                case TMPFS -> {
                    staging = stagingDir();
                    if (staging == null) {
                        return;
                    }
                    Origin o = spec.root().origins().self();
                    ops.add(new Op.Mount("tmpfs", staging, "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0755", o));
                    expectations.add(new Expectation("root", "/", "tmpfs", spec.root().readOnly(), false, null, o));
                }
                case DIR -> {
                    staging = stagingDir();
                    if (staging == null) {
                        return;
                    }
                    Origin o = spec.root().origins().self();
                    if (spec.root().readOnly()) {
                        ops.add(new Op.SetAttr(rootTree, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, o));
                    }
                    ops.add(new Op.MoveMount(rootTree, staging, o));
                    expectations.add(new Expectation("root", "/", null, spec.root().readOnly(),
                            spec.root().readOnly(), null, o));
                }
            }

            for (MountSpec m : spec.mounts()) {
                switch (m.type()) {
                    case BIND -> {
                        Integer t = bindTree.get(m.index());
                        if (t != null) {
                            planBind(m, t);
                        }
                    }
                    case TMPFS -> planTmpfs(m);
                    case PROC -> planFresh(m, "proc", "proc",
                            Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC,
                            spec.has(Namespace.PID) ? PIDNS_OPTION : null);
                    case SYSFS -> planFresh(m, "sysfs", "sysfs",
                            Flags.MS_RDONLY | Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, null);
                    case DEVPTS -> planFresh(m, "devpts", "devpts", Flags.MS_NOSUID | Flags.MS_NOEXEC,
                            "newinstance,ptmxmode=0666,mode=0620");
                    case MQUEUE -> planFresh(m, "mqueue", "mqueue",
                            Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, null);
                    case DEV -> planDev(m, devTrees.get(m.index()));
                    case OVERLAY -> planOverlay(m);
                    case HIDE -> planHide(m);
                    case REMOUNT -> planRemount(m);
                }
            }
        }

        private String stagingDir() {
            for (String candidate : STAGING_CANDIDATES) {
                if (host.kind(candidate) == HostView.Kind.DIRECTORY) {
                    return candidate;
                }
            }
            diagnostics.add(Diagnostic.error(spec.root().origins().of("type"), "root: a " + spec.root().type().word()
                    + " root is built on a staging tmpfs, and none of " + String.join(", ", STAGING_CANDIDATES)
                    + " is a directory on this host"));
            return null;
        }

        private int openTree(String source, boolean recursive, boolean optional, Origin origin) {
            int tree = nextTree++;
            ops.add(new Op.OpenTree(tree, source, recursive, optional, origin));
            return tree;
        }

        /** The path passed to the kernel for sandbox path {@code target}, before pivot_root. */
        private String actual(String target) {
            if (spec.root().type() == RootType.HOST || staging == null) {
                return target;
            }
            return target.equals("/") ? staging : staging + target;
        }

        /**
         * Makes sure {@code target} can serve as a mount point: it exists (or is created inside a
         * tmpfs of the spec) and no component of its path is a symlink. Returns false, with a
         * diagnostic, when it cannot.
         */
        private boolean mountPoint(MountSpec m, boolean wantFile) {
            Origin o = m.origins().of("target");
            String symlink = view.firstSymlink(m.target());
            if (symlink != null) {
                String resolved = view.resolve(m.target());
                diagnostics.add(Diagnostic.error(o, m.label() + ".target " + m.target() + " contains a symlink ("
                        + symlink + "); a mount target must be the mount point itself"
                        + (resolved != null ? ": it resolves to " + resolved + ", write that instead" : "")));
                return false;
            }
            HostView.Kind k = view.kind(m.target());
            if (k != HostView.Kind.MISSING) {
                boolean isFile = k == HostView.Kind.FILE || k == HostView.Kind.OTHER;
                if (k != HostView.Kind.SYMLINK && view.known(m.target()) && isFile != wantFile) {
                    diagnostics.add(Diagnostic.error(o, m.label() + ".target " + m.target() + " is a "
                            + (isFile ? "file" : "directory") + ", but " + m.type().word() + " needs a "
                            + (wantFile ? "file" : "directory") + " there"));
                    return false;
                }
                return true;
            }
            SandboxView.Layer layer = view.layerOf(m.target());
            if (layer == null || !layer.backing().creatable()) {
                String why = layer != null && layer.backing().kind() == SandboxView.BackingKind.HOST
                        ? "nsbox never creates mount points on the host; create it, or mount a tmpfs on a parent first"
                        : "it lies in a " + (layer == null ? "filesystem" : layer.backing().describe())
                        + " where nsbox cannot create it" + (layer != null && spec.mounts().stream().anyMatch(t -> t.type() == MountType.TMPFS
                        && t.isReadOnly() && t.target().equals(layer.target()))
                        ? "; mount that tmpfs writable and make it read-only after this mount with {type: remount, "
                        + "target: " + layer.target() + ", readOnly: true} (bwrap's --remount-ro)"
                        : layer != null && spec.mounts().stream().anyMatch(t -> t.type() == MountType.REMOUNT
                        && Boolean.TRUE.equals(t.readOnly()) && t.index() < m.index() && under(layer.target(), t.target()))
                        ? "; an earlier remount made that tmpfs read-only: put the remount after this mount" : "");
                diagnostics.add(Diagnostic.error(o, m.label() + ".target " + m.target() + " does not exist: " + why));
                return false;
            }
            // Create the missing components, inside the tmpfs that covers them.
            List<String> missing = new ArrayList<>();
            for (String p = m.target(); !p.equals("/") && view.kind(p) == HostView.Kind.MISSING; p = parent(p)) {
                missing.add(0, p);
            }
            for (int i = 0; i < missing.size(); i++) {
                String p = missing.get(i);
                boolean last = i == missing.size() - 1;
                if (last && wantFile) {
                    ops.add(new Op.CreateFile(actual(p), 0644, o));
                    view.created(p, false);
                } else {
                    ops.add(new Op.Mkdir(actual(p), 0755, o));
                    view.created(p, true);
                }
            }
            return true;
        }

        private void planBind(MountSpec m, int tree) {
            boolean file = host.kind(m.source()) == HostView.Kind.FILE || host.kind(m.source()) == HostView.Kind.OTHER;
            if (!mountPoint(m, file)) {
                return;
            }
            Origin o = m.origins().self();
            long set = attrs(m);
            if (set != 0) {
                // MS_BIND ignores MS_RDONLY in the same mount(2) call, and a later
                // MS_REMOUNT|MS_BIND|MS_RDONLY leaves submounts writable: set the attribute on the
                // whole detached tree before it is attached, so that no copy is ever writable.
                ops.add(new Op.SetAttr(tree, "", m.isRecursive(), set, 0, 0, o));
            }
            ops.add(new Op.MoveMount(tree, actual(m.target()), o));
            propagation(m);
            view.push(m.target(), SandboxView.Backing.host(m.source()));
            expect(m, null, m.isReadOnly(), m.isReadOnly() && m.isRecursive());
        }

        private void planTmpfs(MountSpec m) {
            if (!mountPoint(m, false)) {
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
            ops.add(new Op.Mount("tmpfs", actual(m.target()), "tmpfs", flags,
                    data.isEmpty() ? null : String.join(",", data), m.origins().self()));
            propagation(m);
            view.push(m.target(), SandboxView.Backing.scratch(m.isReadOnly()));
            expect(m, "tmpfs", m.isReadOnly(), false);
        }

        private void planFresh(MountSpec m, String source, String fstype, long defaults, String data) {
            if (!mountPoint(m, false)) {
                return;
            }
            long flags = flags(m, defaults);
            if (PIDNS_OPTION.equals(data)) {
                // A proc of the sandbox's PID namespace: the namespace goes to the kernel as a
                // descriptor, not as a path through a /proc the spec may have replaced (Op.MountProc).
                ops.add(new Op.MountProc(actual(m.target()), flags, m.origins().self()));
            } else {
                ops.add(new Op.Mount(source, actual(m.target()), fstype, flags, data, m.origins().self()));
            }
            propagation(m);
            view.push(m.target(), fstype.equals("proc") ? SandboxView.Backing.proc(PIDNS_OPTION.equals(data))
                    : SandboxView.Backing.opaque(fstype));
            expect(m, fstype, (flags & Flags.MS_RDONLY) != 0, false);
        }

        private void planDev(MountSpec m, Map<String, Integer> trees) {
            if (!mountPoint(m, false)) {
                return;
            }
            Origin o = m.origins().self();
            String dev = actual(m.target());
            ops.add(new Op.Mount("tmpfs", dev, "tmpfs", flags(m, Flags.MS_NOSUID | Flags.MS_NOEXEC),
                    "mode=0755,size=65536", o));
            for (String node : DEV_NODES) {
                ops.add(new Op.CreateFile(dev + "/" + node, 0666, o));
                ops.add(new Op.MoveMount(trees.get(node), dev + "/" + node, o));
            }
            ops.add(new Op.Mkdir(dev + "/shm", 01777, o));
            ops.add(new Op.Mkdir(dev + "/pts", 0755, o));
            ops.add(new Op.Mount("devpts", dev + "/pts", "devpts", Flags.MS_NOSUID | Flags.MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620", o));
            for (String[] link : DEV_LINKS) {
                ops.add(new Op.Symlink(link[1], dev + "/" + link[0], o));
            }
            propagation(m);
            // A tmpfs whose every entry the plan made: later mounts may create mount points in
            // it (a /dev/mqueue, say), as in any tmpfs of the spec's own.
            view.push(m.target(), SandboxView.Backing.scratch(m.isReadOnly()));
            for (String node : DEV_NODES) {
                view.created(m.target() + "/" + node, false);
            }
            view.created(m.target() + "/shm", true);
            view.created(m.target() + "/pts", true);
            for (String[] link : DEV_LINKS) {
                view.created(m.target() + "/" + link[0], false);
            }
            expect(m, "tmpfs", m.isReadOnly(), false);
        }

        private void planOverlay(MountSpec m) {
            if (!mountPoint(m, false)) {
                return;
            }
            Origin o = m.origins().self();
            String target = actual(m.target());
            long flags = flags(m, Flags.MS_NOSUID | Flags.MS_NODEV);
            // Lower layers are bound into a scratch tmpfs on the target first: a lower directory
            // may be the target itself (an overlay over /usr with /usr below), and the overlay
            // must see the host's directory, not what the scratch tmpfs hides it with. The trees
            // are opened before any mount of the spec, like every bind source.
            List<Integer> lowerTrees = new ArrayList<>();
            for (String lower : m.lower()) {
                lowerTrees.add(openTreeEarly(lower, true, m.origins().of("lower")));
            }
            String scratch = target + "/.nsbox-overlay";
            ops.add(new Op.Mount("tmpfs", target, "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0755", o));
            ops.add(new Op.Mkdir(scratch, 0700, o));
            List<String> lowerDirs = new ArrayList<>();
            for (int i = 0; i < lowerTrees.size(); i++) {
                String dir = scratch + "/lower" + i;
                ops.add(new Op.Mkdir(dir, 0755, o));
                ops.add(new Op.MoveMount(lowerTrees.get(i), dir, o));
                lowerDirs.add(dir);
            }
            String upper;
            String work;
            if (m.upper() != null) {
                upper = m.upper();
                work = parent(m.upper()) + "/." + name(m.upper()) + ".nsbox-work";
                notes.add(m.label() + ": overlayfs needs a work directory on the upper directory's filesystem: "
                        + work + " (created if missing)");
                ops.add(new Op.Mkdir(work, 0700, o));
            } else {
                upper = scratch + "/upper";
                work = scratch + "/work";
                ops.add(new Op.Mkdir(upper, 0755, o));
                ops.add(new Op.Mkdir(work, 0700, o));
            }
            String data = "lowerdir=" + String.join(":", lowerDirs) + ",upperdir=" + upper + ",workdir=" + work;
            ops.add(new Op.Mount("overlay", target, "overlay", flags, data, o));
            propagation(m);
            view.push(m.target(), SandboxView.Backing.opaque("overlay"));
            expect(m, "overlay", m.isReadOnly(), false);
        }

        /**
         * Opens a tree among the other opens, before the first mount of the spec, for a source
         * only known once the mounts before it are planned.
         */
        private int openTreeEarly(String source, boolean recursive, Origin origin) {
            int tree = nextTree++;
            int at = 0;
            for (int i = 0; i < ops.size(); i++) {
                if (ops.get(i) instanceof Op.OpenTree || ops.get(i) instanceof Op.SetPropagation
                        || ops.get(i) instanceof Op.SpawnInit || ops.get(i) instanceof Op.Unshare) {
                    at = i + 1;
                } else {
                    break;
                }
            }
            ops.add(at, new Op.OpenTree(tree, source, recursive, false, origin));
            return tree;
        }

        private void planHide(MountSpec m) {
            HostView.Kind k = view.kind(m.target());
            if (k == HostView.Kind.MISSING) {
                notes.add(m.label() + ": " + m.target() + " does not exist, nothing to hide");
                return;
            }
            Origin o = m.origins().self();
            if (k == HostView.Kind.FILE || k == HostView.Kind.OTHER) {
                if (!mountPoint(m, true)) {
                    return;
                }
                int nullTree = openTreeEarly("/dev/null", false, o);
                ops.add(new Op.SetAttr(nullTree, "", false, Flags.MOUNT_ATTR_RDONLY | Flags.MOUNT_ATTR_NOSUID
                        | Flags.MOUNT_ATTR_NODEV | Flags.MOUNT_ATTR_NOEXEC, 0, 0, o));
                ops.add(new Op.MoveMount(nullTree, actual(m.target()), o));
                // What is there now is the host's /dev/null, a file: a second hide of the same
                // target binds /dev/null again, where a tmpfs would be ENOTDIR (mount(2)).
                view.push(m.target(), SandboxView.Backing.host("/dev/null"));
                expect(m, null, true, false);
            } else {
                if (!mountPoint(m, false)) {
                    return;
                }
                ops.add(new Op.Mount("tmpfs", actual(m.target()), "tmpfs",
                        Flags.MS_RDONLY | Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, "size=0,mode=0000", o));
                view.push(m.target(), SandboxView.Backing.scratch(true));
                expect(m, "tmpfs", true, false);
            }
            propagation(m);
        }

        private void planRemount(MountSpec m) {
            if (!mountPoint(m, false) && !view.exists(m.target())) {
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
                ops.add(new Op.SetAttr(-1, actual(m.target()), m.isRecursive(), set, clr, 0, m.origins().self()));
                if (Boolean.TRUE.equals(m.readOnly())) {
                    // A later mount point in that tmpfs would be mkdir(2) on a read-only mount:
                    // EROFS (fuzz seed 4904). The planner refuses it with the spec line instead.
                    view.readOnly(m.target(), m.isRecursive());
                }
            }
            propagation(m);
            expect(m, null, Boolean.TRUE.equals(m.readOnly()), Boolean.TRUE.equals(m.readOnly()) && m.isRecursive());
        }

        private void propagation(MountSpec m) {
            if (m.propagation() != null && m.propagation() != Propagation.UNCHANGED) {
                ops.add(new Op.SetPropagation(actual(m.target()), PropagationFlags.mountFlags(m.propagation()),
                        m.origins().of("propagation")));
            }
        }

        private void expect(MountSpec m, String fstype, boolean readOnly, boolean submountsReadOnly) {
            Propagation.Kind kind = m.propagation() == null ? null : m.propagation().kind();
            expectations.add(new Expectation(m.label(), m.target(), fstype, readOnly, submountsReadOnly, kind,
                    m.origins().self()));
        }

        /** Expectations of mounts that a later mount hides are dropped: nothing can see them. */
        private List<Expectation> keptExpectations() {
            // The remounts' labels, found once: looking each one up in the spec inside the pair
            // loop made this cubic, nine seconds for a spec of 1000 binds (bench, measurement 3).
            Set<String> remounts = new HashSet<>();
            for (MountSpec m : spec.mounts()) {
                if (m.type() == MountType.REMOUNT) {
                    remounts.add(m.label());
                }
            }
            // From the last expectation back, the labels of the later mounts that hide what is
            // on or below their target, by target: each expectation then looks up its target's
            // ancestors instead of comparing itself with every later one (quadratic, a tenth of
            // planning 1000 binds; bench, measurement 4).
            Map<String, Set<String>> hiders = new HashMap<>();
            List<Expectation> kept = new ArrayList<>();
            for (int i = expectations.size() - 1; i >= 0; i--) {
                Expectation e = expectations.get(i);
                if (!hidden(e, hiders)) {
                    kept.add(e);
                }
                if (e.label().startsWith("mounts[") && !remounts.contains(e.label())) {
                    hiders.computeIfAbsent(e.target(), t -> new HashSet<>()).add(e.label());
                }
            }
            Collections.reverse(kept);
            return kept;
        }

        /**
         * Whether a mount of another label is on a target t with under(e.target(), t): the
         * target itself, each ancestor (the target cut before each '/'), and "/". Targets are
         * absolute.
         */
        private static boolean hidden(Expectation e, Map<String, Set<String>> hiders) {
            String target = e.target();
            if (hidesOther(hiders.get(target), e.label()) || hidesOther(hiders.get("/"), e.label())) {
                return true;
            }
            for (int i = target.length() - 1; i > 0; i--) {
                if (target.charAt(i) == '/' && hidesOther(hiders.get(target.substring(0, i)), e.label())) {
                    return true;
                }
            }
            return false;
        }

        private static boolean hidesOther(Set<String> labels, String label) {
            return labels != null && (labels.size() > 1 || !labels.contains(label));
        }

        private static long attrs(MountSpec m) {
            long set = 0;
            if (m.isReadOnly()) {
                set |= Flags.MOUNT_ATTR_RDONLY;
            }
            if (Boolean.TRUE.equals(m.nosuid())) {
                set |= Flags.MOUNT_ATTR_NOSUID;
            }
            if (Boolean.TRUE.equals(m.nodev())) {
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

        /**
         * A step whose working directory the sandbox does not have would fail in chdir(2) after
         * set-up; say so now, naming what covers it (typically the caller's working directory
         * under a tmpfs the spec mounts on /tmp).
         */
        private void checkWorkingDirectories(List<StepLaunch> steps) {
            java.util.Set<String> reported = new java.util.HashSet<>();
            for (StepLaunch s : steps) {
                String cwd = s.cwd();
                if (cwd == null || view.kind(cwd) != HostView.Kind.MISSING || !reported.add(cwd)) {
                    continue;
                }
                SandboxView.Layer layer = view.layerOf(cwd);
                String covered = layer != null && !layer.target().equals("/")
                        ? "; the " + layer.backing().describe() + " on " + layer.target() + " covers it" : "";
                diagnostics.add(Diagnostic.error(s.origin(), "step " + s.name() + ": the working directory " + cwd
                        + " does not exist inside the sandbox" + covered
                        + "; set process.cwd (or the step's cwd) to a directory the sandbox has"));
            }
        }

        private List<StepLaunch> steps(List<String> command) {
            Map<String, String> base = new LinkedHashMap<>();
            if (!spec.process().env().clear()) {
                base.putAll(host.environment());
            } else {
                for (String name : spec.process().env().keep()) {
                    String v = host.environment().get(name);
                    if (v != null) {
                        base.put(name, v);
                    }
                }
            }
            base.putAll(spec.process().env().set());
            String defaultCwd = spec.process().cwd() != null ? spec.process().cwd()
                    : spec.root().type() == RootType.HOST ? host.cwd() : "/";
            Duration defaultTimeout = spec.process().timeout();
            List<StepLaunch> launches = new ArrayList<>();
            if (command != null) {
                launches.add(new StepLaunch("command", command, envList(base), defaultCwd, defaultTimeout,
                        spec.origins().self()));
                return launches;
            }
            for (Step s : spec.steps()) {
                Map<String, String> env = new LinkedHashMap<>(base);
                env.putAll(s.env());
                launches.add(new StepLaunch(s.name(), s.argv(), envList(env), s.cwd() != null ? s.cwd() : defaultCwd,
                        s.timeout() != null ? s.timeout() : defaultTimeout, s.origins().self()));
            }
            return launches;
        }

        private static List<String> envList(Map<String, String> env) {
            List<String> list = new ArrayList<>(env.size());
            env.forEach((k, v) -> list.add(k + "=" + v));
            return list;
        }
    }

    static boolean under(String path, String ancestor) {
        // Without building ancestor + "/": the planner asks this for every pair of mounts.
        return path.equals(ancestor) || ancestor.equals("/") || (path.length() > ancestor.length()
                && path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
