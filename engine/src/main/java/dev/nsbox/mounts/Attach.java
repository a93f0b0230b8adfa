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
import java.util.Set;

/**
 * The kernel's rules for adding a mount: a fresh filesystem, a bind (fs/namespace.c
 * do_loopback), a detached tree (open_tree(2)) and its move (move_mount(2), do_move_mount),
 * each attached by attach_recursive_mnt and propagated to every receiver by fs/pnode.c
 * propagate_mnt (sharedsubtree.rst 2a, 2b, 5b).
 *
 * <p>Not thread-safe; part of one {@link PropagationModel}. Never touches the host.
 */
final class Attach {

    /** sharedsubtree.rst 2a: the rule by which a mount on a shared mount reaches the peers. */
    static final String RULE_PEERS =
            "a mount on a shared mount propagates to every mount of its peer group (sharedsubtree.rst, 2a)";
    /** sharedsubtree.rst 2b. */
    static final String RULE_SLAVES =
            "a mount on a mount whose peer group has slaves propagates to each slave, and from a slave that is "
                    + "itself shared to that slave's peers (sharedsubtree.rst, 2b)";

    private final MountGraph graph;
    private final Clone clone;

    Attach(MountGraph graph, Clone clone) {
        this.graph = graph;
        this.clone = clone;
    }

    /** A fresh filesystem ({@code mount -t fstype source target}) on {@code target}. */
    Mount mountFresh(MountNamespace ns, String fsType, String source, String target) {
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
    Mount bind(MountNamespace ns, String source, String target, boolean recursive) {
        Mount tree = clone.cloneTree(ns, source, recursive);
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
    MountNamespace openTree(MountNamespace ns, String source, boolean recursive, String name) {
        Mount tree = clone.cloneTree(ns, source, recursive);
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
    void moveMount(MountNamespace tree, MountNamespace ns, String target) {
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
        graph.event(MountEvent.Kind.MOUNT, d.ns, graph.path(tree), tree, null, "");

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
            Mount copy = clone.copyTree(tree, Clone.How.SHARED, fresh);
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
                Mount copy = clone.copyTree(masterCopy, Clone.How.SLAVE, fresh);
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
                    Mount copy = first == null ? clone.copyTree(masterCopy, Clone.How.SLAVE_SHARED, fresh)
                            : clone.copyTree(first, Clone.How.SHARED, fresh);
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
            graph.event(MountEvent.Kind.MOUNT, m.ns, graph.path(m), m, via, rule);
        }
    }

    /** fs/pnode.c need_secondary: the receiver is not new, shows the directory, and is not in an anonymous namespace. */
    private boolean needSecondary(Mount m, String dentry) {
        return !m.ns.anonymous() && MountGraph.relative(dentry, m.root) != null;
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
}
