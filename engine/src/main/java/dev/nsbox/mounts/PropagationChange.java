package dev.nsbox.mounts;

import dev.nsbox.mounts.MountGraph.Resolved;

import java.util.List;

/**
 * The kernel's rules for a change of propagation type (mount --make-shared and the like:
 * fs/namespace.c do_change_type, fs/pnode.c change_mnt_propagation and do_make_slave;
 * sharedsubtree.rst 2). A change of propagation never propagates itself.
 *
 * <p>Not thread-safe; part of one {@link PropagationModel}. Never touches the host.
 */
final class PropagationChange {

    private final MountGraph graph;

    PropagationChange(MountGraph graph) {
        this.graph = graph;
    }

    /**
     * mount --make-{shared,private,slave,unbindable} (recursive with {@code recursive}) on the
     * mount at {@code path}, which must be a mount point (EINVAL otherwise). Propagation
     * changes themselves never propagate.
     */
    void setPropagation(MountNamespace ns, String path, PropagationType type, boolean recursive) {
        Resolved r = graph.resolve(ns, path);
        if (!r.dentry().equals(r.mount().root)) {
            throw new Refused("EINVAL", path + " is not a mount point; a propagation change needs one "
                    + "(fs/namespace.c do_change_type: path_mounted)");
        }
        setPropagation(r.mount(), type, recursive);
    }

    /** The same on a mount (and, with {@code recursive}, every mount below it). */
    void setPropagation(Mount mount, PropagationType type, boolean recursive) {
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
}
