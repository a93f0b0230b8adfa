package dev.nsbox.mounts;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A simulation of mount namespaces and the kernel's shared-subtree rules
 * (Documentation/filesystems/sharedsubtree.rst; fs/namespace.c, fs/pnode.c), deterministic
 * and without I/O: it is loaded from {@link MountTable}s, operations are applied to it, and it
 * reports every mount and unmount that each operation caused in each namespace.
 *
 * <p>Mounts are kept the way the kernel keeps them: each has a parent, the directory of the
 * parent's filesystem it sits on, the directory of its own filesystem that is its root, a peer
 * group (0 when not shared), the peer group it is a slave of (0 when not a slave), and the
 * unbindable mark. Masters are recorded by peer group, not by mount, which is what mountinfo
 * shows and all that the rules below depend on.
 *
 * <p>Not thread-safe; a model belongs to one computation. Never touches the host.
 */
public final class PropagationModel {

    /** A refusal the kernel would give, with the errno name and the reason in a sentence. */
    public static final class Refused extends RuntimeException {
        private final String errno;

        public Refused(String errno, String reason) {
            super(reason);
            this.errno = errno;
        }

        /** {@code EINVAL}, {@code EBUSY}, {@code ENOENT}. */
        public String errno() {
            return errno;
        }
    }

    /**
     * How the kernel being modelled differs from sharedsubtree.rst.
     *
     * @param unbindableCopiedAsPrivate whether a new mount namespace gets a private copy of an
     *                                  unbindable mount. sharedsubtree.rst (and kernels before
     *                                  6.18) keep it unbindable; Linux 6.18 moved the mark to
     *                                  {@code mnt_t_flags}, which clone_mnt() does not copy, so the
     *                                  copy is private (measured, shared/PLATFORM.md)
     */
    public record Kernel(boolean unbindableCopiedAsPrivate) {

        /**
         * The rules of the given kernel version: 6.18 and later copy unbindable as private
         * (measured on 6.18); earlier kernels are taken to follow sharedsubtree.rst.
         */
        public static Kernel of(int major, int minor) {
            return new Kernel(major > 6 || (major == 6 && minor >= 18));
        }

        /** Parses {@code uname -r} ({@code 6.18.44-fc}); an unreadable version means the newest rules. */
        public static Kernel ofRelease(String release) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
            return m.find() ? of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) : new Kernel(true);
        }
    }

    /** A mount namespace of the model: the host's, the sandbox's, another, or a detached tree. */
    public static final class Namespace {
        private final String name;
        private final boolean anonymous;
        private Mount root;
        // The mount a process's root directory is on (fs->root), fixed when the namespace is
        // made and by pivot_root(2): a mount later stacked on "/" does not move it.
        private Mount taskRoot;
        private int rootParentId = -1;
        private String cwd = "/";

        private Namespace(String name, boolean anonymous) {
            this.name = name;
            this.anonymous = anonymous;
        }

        public String name() {
            return name;
        }

        /** Whether this is the anonymous namespace of a detached tree (open_tree(2)). */
        public boolean anonymous() {
            return anonymous;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A mount of the model. Its state is read through {@link PropagationModel#table}. */
    public static final class Mount {
        private final int id;
        private Namespace ns;
        private Mount parent;
        private String mountpoint;      // directory of the parent's filesystem this mount sits on
        private final String root;      // directory of its own filesystem that is its root
        private final String fs;        // identity of the filesystem (major:minor, or new:N)
        private final int major;
        private final int minor;
        private final String fsType;
        private final String source;
        private final String superOptions;
        private List<String> options;
        private int group;
        private int master;
        private boolean unbindable;
        private final String origin;    // what made it: "host", or the label of an operation
        // Its place in the model's list of mounts: the list is the listed mounts in the order of
        // seq, and only a listed mount is in its parent's and its groups' indexes.
        private long seq;
        private boolean listed;
        // This mount's listed children, in the list's order; null until it has one.
        private Children children;

        private Mount(int id, String root, String fs, int major, int minor, String fsType, String source,
                      String superOptions, List<String> options, String origin) {
            this.id = id;
            this.root = root;
            this.fs = fs;
            this.major = major;
            this.minor = minor;
            this.fsType = fsType;
            this.source = source;
            this.superOptions = superOptions;
            this.options = List.copyOf(options);
            this.origin = origin;
        }

        public int id() {
            return id;
        }

        public int group() {
            return group;
        }

        public int master() {
            return master;
        }

        public boolean unbindable() {
            return unbindable;
        }

        public String fsType() {
            return fsType;
        }

        public Namespace namespace() {
            return ns;
        }

        /** Identity of its filesystem: {@code major:minor} of a host mount, {@code new:N} of a fresh one. */
        public String filesystem() {
            return fs;
        }

        /** {@code shared:1}, {@code master:3}, {@code shared:2 master:1}, {@code unbindable} or {@code private}. */
        public String propagation() {
            List<String> p = new ArrayList<>();
            if (group != 0) {
                p.add("shared:" + group);
            }
            if (master != 0) {
                p.add("master:" + master);
            }
            if (unbindable) {
                p.add("unbindable");
            }
            return p.isEmpty() ? "private" : String.join(" ", p);
        }

        @Override
        public String toString() {
            return "#" + id + " " + fsType + " " + propagation();
        }
    }

    /**
     * A mount or unmount that an operation caused.
     *
     * @param kind      {@code mount}, {@code umount}, or {@code pivot_root} (the sandbox's own root
     *                  change, which never propagates)
     * @param namespace where it happened
     * @param path      the mount point there, as that namespace's root sees it
     * @param fsType    the filesystem type of the mount
     * @param mountId   the model's ID of the mount added or removed
     * @param via       the peer group it travelled through ({@code shared:1}), or {@code null} for
     *                  the operation's own mount
     * @param rule      the kernel rule that decided it, in a sentence
     * @param cause     the label of the operation that caused it
     */
    public record Event(String kind, Namespace namespace, String path, String fsType, int mountId, String via,
                        String rule, String cause) {
    }

    /** sharedsubtree.rst 2a: the rule by which a mount on a shared mount reaches the peers. */
    public static final String RULE_PEERS =
            "a mount on a shared mount propagates to every mount of its peer group (sharedsubtree.rst, 2a)";
    /** sharedsubtree.rst 2b. */
    public static final String RULE_SLAVES =
            "a mount on a mount whose peer group has slaves propagates to each slave, and from a slave that is "
                    + "itself shared to that slave's peers (sharedsubtree.rst, 2b)";
    /** umount propagation. */
    public static final String RULE_UMOUNT =
            "an unmount under a shared mount propagates to the matching mount of every peer and slave that has "
                    + "nothing mounted on it (sharedsubtree.rst, 5c)";

    private final Kernel kernel;
    private final List<Namespace> namespaces = new ArrayList<>();
    // The model's mounts form one list, like the kernel's list of a namespace's mounts: it
    // decides the order of mountinfo, which of two mounts stacked on one directory a lookup
    // finds, and the order in which propagation visits receivers. A mount joins it at the end
    // (append), at the front (prepend, pivot_root) or leaves it (unlist); the list itself is
    // only its members' seq numbers. What the rules ask of it, the children of a mount on a
    // directory, the members and slaves of a peer group, comes from indexes kept with it:
    // scanning the whole list once per path component made predicting 1000 binds against a
    // 5000-entry table take most of a second (bench, measurement 4).
    private long lastSeq;
    private long firstSeq;
    // The listed mounts of each peer group, and the listed slaves of each, in no order.
    private final Map<Integer, Set<Mount>> peers = new HashMap<>();
    private final Map<Integer, Set<Mount>> slaves = new HashMap<>();
    private final List<Event> events = new ArrayList<>();
    private int nextId = 1;
    private int nextGroup = 1;
    private int nextFs = 1;
    private String cause = "";

    public PropagationModel(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    public Kernel kernel() {
        return kernel;
    }

    // ---------------------------------------------------------------------------------------
    // Loading and reading back

    /**
     * Adds a namespace whose mounts are those of {@code table}. IDs and peer groups are kept;
     * new mounts and groups of the model are numbered above every one seen. A table whose root's
     * parent lies outside it (a container's) is loaded as it is.
     */
    public Namespace load(String name, MountTable table) {
        Namespace ns = new Namespace(name, false);
        Map<Integer, Mount> byId = new HashMap<>();
        for (MountInfo mi : table.mounts()) {
            Mount m = new Mount(mi.id(), mi.root(), mi.device(), mi.major(), mi.minor(), mi.fsType(), mi.source(),
                    mi.superOptions(), mi.options(), "host");
            m.ns = ns;
            setGroup(m, mi.sharedGroup());
            setMaster(m, mi.masterGroup());
            m.unbindable = mi.unbindable();
            byId.put(mi.id(), m);
            nextId = Math.max(nextId, mi.id() + 1);
            for (int g : new int[]{m.group, m.master}) {
                if (g != 0) {
                    nextGroup = Math.max(nextGroup, g + 1);
                }
            }
        }
        // Only mounts reachable from the root are part of the tree a process sees. The root is
        // the bottom of the stack on "/": the mount whose parent is not in the table.
        MountInfo bottom = null;
        for (MountInfo mi : table.mounts()) {
            if (mi.mountPoint().equals("/") && (mi.parentId() == mi.id() || table.byId(mi.parentId()).isEmpty())) {
                bottom = mi;
                break;
            }
        }
        if (bottom == null) {
            throw new IllegalArgumentException("the mount table of " + name + " has no root mount on /");
        }
        ns.root = byId.get(bottom.id());
        link(ns.root, null, bottom.root());
        ns.rootParentId = bottom.parentId();
        Set<Integer> reachable = new HashSet<>();
        Deque<MountInfo> todo = new ArrayDeque<>();
        todo.add(bottom);
        while (!todo.isEmpty()) {
            MountInfo p = todo.poll();
            reachable.add(p.id());
            Mount pm = byId.get(p.id());
            for (MountInfo c : table.children(p.id())) {
                Mount cm = byId.get(c.id());
                link(cm, pm, dentryFor(pm, p.mountPoint(), c.mountPoint()));
                todo.add(c);
            }
        }
        for (MountInfo mi : table.mounts()) {
            if (reachable.contains(mi.id())) {
                append(byId.get(mi.id()));
            }
        }
        namespaces.add(ns);
        ns.taskRoot = up(ns.root, ns.root.root);
        return ns;
    }

    /** The directory of {@code parent}'s filesystem that shows at {@code childPath}. */
    private static String dentryFor(Mount parent, String parentPath, String childPath) {
        String rel = parentPath.equals("/") ? childPath : childPath.substring(parentPath.length());
        return join(parent.root, rel);
    }

    /** The namespace's mounts as mountinfo would show them, in the kernel's order (parents first). */
    public MountTable table(Namespace ns) {
        List<MountInfo> out = new ArrayList<>();
        List<Mount> inTree = new ArrayList<>();
        for (Mount m : tree(ns.root)) {
            if (m.listed) {
                inTree.add(m);
            }
        }
        // the list's order, restricted to the namespace's tree
        inTree.sort(PropagationModel::bySeq);
        for (Mount m : inTree) {
            List<String> opt = new ArrayList<>();
            if (m.group != 0) {
                opt.add("shared:" + m.group);
            }
            if (m.master != 0) {
                opt.add("master:" + m.master);
            }
            if (m.unbindable) {
                opt.add("unbindable");
            }
            int parentId = m.parent != null ? m.parent.id : ns.rootParentId >= 0 ? ns.rootParentId : m.id;
            out.add(new MountInfo(m.id, parentId, m.major, m.minor, m.root, path(m), m.options, opt, m.fsType,
                    m.source, m.superOptions));
        }
        return MountTable.of(out);
    }

    /** Every namespace of the model, in the order they were made. */
    public List<Namespace> namespaces() {
        return Collections.unmodifiableList(namespaces);
    }

    /** Every event since the model was made, in order. */
    public List<Event> events() {
        return Collections.unmodifiableList(events);
    }

    /** The mount a process of {@code ns} sees at {@code path}, or {@code null}. */
    public Mount mountAt(Namespace ns, String path) {
        Resolved r = resolve(ns, path);
        return r.dentry.equals(r.mount.root) ? r.mount : null;
    }

    /** The mount that holds {@code path} in {@code ns}. */
    public Mount covering(Namespace ns, String path) {
        return resolve(ns, path).mount;
    }

    /**
     * The directory of its mount's own filesystem that {@code path} names in {@code ns} (the
     * mount is {@link #covering}): two paths with the same filesystem and directory are one
     * dentry, whatever mounts lead to them. Added for the planner's ENOENT checks; read only.
     */
    public String dentry(Namespace ns, String path) {
        return resolve(ns, path).dentry;
    }

    /** The mount's mount point as its namespace's root sees it. */
    public String path(Mount m) {
        if (m.parent == null) {
            return "/";
        }
        String parentPath = path(m.parent);
        String rel = relative(m.mountpoint, m.parent.root);
        return rel == null ? "(unreachable)" : join(parentPath, rel);
    }

    /** Sets the label that events caused from now on carry ({@code mounts[3]}). */
    public void cause(String label) {
        this.cause = label == null ? "" : label;
    }

    // ---------------------------------------------------------------------------------------
    // Namespaces

    /**
     * unshare(CLONE_NEWNS) from {@code from}: the new namespace gets a copy of every mount
     * (fs/namespace.c copy_mnt_ns, copy_tree with CL_COPY_ALL). Each copy of a shared mount joins
     * its original's peer group (sharedsubtree.rst, 2a: "the new mount namespace ... peers");
     * a slave's copy is a slave of the same master; a private one stays private. With
     * {@code newUserNamespace} (the new mount namespace is owned by a new user namespace), shared
     * mounts are copied as slaves of their original's group (CL_SHARED_TO_SLAVE), so nothing done
     * inside propagates out (mount_namespaces(7), "Restrictions on mount namespaces").
     * An unbindable mount is copied as {@link Kernel#unbindableCopiedAsPrivate} says.
     */
    public Namespace unshare(Namespace from, String name, boolean newUserNamespace) {
        Namespace ns = new Namespace(name, false);
        Map<Mount, Mount> copies = new IdentityHashMap<>();
        for (Mount m : tree(from.root)) {
            Mount c = clone(m, m.root, newUserNamespace && m.group != 0 ? Clone.SLAVE : Clone.PLAIN);
            if (m.unbindable && !kernel.unbindableCopiedAsPrivate) {
                c.unbindable = true;
            }
            c.ns = ns;
            link(c, m.parent == null ? null : copies.get(m.parent), m.mountpoint);
            copies.put(m, c);
            append(c);
        }
        ns.root = copies.get(from.root);
        ns.taskRoot = from.taskRoot == null ? null : copies.get(from.taskRoot);
        ns.cwd = from.cwd;
        namespaces.add(ns);
        return ns;
    }

    // ---------------------------------------------------------------------------------------
    // Propagation changes

    /** The four propagation types of sharedsubtree.rst, section 2. */
    public enum Type { SHARED, PRIVATE, SLAVE, UNBINDABLE }

    /**
     * mount --make-{shared,private,slave,unbindable} (recursive with {@code recursive}) on the
     * mount at {@code path}, which must be a mount point (EINVAL otherwise). Propagation
     * changes themselves never propagate.
     */
    public void setPropagation(Namespace ns, String path, Type type, boolean recursive) {
        Resolved r = resolve(ns, path);
        if (!r.dentry.equals(r.mount.root)) {
            throw new Refused("EINVAL", path + " is not a mount point; a propagation change needs one "
                    + "(fs/namespace.c do_change_type: path_mounted)");
        }
        setPropagation(r.mount, type, recursive);
    }

    /** The same on a mount (and, with {@code recursive}, every mount below it). */
    public void setPropagation(Mount mount, Type type, boolean recursive) {
        List<Mount> targets = recursive ? tree(mount) : List.of(mount);
        for (Mount m : targets) {
            change(m, type);
        }
    }

    /** fs/pnode.c change_mnt_propagation. */
    private void change(Mount m, Type type) {
        if (type == Type.SHARED) {
            // set_mnt_shared: a new peer group unless it has one; the unbindable mark goes.
            if (m.group == 0) {
                setGroup(m, newGroup());
            }
            m.unbindable = false;
            return;
        }
        makeSlave(m);
        if (type != Type.SLAVE) {
            setMaster(m, 0);
            m.unbindable = type == Type.UNBINDABLE;
        }
    }

    /**
     * fs/pnode.c do_make_slave. A shared mount with other peers becomes a slave of its own old
     * peer group (sharedsubtree.rst 2c: "make-slave on a shared mount"); one that was alone in
     * its group loses the group and keeps the master it had, if any, and its own slaves move to
     * that master (or, with none, become private). A private mount stays private.
     */
    private void makeSlave(Mount m) {
        if (m.group == 0) {
            return;
        }
        int g = m.group;
        boolean otherPeers = false;
        for (Mount o : peers.getOrDefault(g, Set.of())) {
            if (o != m) {
                otherPeers = true;
                break;
            }
        }
        setGroup(m, 0);
        if (otherPeers) {
            setMaster(m, g);
            return;
        }
        // The group dies with m: its slaves now receive from m's master, or from nothing.
        for (Mount o : inOrder(slaves.get(g))) {
            setMaster(o, m.master);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Mounting

    /** A fresh filesystem ({@code mount -t fstype source target}) on {@code target}. */
    public Mount mountFresh(Namespace ns, String fsType, String source, String target) {
        Resolved r = resolve(ns, target);
        int n = nextFs++;
        Mount m = new Mount(nextId++, "/", "new:" + n, 0, 1000 + n, fsType, source == null ? "none" : source,
                "rw", List.of("rw"), cause);
        attach(m, r);
        return m;
    }

    /**
     * mount --bind / --rbind {@code source} {@code target} (fs/namespace.c do_loopback): a clone
     * of the mount holding {@code source}, rooted at its directory, that keeps the source's
     * propagation (a shared source's clone joins its peer group, a slave's has the same master:
     * sharedsubtree.rst 5b, "bind semantics"), then attached at {@code target}.
     *
     * @throws Refused EINVAL when the source mount is unbindable (sharedsubtree.rst 5b)
     */
    public Mount bind(Namespace ns, String source, String target, boolean recursive) {
        Mount tree = cloneTree(ns, source, recursive);
        Resolved r = resolve(ns, target);
        attach(tree, r);
        return tree;
    }

    /**
     * open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]): the same clone as {@link #bind}, left detached
     * in an anonymous namespace of its own. The clone of a shared mount is a member of its
     * peer group already, though nothing propagates into an anonymous namespace (fs/pnode.c
     * need_secondary).
     */
    public Namespace openTree(Namespace ns, String source, boolean recursive, String name) {
        Mount tree = cloneTree(ns, source, recursive);
        Namespace anon = new Namespace(name, true);
        anon.root = tree;
        for (Mount m : tree(tree)) {
            m.ns = anon;
        }
        namespaces.add(anon);
        return anon;
    }

    /**
     * move_mount(2) of a detached tree onto {@code target}: attached as a bind would be, with
     * the propagation the tree has by then.
     *
     * @throws Refused EINVAL when the target's mount is shared and the tree holds an unbindable
     *                 mount (fs/namespace.c do_move_mount), or the tree is gone
     */
    public void moveMount(Namespace tree, Namespace ns, String target) {
        if (tree.root == null || !tree.anonymous) {
            throw new Refused("EINVAL", "the detached tree " + tree.name + " is not there any more");
        }
        Resolved r = resolve(ns, target);
        Mount top = tree.root;
        if (r.mount.group != 0) {
            for (Mount m : tree(top)) {
                if (m.unbindable) {
                    throw new Refused("EINVAL", "a tree that holds an unbindable mount cannot be moved onto the "
                            + "shared mount at " + path(r.mount) + " (fs/namespace.c do_move_mount)");
                }
            }
        }
        tree.root = null;
        namespaces.remove(tree);
        attach(top, r);
    }

    /** The detached tree's root mount, or {@code null} once it has been moved. */
    public Mount treeRoot(Namespace tree) {
        return tree.root;
    }

    private Mount cloneTree(Namespace ns, String source, boolean recursive) {
        Resolved s = resolve(ns, source);
        if (s.mount.unbindable) {
            throw new Refused("EINVAL", "the mount at " + path(s.mount) + " is unbindable, and an unbindable "
                    + "mount cannot be bound (sharedsubtree.rst 5b; fs/namespace.c __do_loopback)");
        }
        Mount top = clone(s.mount, s.dentry, Clone.PLAIN);
        link(top, null, top.root);
        append(top);
        if (recursive) {
            copyChildren(s.mount, s.dentry, top, Clone.PLAIN, false);
        }
        return top;
    }

    /**
     * fs/namespace.c copy_tree: clones every mount below {@code from} whose mount point lies
     * under {@code dentry}, skipping unbindable ones and everything below them unless
     * {@code copyUnbindable} (sharedsubtree.rst 5b, rbind: "unbindable mounts are pruned").
     */
    private void copyChildren(Mount from, String dentry, Mount to, Clone how, boolean copyUnbindable) {
        for (Mount c : children(from)) {
            if (relative(c.mountpoint, dentry) == null) {
                continue;
            }
            if (c.unbindable && !copyUnbindable) {
                continue;
            }
            Mount cc = clone(c, c.root, how);
            link(cc, to, c.mountpoint);
            cc.ns = to.ns;
            append(cc);
            copyChildren(c, c.root, cc, how, copyUnbindable);
        }
    }

    private enum Clone { PLAIN, SLAVE, SLAVE_SHARED, SHARED }

    /**
     * fs/namespace.c clone_mnt. PLAIN (flag 0): a shared original's clone joins its group, a
     * slave's clone has the same master. SLAVE (CL_SLAVE, CL_SHARED_TO_SLAVE): a slave of the
     * original's group. SHARED (CL_MAKE_SHARED): in the original's group, or a new one.
     * SLAVE_SHARED: a slave of the original's group, in a new group of its own.
     */
    private Mount clone(Mount m, String root, Clone how) {
        Mount c = new Mount(nextId++, root, m.fs, m.major, m.minor, m.fsType, m.source, m.superOptions,
                m.options, cause);
        c.ns = m.ns;
        switch (how) {
            case PLAIN -> {
                setGroup(c, m.group);
                setMaster(c, m.master);
            }
            case SLAVE -> setMaster(c, m.group);
            case SLAVE_SHARED -> {
                setMaster(c, m.group);
                setGroup(c, newGroup());
            }
            case SHARED -> {
                setGroup(c, m.group != 0 ? m.group : newGroup());
                setMaster(c, m.master);
            }
        }
        return c;
    }

    /**
     * fs/namespace.c attach_recursive_mnt and fs/pnode.c propagate_mnt. On a shared
     * destination every mount of the new tree becomes shared (a new group for those that were
     * not: sharedsubtree.rst 5b's table, "dest shared" row), and a copy of the tree is mounted at
     * the same place in every other mount that receives propagation from the destination:
     * peers get copies in the tree's own groups (2a), slaves get slave copies, which are also
     * shared, in a new group, when the slave is shared (2b). Mounts in anonymous namespaces,
     * and those that do not show the destination directory, get nothing (need_secondary).
     */
    private void attach(Mount tree, Resolved dest) {
        Mount d = dest.mount;
        if (d.group != 0) {
            for (Mount m : tree(tree)) {
                if (m.group == 0) {
                    setGroup(m, newGroup());
                }
                m.unbindable = false;
            }
        }
        Set<Mount> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        fresh.addAll(tree(tree));
        place(tree, d, dest.dentry, d.ns);
        events.add(new Event("mount", d.ns, path(tree), tree.fsType, tree.id, null, "", cause));

        if (d.group == 0) {
            // A mount on a private, slave or unbindable mount stays where it is (2b: a slave
            // receives propagation, it sends none).
            return;
        }
        // Walk the propagation tree group by group, masters before slaves, as propagate_mnt
        // does; copyInGroup.get(g) is the copy made in group g, which the next group's copies
        // are slaves of (find_master).
        Map<Integer, Mount> copyInGroup = new HashMap<>();
        copyInGroup.put(d.group, tree);
        List<Mount> peersOfD = new ArrayList<>();
        for (Mount peer : inOrder(peers.get(d.group))) {
            if (peer != d && !fresh.contains(peer)) {
                peersOfD.add(peer);
            }
        }
        for (Mount peer : peersOfD) {
            if (!needSecondary(peer, dest.dentry)) {
                continue;
            }
            Mount copy = copyTree(tree, Clone.SHARED, fresh);
            place(copy, peer, dest.dentry, peer.ns);
            record(copy, "shared:" + d.group, RULE_PEERS);
        }
        Deque<Integer> groups = new ArrayDeque<>();
        groups.add(d.group);
        Set<Integer> seen = new HashSet<>(groups);
        while (!groups.isEmpty()) {
            int g = groups.poll();
            Mount masterCopy = copyInGroup.get(g);
            // slave groups and lone slaves of g, in the order the model holds them
            Map<Integer, List<Mount>> slaveGroups = new LinkedHashMap<>();
            List<Mount> loneSlaves = new ArrayList<>();
            for (Mount s : inOrder(slaves.get(g))) {
                if (!fresh.contains(s)) {
                    if (s.group != 0) {
                        slaveGroups.computeIfAbsent(s.group, k -> new ArrayList<>()).add(s);
                    } else {
                        loneSlaves.add(s);
                    }
                }
            }
            for (Mount s : loneSlaves) {
                if (!needSecondary(s, dest.dentry) || masterCopy == null) {
                    continue;
                }
                Mount copy = copyTree(masterCopy, Clone.SLAVE, fresh);
                place(copy, s, dest.dentry, s.ns);
                record(copy, "shared:" + g, RULE_SLAVES);
            }
            for (Map.Entry<Integer, List<Mount>> e : slaveGroups.entrySet()) {
                int h = e.getKey();
                if (!seen.add(h)) {
                    continue;
                }
                Mount first = null;
                for (Mount s : e.getValue()) {
                    if (!needSecondary(s, dest.dentry) || masterCopy == null) {
                        continue;
                    }
                    Mount copy = first == null ? copyTree(masterCopy, Clone.SLAVE_SHARED, fresh)
                            : copyTree(first, Clone.SHARED, fresh);
                    if (first == null) {
                        first = copy;
                    }
                    place(copy, s, dest.dentry, s.ns);
                    record(copy, "shared:" + g, RULE_SLAVES);
                }
                if (first != null) {
                    copyInGroup.put(h, first);
                } else if (masterCopy != null) {
                    // find_master: slaves of h with no copy in h take theirs from the nearest master copy
                    copyInGroup.put(h, masterCopy);
                }
                groups.add(h);
            }
        }
    }

    private void record(Mount copy, String via, String rule) {
        // propagate_mnt copies the whole tree (copy_tree), submounts included: each one appears
        // in the receiving namespace, and each is an effect there. A mount the receiver already
        // had there is tucked under the copy (older, a lower ID): it moves, it does not appear.
        for (Mount m : tree(copy)) {
            if (m.id < copy.id) {
                continue;
            }
            events.add(new Event("mount", m.ns, path(m), m.fsType, m.id, via, rule, cause));
        }
    }

    /** fs/pnode.c need_secondary: the receiver is not new, shows the directory, and is not in an anonymous namespace. */
    private boolean needSecondary(Mount m, String dentry) {
        return !m.ns.anonymous && relative(dentry, m.root) != null;
    }

    /** copy_tree of a tree being propagated (never copies unbindable mounts: there are none by then). */
    private Mount copyTree(Mount src, Clone how, Set<Mount> fresh) {
        Mount top = clone(src, src.root, how);
        link(top, null, top.root);
        append(top);
        fresh.add(top);
        copyChildrenFresh(src, top, how, fresh);
        return top;
    }

    private void copyChildrenFresh(Mount from, Mount to, Clone how, Set<Mount> fresh) {
        for (Mount c : children(from)) {
            Mount cc = clone(c, c.root, how);
            link(cc, to, c.mountpoint);
            append(cc);
            fresh.add(cc);
            copyChildrenFresh(c, cc, how, fresh);
        }
    }

    /**
     * Mounts {@code tree} on {@code parent} at {@code dentry}. A mount that is already there
     * (possible only on a receiver of propagation) is tucked on top of the new tree's root
     * (fs/namespace.c attach_recursive_mnt, mnt_change_mountpoint: "tuck mounts under others").
     */
    private void place(Mount tree, Mount parent, String dentry, Namespace ns) {
        Mount existing = childAt(parent, dentry);
        link(tree, parent, dentry);
        for (Mount m : tree(tree)) {
            m.ns = ns;
        }
        if (existing != null) {
            Mount topOfTree = tree;
            for (Mount on = childAt(topOfTree, topOfTree.root, existing); on != null;
                    on = childAt(topOfTree, topOfTree.root, existing)) {
                topOfTree = on;
            }
            link(existing, topOfTree, topOfTree.root);
        }
        // keep the kernel's order: a mount is listed after its parent
        append(tree);
    }

    // ---------------------------------------------------------------------------------------
    // Unmounting, chdir, pivot_root

    /**
     * umount2(target, MNT_DETACH when {@code detach}): removes the mount at {@code target} (with
     * everything below it when detaching; EBUSY without, if it has submounts), and, where its
     * parent is shared or has slaves, the matching mount of every mount that receives
     * propagation from the parent, unless something else is mounted on it (fs/pnode.c
     * propagate_umount; sharedsubtree.rst 5c).
     */
    public void umount(Namespace ns, String target, boolean detach) {
        Resolved r = resolve(ns, target);
        Mount m = r.mount;
        if (!r.dentry.equals(m.root)) {
            throw new Refused("EINVAL", target + " is not a mount point");
        }
        if (m.parent == null) {
            throw new Refused("EINVAL", "the root of the namespace cannot be unmounted");
        }
        if (!detach && m.children != null && !m.children.all.isEmpty()) {
            throw new Refused("EBUSY", target + " has mounts below it");
        }
        List<Mount> set = tree(m);
        Set<Mount> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        gone.addAll(set);
        List<Mount> propagated = new ArrayList<>();
        List<String> vias = new ArrayList<>();
        for (Mount x : set) {
            Mount p = x.parent;
            if (p == null) {
                continue;
            }
            for (Mount q : receivers(p)) {
                for (Mount child : childrenAt(q, x.mountpoint)) {
                    // A receiver reached from two unmounted mounts (peers of one another, both in
                    // the detached tree) is still unmounted once: propagate_umount marks it.
                    if (!gone.contains(child) && !propagated.contains(child)) {
                        propagated.add(child);
                        vias.add("shared:" + (p.group != 0 ? p.group : q.master));
                    }
                }
            }
        }
        String path = path(m);
        events.add(new Event("umount", ns, path, m.fsType, m.id, null, "", cause));
        // A propagated unmount goes only where the mount has nothing of its own below it, or
        // just one mount covering its root entirely, a "topper": that one drops onto the
        // unmounted mount's place (fs/pnode.c propagate_umount, find_topper and
        // mnt_change_mountpoint; fuzz seed 4451).
        boolean changed = true;
        List<Mount> candidates = new ArrayList<>(propagated);
        Map<Mount, Mount> toppers = new IdentityHashMap<>();
        while (changed) {
            changed = false;
            toppers.clear();
            for (int i = 0; i < candidates.size(); i++) {
                Mount c = candidates.get(i);
                boolean ok = true;
                List<Mount> kept = new ArrayList<>();
                for (Mount k : children(c)) {
                    if (gone.contains(k)) {
                        continue;
                    }
                    if (!candidates.contains(k)) {
                        kept.add(k);
                    } else if (!k.mountpoint.equals(c.root) && leavesSomething(k, candidates, gone)) {
                        // An unmounted child whose topper (or a mount kept below it) drops onto
                        // its place below c's root leaves c a child, so c is no leaf and stays
                        // (propagate_umount unmounts only leaves; mnt_change_mountpoint puts the
                        // topper on the child's mountpoint in c; fuzz seed 4677).
                        ok = false;
                    }
                }
                if (kept.size() == 1 && kept.get(0).mountpoint.equals(c.root)) {
                    toppers.put(c, kept.get(0));
                } else if (!kept.isEmpty()) {
                    ok = false;
                }
                if (!ok) {
                    candidates.remove(i);
                    vias.remove(i);
                    changed = true;
                    i--;
                }
            }
        }
        for (int i = 0; i < candidates.size(); i++) {
            Mount c = candidates.get(i);
            events.add(new Event("umount", c.ns, path(c), c.fsType, c.id, vias.get(i), RULE_UMOUNT, cause));
        }
        List<Mount> removed = new ArrayList<>(set);
        for (Mount x : set) {
            detachMount(x);
        }
        for (Mount c : candidates) {
            Mount topper = toppers.get(c);
            if (topper != null) {
                // Unmounted mounts stacked root on root, all going, leave the topper on the
                // place of the lowest of them.
                Mount place = c;
                while (place.parent != null && candidates.contains(place.parent)
                        && place.mountpoint.equals(place.parent.root)) {
                    place = place.parent;
                }
                link(topper, place.parent, place.mountpoint);
            }
        }
        // Every topper is in its new place before any unmounted tree is taken away.
        for (Mount c : candidates) {
            for (Mount x : tree(c)) {
                removed.add(x);
                detachMount(x);
            }
        }
        orphanedSlaves(removed);
    }

    /**
     * Whether unmounting candidate {@code k} leaves a mount at its place: a child of it, or of a
     * candidate stacked below it, that is neither unmounted nor a candidate (a topper dropped onto
     * that place, or the child that keeps its candidate parent).
     */
    private boolean leavesSomething(Mount k, List<Mount> candidates, Set<Mount> gone) {
        for (Mount ch : children(k)) {
            if (gone.contains(ch)) {
                continue;
            }
            if (!candidates.contains(ch) || leavesSomething(ch, candidates, gone)) {
                return true;
            }
        }
        return false;
    }

    /**
     * umount_tree makes each unmounted mount private (fs/pnode.c change_mnt_propagation,
     * do_make_slave): its slaves pass to a surviving peer, so they stay slaves of the group; once
     * the group's last peer is gone they pass to that peer's own master, or, with none, become
     * private (sharedsubtree.rst 5c). The model names a slave's master by group, so only the
     * group's end changes anything (fuzz seed 957: a bind made slave in the sandbox, whose
     * peer group lost every member to pivot_root's umount2(".", MNT_DETACH), is private).
     */
    private void orphanedSlaves(List<Mount> removed) {
        Map<Integer, Integer> ended = new HashMap<>();
        for (Mount x : removed) {
            if (x.group != 0) {
                ended.putIfAbsent(x.group, x.master);
            }
        }
        // A group with a listed member left has not ended (the index drops empty groups).
        ended.keySet().removeIf(peers::containsKey);
        for (int g : new ArrayList<>(ended.keySet())) {
            int next = ended.get(g);
            for (int hops = 0; next != 0 && ended.containsKey(next) && hops < ended.size(); hops++) {
                next = ended.get(next);
            }
            for (Mount o : inOrder(slaves.get(g))) {
                setMaster(o, next == o.group ? 0 : next);
            }
        }
    }

    private void detachMount(Mount x) {
        unlist(x);
        x.ns = null;
    }

    /** Every mount that receives propagation from {@code p}: its peers, their slaves, and so on. */
    private List<Mount> receivers(Mount p) {
        List<Mount> out = new ArrayList<>();
        Deque<Integer> groups = new ArrayDeque<>();
        Set<Integer> seen = new HashSet<>();
        if (p.group != 0) {
            groups.add(p.group);
            seen.add(p.group);
            for (Mount o : inOrder(peers.get(p.group))) {
                if (o != p && !o.ns.anonymous) {
                    out.add(o);
                }
            }
        }
        while (!groups.isEmpty()) {
            int g = groups.poll();
            for (Mount o : inOrder(slaves.get(g))) {
                if (!o.ns.anonymous) {
                    out.add(o);
                    if (o.group != 0 && seen.add(o.group)) {
                        groups.add(o.group);
                        for (Mount peer : inOrder(peers.get(o.group))) {
                            if (peer != o && peer.master != g && !out.contains(peer)
                                    && !peer.ns.anonymous) {
                                out.add(peer);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** chdir(2) in {@code ns}. */
    public void chdir(Namespace ns, String path) {
        ns.cwd = absolute(ns, path);
    }

    /**
     * pivot_root(new_root, put_old) (pivot_root(2); fs/namespace.c): the mount at
     * {@code newRoot} becomes the namespace's root and the old root is mounted at
     * {@code putOld}. The kernel refuses (EINVAL) when {@code newRoot} is not a mount point,
     * when the mount at {@code putOld}, the parent of the new root, or the current root is
     * shared, because the moves would otherwise propagate.
     */
    public void pivotRoot(Namespace ns, String newRoot, String putOld) {
        String nr = absolute(ns, newRoot);
        String po = absolute(ns, putOld);
        Resolved n = resolve(ns, nr);
        Resolved o = resolve(ns, po);
        Mount oldRoot = ns.root;
        Mount newMnt = n.mount;
        if (!n.dentry.equals(newMnt.root)) {
            throw new Refused("EINVAL", "new_root " + nr + " is not a mount point (pivot_root(2))");
        }
        if (newMnt == oldRoot) {
            throw new Refused("EBUSY", "new_root " + nr + " is the current root (pivot_root(2))");
        }
        if (!MountTable.isPrefix(nr, po)) {
            throw new Refused("EINVAL", "put_old " + po + " is not at or under new_root " + nr + " (pivot_root(2))");
        }
        if (o.mount.group != 0) {
            throw new Refused("EINVAL", "the mount at put_old " + path(o.mount) + " is shared (shared:"
                    + o.mount.group + "); pivot_root(2) refuses a shared put_old");
        }
        if (newMnt.parent != null && newMnt.parent.group != 0) {
            throw new Refused("EINVAL", "the parent of new_root, the mount at " + path(newMnt.parent)
                    + ", is shared (shared:" + newMnt.parent.group + "); pivot_root(2) refuses it");
        }
        if (oldRoot.group != 0) {
            throw new Refused("EINVAL", "the current root is shared (shared:" + oldRoot.group
                    + "); pivot_root(2) refuses it");
        }
        boolean cwdAtNewRoot = ns.cwd.equals(nr);
        // detach new_mnt from where it was; it becomes the root
        link(newMnt, null, newMnt.root);
        ns.root = newMnt;
        ns.taskRoot = newMnt;
        // mount the old root on put_old (its dentry in the mount that held it)
        link(oldRoot, o.mount, o.dentry);
        prepend(newMnt);
        // pivot_root moves every task whose root or cwd was the old root; a cwd at the new root
        // is "/" of the new view
        ns.cwd = cwdAtNewRoot ? "/" : ns.cwd;
        events.add(new Event("pivot_root", ns, nr, newMnt.fsType, newMnt.id, null, "", cause));
    }

    // ---------------------------------------------------------------------------------------
    // Paths

    private record Resolved(Mount mount, String dentry) {
    }

    private String absolute(Namespace ns, String path) {
        return MountTable.normalize(path.startsWith("/") ? path : ns.cwd + "/" + path);
    }

    /**
     * Path lookup as the kernel does it, mount by mount: at each component, cross into the
     * topmost mount on that directory. Symlinks and {@code ..} are not followed (the planner
     * refuses targets with symlinks).
     */
    private Resolved resolve(Namespace ns, String path) {
        if (ns.root == null) {
            throw new Refused("ENOENT", "namespace " + ns.name + " has no mounts");
        }
        String p = absolute(ns, path);
        // A walk starts at the process's root and crosses mounts at each component it steps
        // into, not on the starting point (fs/namei.c path_init, step_into): a mount stacked on
        // "/" after the namespace was made hides nothing below "/" from an absolute path (fuzz
        // seed 4093: a bind propagated onto the sandbox's "/"). A path with no component is
        // taken at the top of the stack, as umount2(2)'s LOOKUP_MOUNTPOINT does.
        Mount start = ns.taskRoot != null && ns.taskRoot.ns == ns ? ns.taskRoot : up(ns.root, ns.root.root);
        Mount cur = p.equals("/") ? up(start, start.root) : start;
        String dentry = cur.root;
        for (String c : p.substring(1).split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            dentry = join(dentry, "/" + c);
            Mount on = childAt(cur, dentry);
            if (on != null) {
                cur = up(on, on.root);
                dentry = cur.root;
            }
        }
        return new Resolved(cur, dentry);
    }

    /** Follows mounts stacked on {@code m}'s root to the topmost. */
    private Mount up(Mount m, String dentry) {
        Mount cur = m;
        Mount on = childAt(cur, cur.root);
        while (on != null) {
            cur = on;
            on = childAt(cur, cur.root);
        }
        return cur;
    }

    /** The first listed mount on {@code dentry} of {@code m}, as a scan of the list would find it. */
    private Mount childAt(Mount m, String dentry) {
        return childAt(m, dentry, null);
    }

    /** The same, passing over {@code except}. */
    private Mount childAt(Mount m, String dentry, Mount except) {
        for (Mount c : childrenAt(m, dentry)) {
            if (c != except) {
                return c;
            }
        }
        return null;
    }

    /** The listed mounts on {@code dentry} of {@code m}, in the list's order; do not change it. */
    private List<Mount> childrenAt(Mount m, String dentry) {
        if (m.children == null) {
            return List.of();
        }
        List<Mount> stack = m.children.at.get(dentry);
        return stack == null ? List.of() : stack;
    }

    /** The listed mounts whose parent is {@code m}, in the list's order (a copy). */
    private List<Mount> children(Mount m) {
        return m.children == null ? new ArrayList<>() : new ArrayList<>(m.children.all);
    }

    /** {@code m} and every mount below it, parents before children. */
    private List<Mount> tree(Mount m) {
        List<Mount> out = new ArrayList<>();
        Deque<Mount> todo = new ArrayDeque<>();
        todo.add(m);
        // The index cannot loop, but a parent chain changed by a rule modelled wrongly could:
        // each mount is listed once.
        Set<Mount> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Mount x = todo.poll();
            if (!seen.add(x)) {
                continue;
            }
            out.add(x);
            if (x.children != null) {
                todo.addAll(x.children.all);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // The list of mounts and the index of each mount's children
    //
    // Invariant: c is in p.children (in all, and in at under c.mountpoint) exactly when c is
    // listed and c.parent == p; both keep the list's order. c is in peers.get(g) exactly when c
    // is listed and c.group == g != 0, and in slaves.get(g) when c.master == g != 0. So a
    // mount's parent, mount point, place in the list, group and master change only through
    // link, append, prepend, unlist, setGroup and setMaster.

    /** A mount's listed children: all of them, and those on each directory of it. */
    private static final class Children {
        final TreeSet<Mount> all = new TreeSet<>(PropagationModel::bySeq);
        final Map<String, List<Mount>> at = new HashMap<>();
    }

    private static int bySeq(Mount a, Mount b) {
        return Long.compare(a.seq, b.seq);
    }

    /** Puts {@code m} on {@code dentry} of {@code parent} ({@code null}: on nothing), where it is in the list. */
    private void link(Mount m, Mount parent, String dentry) {
        unindex(m);
        m.parent = parent;
        m.mountpoint = dentry;
        index(m);
    }

    /** Lists {@code m} last, or moves it there. */
    private void append(Mount m) {
        unlist(m);
        m.seq = ++lastSeq;
        list(m);
    }

    /** Lists {@code m} first, or moves it there. */
    private void prepend(Mount m) {
        unlist(m);
        m.seq = --firstSeq;
        list(m);
    }

    /** Takes {@code m} off the list (and so out of its parent's index); its parent stays recorded. */
    private void unlist(Mount m) {
        if (!m.listed) {
            return;
        }
        unindex(m);
        leave(peers, m.group, m);
        leave(slaves, m.master, m);
        m.listed = false;
    }

    private void list(Mount m) {
        m.listed = true;
        index(m);
        join(peers, m.group, m);
        join(slaves, m.master, m);
    }

    /** Puts {@code m} in peer group {@code group} (0: none). */
    private void setGroup(Mount m, int group) {
        if (m.listed) {
            leave(peers, m.group, m);
            join(peers, group, m);
        }
        m.group = group;
    }

    /** Makes {@code m} a slave of peer group {@code master} (0: of none). */
    private void setMaster(Mount m, int master) {
        if (m.listed) {
            leave(slaves, m.master, m);
            join(slaves, master, m);
        }
        m.master = master;
    }

    private static void join(Map<Integer, Set<Mount>> index, int group, Mount m) {
        if (group != 0) {
            index.computeIfAbsent(group, g -> Collections.newSetFromMap(new IdentityHashMap<>())).add(m);
        }
    }

    private static void leave(Map<Integer, Set<Mount>> index, int group, Mount m) {
        Set<Mount> members = group == 0 ? null : index.get(group);
        if (members != null) {
            members.remove(m);
            if (members.isEmpty()) {
                index.remove(group);
            }
        }
    }

    /** The mounts of an index entry (may be {@code null}) in the list's order: a copy. */
    private static List<Mount> inOrder(Set<Mount> members) {
        if (members == null) {
            return List.of();
        }
        List<Mount> out = new ArrayList<>(members);
        out.sort(PropagationModel::bySeq);
        return out;
    }

    private void index(Mount c) {
        if (!c.listed || c.parent == null) {
            return;
        }
        if (c.parent.children == null) {
            c.parent.children = new Children();
        }
        Children k = c.parent.children;
        k.all.add(c);
        List<Mount> stack = k.at.computeIfAbsent(c.mountpoint, d -> new ArrayList<>(1));
        int i = stack.size();
        while (i > 0 && stack.get(i - 1).seq > c.seq) {
            i--;
        }
        stack.add(i, c);
    }

    private void unindex(Mount c) {
        if (!c.listed || c.parent == null || c.parent.children == null) {
            return;
        }
        Children k = c.parent.children;
        k.all.remove(c);
        List<Mount> stack = k.at.get(c.mountpoint);
        if (stack != null) {
            stack.remove(c);
            if (stack.isEmpty()) {
                k.at.remove(c.mountpoint);
            }
        }
    }

    private int newGroup() {
        return nextGroup++;
    }

    /** {@code path} relative to {@code base} ("" or "/x/y"), or {@code null} when outside it. */
    static String relative(String path, String base) {
        if (base.equals("/")) {
            return path.equals("/") ? "" : path;
        }
        if (path.equals(base)) {
            return "";
        }
        if (path.startsWith(base) && path.charAt(base.length()) == '/') {
            return path.substring(base.length());
        }
        return null;
    }

    static String join(String base, String rel) {
        if (rel == null || rel.isEmpty() || rel.equals("/")) {
            return base;
        }
        String r = rel.startsWith("/") ? rel : "/" + rel;
        return base.equals("/") ? r : base + r;
    }

    /** Debugging aid: the namespace's table as text. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Namespace ns : namespaces) {
            sb.append("== ").append(ns.name).append('\n');
            if (ns.root != null) {
                sb.append(table(ns).toText());
            }
        }
        return sb.toString();
    }
}
