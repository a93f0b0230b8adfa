package dev.nsbox.mounts;

import dev.nsbox.mounts.MountGraph.Resolved;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's rules for removing a mount: umount2(2) (fs/namespace.c do_umount, umount_tree)
 * and its propagation to every receiver (fs/pnode.c propagate_umount, with the toppers it
 * leaves in place: find_topper, mnt_change_mountpoint; sharedsubtree.rst 5c).
 *
 * <p>Not thread-safe; part of one {@link PropagationModel}. Never touches the host.
 */
final class Umount {

    /** umount propagation. */
    static final String RULE_UMOUNT =
            "an unmount under a shared mount propagates to the matching mount of every peer and slave that has "
                    + "nothing mounted on it (sharedsubtree.rst, 5c)";

    private final MountGraph graph;

    Umount(MountGraph graph) {
        this.graph = graph;
    }

    /**
     * umount2(target, MNT_DETACH when {@code detach}): removes the mount at {@code target} (with
     * everything below it when detaching; EBUSY without, if it has submounts), and, where its
     * parent is shared or has slaves, the matching mount of every mount that receives
     * propagation from the parent, unless something else is mounted on it (fs/pnode.c
     * propagate_umount; sharedsubtree.rst 5c).
     */
    void umount(MountNamespace ns, String target, boolean detach) {
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
        graph.event(MountEvent.Kind.UMOUNT, ns, path, m, null, "");
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
            graph.event(MountEvent.Kind.UMOUNT, c.ns, graph.path(c), c, vias.get(i), RULE_UMOUNT);
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
}
