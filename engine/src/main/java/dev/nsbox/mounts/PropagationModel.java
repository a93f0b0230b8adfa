package dev.nsbox.mounts;

import dev.nsbox.mounts.MountGraph.Resolved;

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
    private final MountGraph graph = new MountGraph();

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
    public MountNamespace load(String name, MountTable table) {
        return graph.load(name, table);
    }

    /** The namespace's mounts as mountinfo would show them, in the kernel's order (parents first). */
    public MountTable table(MountNamespace ns) {
        return graph.table(ns);
    }

    /** Every namespace of the model, in the order they were made. */
    public List<MountNamespace> namespaces() {
        return graph.namespaces();
    }

    /** Every event since the model was made, in order. */
    public List<MountEvent> events() {
        return graph.events();
    }

    /** The mount a process of {@code ns} sees at {@code path}, or {@code null}. */
    public Mount mountAt(MountNamespace ns, String path) {
        return graph.mountAt(ns, path);
    }

    /** The mount that holds {@code path} in {@code ns}. */
    public Mount covering(MountNamespace ns, String path) {
        return graph.resolve(ns, path).mount();
    }

    /**
     * The directory of its mount's own filesystem that {@code path} names in {@code ns} (the
     * mount is {@link #covering}): two paths with the same filesystem and directory are one
     * dentry, whatever mounts lead to them. Added for the planner's ENOENT checks; read only.
     */
    public String dentry(MountNamespace ns, String path) {
        return graph.resolve(ns, path).dentry();
    }

    /** The mount's mount point as its namespace's root sees it. */
    public String path(Mount m) {
        return graph.path(m);
    }

    /** Sets the label that events caused from now on carry ({@code mounts[3]}). */
    public void cause(String label) {
        graph.cause(label);
    }

    /** Debugging aid: every namespace's table as text. */
    @Override
    public String toString() {
        return graph.toString();
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
    public MountNamespace unshare(MountNamespace from, String name, boolean newUserNamespace) {
        MountNamespace ns = new MountNamespace(name, false);
        Map<Mount, Mount> copies = new IdentityHashMap<>();
        for (Mount m : graph.tree(from.root)) {
            Mount c = clone(m, m.root, newUserNamespace && m.group != 0 ? Clone.SLAVE : Clone.PLAIN);
            if (m.unbindable && !kernel.unbindableCopiedAsPrivate()) {
                c.unbindable = true;
            }
            c.ns = ns;
            graph.link(c, m.parent == null ? null : copies.get(m.parent), m.mountpoint);
            copies.put(m, c);
            graph.append(c);
        }
        ns.root = copies.get(from.root);
        ns.taskRoot = from.taskRoot == null ? null : copies.get(from.taskRoot);
        ns.cwd = from.cwd;
        graph.addNamespace(ns);
        return ns;
    }

    // ---------------------------------------------------------------------------------------
    // Propagation changes

    /**
     * mount --make-{shared,private,slave,unbindable} (recursive with {@code recursive}) on the
     * mount at {@code path}, which must be a mount point (EINVAL otherwise). Propagation
     * changes themselves never propagate.
     */
    public void setPropagation(MountNamespace ns, String path, PropagationType type, boolean recursive) {
        Resolved r = graph.resolve(ns, path);
        if (!r.dentry().equals(r.mount().root)) {
            throw new Refused("EINVAL", path + " is not a mount point; a propagation change needs one "
                    + "(fs/namespace.c do_change_type: path_mounted)");
        }
        setPropagation(r.mount(), type, recursive);
    }

    /** The same on a mount (and, with {@code recursive}, every mount below it). */
    public void setPropagation(Mount mount, PropagationType type, boolean recursive) {
        List<Mount> targets = recursive ? graph.tree(mount) : List.of(mount);
        for (Mount m : targets) {
            change(m, type);
        }
    }

    /** fs/pnode.c change_mnt_propagation. */
    private void change(Mount m, PropagationType type) {
        if (type == PropagationType.SHARED) {
            // set_mnt_shared: a new peer group unless it has one; the unbindable mark goes.
            if (m.group == 0) {
                graph.setGroup(m, graph.newGroup());
            }
            m.unbindable = false;
            return;
        }
        makeSlave(m);
        if (type != PropagationType.SLAVE) {
            graph.setMaster(m, 0);
            m.unbindable = type == PropagationType.UNBINDABLE;
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
        boolean otherPeers = graph.hasOtherPeer(m);
        graph.setGroup(m, 0);
        if (otherPeers) {
            graph.setMaster(m, g);
            return;
        }
        // The group dies with m: its slaves now receive from m's master, or from nothing.
        for (Mount o : graph.slavesInOrder(g)) {
            graph.setMaster(o, m.master);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Mounting

    /** A fresh filesystem ({@code mount -t fstype source target}) on {@code target}. */
    public Mount mountFresh(MountNamespace ns, String fsType, String source, String target) {
        Resolved r = graph.resolve(ns, target);
        int n = graph.newFs();
        Mount m = new Mount(graph.newId(), "/", "new:" + n, 0, 1000 + n, fsType, source == null ? "none" : source,
                "rw", List.of("rw"), graph.cause());
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
    public Mount bind(MountNamespace ns, String source, String target, boolean recursive) {
        Mount tree = cloneTree(ns, source, recursive);
        Resolved r = graph.resolve(ns, target);
        attach(tree, r);
        return tree;
    }

    /**
     * open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]): the same clone as {@link #bind}, left detached
     * in an anonymous namespace of its own. The clone of a shared mount is a member of its
     * peer group already, though nothing propagates into an anonymous namespace (fs/pnode.c
     * need_secondary).
     */
    public MountNamespace openTree(MountNamespace ns, String source, boolean recursive, String name) {
        Mount tree = cloneTree(ns, source, recursive);
        MountNamespace anon = new MountNamespace(name, true);
        anon.root = tree;
        for (Mount m : graph.tree(tree)) {
            m.ns = anon;
        }
        graph.addNamespace(anon);
        return anon;
    }

    /**
     * move_mount(2) of a detached tree onto {@code target}: attached as a bind would be, with
     * the propagation the tree has by then.
     *
     * @throws Refused EINVAL when the target's mount is shared and the tree holds an unbindable
     *                 mount (fs/namespace.c do_move_mount), or the tree is gone
     */
    public void moveMount(MountNamespace tree, MountNamespace ns, String target) {
        if (tree.root == null || !tree.anonymous()) {
            throw new Refused("EINVAL", "the detached tree " + tree.name() + " is not there any more");
        }
        Resolved r = graph.resolve(ns, target);
        Mount top = tree.root;
        if (r.mount().group != 0) {
            for (Mount m : graph.tree(top)) {
                if (m.unbindable) {
                    throw new Refused("EINVAL", "a tree that holds an unbindable mount cannot be moved onto the "
                            + "shared mount at " + graph.path(r.mount()) + " (fs/namespace.c do_move_mount)");
                }
            }
        }
        tree.root = null;
        graph.removeNamespace(tree);
        attach(top, r);
    }

    /** The detached tree's root mount, or {@code null} once it has been moved. */
    public Mount treeRoot(MountNamespace tree) {
        return tree.root;
    }

    private Mount cloneTree(MountNamespace ns, String source, boolean recursive) {
        Resolved s = graph.resolve(ns, source);
        if (s.mount().unbindable) {
            throw new Refused("EINVAL", "the mount at " + graph.path(s.mount()) + " is unbindable, and an unbindable "
                    + "mount cannot be bound (sharedsubtree.rst 5b; fs/namespace.c __do_loopback)");
        }
        Mount top = clone(s.mount(), s.dentry(), Clone.PLAIN);
        graph.link(top, null, top.root);
        graph.append(top);
        if (recursive) {
            copyChildren(s.mount(), s.dentry(), top, Clone.PLAIN, false);
        }
        return top;
    }

    /**
     * fs/namespace.c copy_tree: clones every mount below {@code from} whose mount point lies
     * under {@code dentry}, skipping unbindable ones and everything below them unless
     * {@code copyUnbindable} (sharedsubtree.rst 5b, rbind: "unbindable mounts are pruned").
     */
    private void copyChildren(Mount from, String dentry, Mount to, Clone how, boolean copyUnbindable) {
        for (Mount c : graph.children(from)) {
            if (MountGraph.relative(c.mountpoint, dentry) == null) {
                continue;
            }
            if (c.unbindable && !copyUnbindable) {
                continue;
            }
            Mount cc = clone(c, c.root, how);
            graph.link(cc, to, c.mountpoint);
            cc.ns = to.ns;
            graph.append(cc);
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
        Mount c = new Mount(graph.newId(), root, m.fs, m.major, m.minor, m.fsType, m.source, m.superOptions,
                m.options, graph.cause());
        c.ns = m.ns;
        switch (how) {
            case PLAIN -> {
                graph.setGroup(c, m.group);
                graph.setMaster(c, m.master);
            }
            case SLAVE -> graph.setMaster(c, m.group);
            case SLAVE_SHARED -> {
                graph.setMaster(c, m.group);
                graph.setGroup(c, graph.newGroup());
            }
            case SHARED -> {
                graph.setGroup(c, m.group != 0 ? m.group : graph.newGroup());
                graph.setMaster(c, m.master);
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
        Mount d = dest.mount();
        if (d.group != 0) {
            for (Mount m : graph.tree(tree)) {
                if (m.group == 0) {
                    graph.setGroup(m, graph.newGroup());
                }
                m.unbindable = false;
            }
        }
        Set<Mount> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        fresh.addAll(graph.tree(tree));
        place(tree, d, dest.dentry(), d.ns);
        graph.event("mount", d.ns, graph.path(tree), tree, null, "");

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
        for (Mount peer : graph.peersInOrder(d.group)) {
            if (peer != d && !fresh.contains(peer)) {
                peersOfD.add(peer);
            }
        }
        for (Mount peer : peersOfD) {
            if (!needSecondary(peer, dest.dentry())) {
                continue;
            }
            Mount copy = copyTree(tree, Clone.SHARED, fresh);
            place(copy, peer, dest.dentry(), peer.ns);
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
            for (Mount s : graph.slavesInOrder(g)) {
                if (!fresh.contains(s)) {
                    if (s.group != 0) {
                        slaveGroups.computeIfAbsent(s.group, k -> new ArrayList<>()).add(s);
                    } else {
                        loneSlaves.add(s);
                    }
                }
            }
            for (Mount s : loneSlaves) {
                if (!needSecondary(s, dest.dentry()) || masterCopy == null) {
                    continue;
                }
                Mount copy = copyTree(masterCopy, Clone.SLAVE, fresh);
                place(copy, s, dest.dentry(), s.ns);
                record(copy, "shared:" + g, RULE_SLAVES);
            }
            for (Map.Entry<Integer, List<Mount>> e : slaveGroups.entrySet()) {
                int h = e.getKey();
                if (!seen.add(h)) {
                    continue;
                }
                Mount first = null;
                for (Mount s : e.getValue()) {
                    if (!needSecondary(s, dest.dentry()) || masterCopy == null) {
                        continue;
                    }
                    Mount copy = first == null ? copyTree(masterCopy, Clone.SLAVE_SHARED, fresh)
                            : copyTree(first, Clone.SHARED, fresh);
                    if (first == null) {
                        first = copy;
                    }
                    place(copy, s, dest.dentry(), s.ns);
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
        for (Mount m : graph.tree(copy)) {
            if (m.id < copy.id) {
                continue;
            }
            graph.event("mount", m.ns, graph.path(m), m, via, rule);
        }
    }

    /** fs/pnode.c need_secondary: the receiver is not new, shows the directory, and is not in an anonymous namespace. */
    private boolean needSecondary(Mount m, String dentry) {
        return !m.ns.anonymous() && MountGraph.relative(dentry, m.root) != null;
    }

    /** copy_tree of a tree being propagated (never copies unbindable mounts: there are none by then). */
    private Mount copyTree(Mount src, Clone how, Set<Mount> fresh) {
        Mount top = clone(src, src.root, how);
        graph.link(top, null, top.root);
        graph.append(top);
        fresh.add(top);
        copyChildrenFresh(src, top, how, fresh);
        return top;
    }

    private void copyChildrenFresh(Mount from, Mount to, Clone how, Set<Mount> fresh) {
        for (Mount c : graph.children(from)) {
            Mount cc = clone(c, c.root, how);
            graph.link(cc, to, c.mountpoint);
            graph.append(cc);
            fresh.add(cc);
            copyChildrenFresh(c, cc, how, fresh);
        }
    }

    /**
     * Mounts {@code tree} on {@code parent} at {@code dentry}. A mount that is already there
     * (possible only on a receiver of propagation) is tucked on top of the new tree's root
     * (fs/namespace.c attach_recursive_mnt, mnt_change_mountpoint: "tuck mounts under others").
     */
    private void place(Mount tree, Mount parent, String dentry, MountNamespace ns) {
        Mount existing = graph.childAt(parent, dentry);
        graph.link(tree, parent, dentry);
        for (Mount m : graph.tree(tree)) {
            m.ns = ns;
        }
        if (existing != null) {
            Mount topOfTree = tree;
            for (Mount on = graph.childAt(topOfTree, topOfTree.root, existing); on != null;
                    on = graph.childAt(topOfTree, topOfTree.root, existing)) {
                topOfTree = on;
            }
            graph.link(existing, topOfTree, topOfTree.root);
        }
        // keep the kernel's order: a mount is listed after its parent
        graph.append(tree);
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
    public void umount(MountNamespace ns, String target, boolean detach) {
        Resolved r = graph.resolve(ns, target);
        Mount m = r.mount();
        if (!r.dentry().equals(m.root)) {
            throw new Refused("EINVAL", target + " is not a mount point");
        }
        if (m.parent == null) {
            throw new Refused("EINVAL", "the root of the namespace cannot be unmounted");
        }
        if (!detach && graph.hasChildren(m)) {
            throw new Refused("EBUSY", target + " has mounts below it");
        }
        List<Mount> set = graph.tree(m);
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
                for (Mount child : graph.childrenAt(q, x.mountpoint)) {
                    // A receiver reached from two unmounted mounts (peers of one another, both in
                    // the detached tree) is still unmounted once: propagate_umount marks it.
                    if (!gone.contains(child) && !propagated.contains(child)) {
                        propagated.add(child);
                        vias.add("shared:" + (p.group != 0 ? p.group : q.master));
                    }
                }
            }
        }
        String path = graph.path(m);
        graph.event("umount", ns, path, m, null, "");
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
                for (Mount k : graph.children(c)) {
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
            graph.event("umount", c.ns, graph.path(c), c, vias.get(i), RULE_UMOUNT);
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
                graph.link(topper, place.parent, place.mountpoint);
            }
        }
        // Every topper is in its new place before any unmounted tree is taken away.
        for (Mount c : candidates) {
            for (Mount x : graph.tree(c)) {
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
        for (Mount ch : graph.children(k)) {
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
        ended.keySet().removeIf(graph::hasPeers);
        for (int g : new ArrayList<>(ended.keySet())) {
            int next = ended.get(g);
            for (int hops = 0; next != 0 && ended.containsKey(next) && hops < ended.size(); hops++) {
                next = ended.get(next);
            }
            for (Mount o : graph.slavesInOrder(g)) {
                graph.setMaster(o, next == o.group ? 0 : next);
            }
        }
    }

    private void detachMount(Mount x) {
        graph.unlist(x);
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
            for (Mount o : graph.peersInOrder(p.group)) {
                if (o != p && !o.ns.anonymous()) {
                    out.add(o);
                }
            }
        }
        while (!groups.isEmpty()) {
            int g = groups.poll();
            for (Mount o : graph.slavesInOrder(g)) {
                if (!o.ns.anonymous()) {
                    out.add(o);
                    if (o.group != 0 && seen.add(o.group)) {
                        groups.add(o.group);
                        for (Mount peer : graph.peersInOrder(o.group)) {
                            if (peer != o && peer.master != g && !out.contains(peer)
                                    && !peer.ns.anonymous()) {
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
    public void chdir(MountNamespace ns, String path) {
        ns.cwd = graph.absolute(ns, path);
    }

    /**
     * pivot_root(new_root, put_old) (pivot_root(2); fs/namespace.c): the mount at
     * {@code newRoot} becomes the namespace's root and the old root is mounted at
     * {@code putOld}. The kernel refuses (EINVAL) when {@code newRoot} is not a mount point,
     * when the mount at {@code putOld}, the parent of the new root, or the current root is
     * shared, because the moves would otherwise propagate.
     */
    public void pivotRoot(MountNamespace ns, String newRoot, String putOld) {
        String nr = graph.absolute(ns, newRoot);
        String po = graph.absolute(ns, putOld);
        Resolved n = graph.resolve(ns, nr);
        Resolved o = graph.resolve(ns, po);
        Mount oldRoot = ns.root;
        Mount newMnt = n.mount();
        if (!n.dentry().equals(newMnt.root)) {
            throw new Refused("EINVAL", "new_root " + nr + " is not a mount point (pivot_root(2))");
        }
        if (newMnt == oldRoot) {
            throw new Refused("EBUSY", "new_root " + nr + " is the current root (pivot_root(2))");
        }
        if (!MountTable.isPrefix(nr, po)) {
            throw new Refused("EINVAL", "put_old " + po + " is not at or under new_root " + nr + " (pivot_root(2))");
        }
        if (o.mount().group != 0) {
            throw new Refused("EINVAL", "the mount at put_old " + graph.path(o.mount()) + " is shared (shared:"
                    + o.mount().group + "); pivot_root(2) refuses a shared put_old");
        }
        if (newMnt.parent != null && newMnt.parent.group != 0) {
            throw new Refused("EINVAL", "the parent of new_root, the mount at " + graph.path(newMnt.parent)
                    + ", is shared (shared:" + newMnt.parent.group + "); pivot_root(2) refuses it");
        }
        if (oldRoot.group != 0) {
            throw new Refused("EINVAL", "the current root is shared (shared:" + oldRoot.group
                    + "); pivot_root(2) refuses it");
        }
        boolean cwdAtNewRoot = ns.cwd.equals(nr);
        // detach new_mnt from where it was; it becomes the root
        graph.link(newMnt, null, newMnt.root);
        ns.root = newMnt;
        ns.taskRoot = newMnt;
        // mount the old root on put_old (its dentry in the mount that held it)
        graph.link(oldRoot, o.mount(), o.dentry());
        graph.prepend(newMnt);
        // pivot_root moves every task whose root or cwd was the old root; a cwd at the new root
        // is "/" of the new view
        ns.cwd = cwdAtNewRoot ? "/" : ns.cwd;
        graph.event("pivot_root", ns, nr, newMnt, null, "");
    }
}
