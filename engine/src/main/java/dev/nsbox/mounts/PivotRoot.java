package dev.nsbox.mounts;

import dev.nsbox.mounts.MountGraph.Resolved;

/**
 * The calls that move a process's root and working directory in the model: pivot_root(2)
 * (fs/namespace.c pivot_root), with the refusals that keep its moves from propagating, and
 * chdir(2), so that later relative paths resolve as they will.
 *
 * <p>Not thread-safe; part of one {@link PropagationModel}. Never touches the host.
 */
final class PivotRoot {

    private final MountGraph graph;

    PivotRoot(MountGraph graph) {
        this.graph = graph;
    }

    /**
     * pivot_root(new_root, put_old) (pivot_root(2); fs/namespace.c): the mount at
     * {@code newRoot} becomes the namespace's root and the old root is mounted at
     * {@code putOld}. The kernel refuses (EINVAL) when {@code newRoot} is not a mount point,
     * when the mount at {@code putOld}, the parent of the new root, or the current root is
     * shared, because the moves would otherwise propagate.
     */
    void pivotRoot(MountNamespace ns, String newRoot, String putOld) {
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
        graph.event(MountEvent.Kind.PIVOT_ROOT, ns, nr, newMnt, null, "");
    }

    /** chdir(2) in {@code ns}. */
    void chdir(MountNamespace ns, String path) {
        ns.cwd = graph.absolute(ns, path);
    }
}
