package dev.nsbox.mounts;

import dev.nsbox.mounts.MountGraph.Resolved;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's copies of mounts: clone_mnt (one mount), copy_tree (a mount and those below
 * it) and copy_mnt_ns (every mount of a namespace, for unshare(CLONE_NEWNS)), in fs/namespace.c.
 * A copy's peer group and master follow from how it is made ({@link How}); where it is attached
 * and what propagates from it is for {@link Attach}.
 *
 * <p>Not thread-safe; part of one {@link PropagationModel}. Never touches the host.
 */
final class Clone {

    /**
     * The clone_mnt flags the model uses. PLAIN (flag 0): a shared original's clone joins its
     * group, a slave's clone has the same master. SLAVE (CL_SLAVE, CL_SHARED_TO_SLAVE): a slave
     * of the original's group. SHARED (CL_MAKE_SHARED): in the original's group, or a new one.
     * SLAVE_SHARED: a slave of the original's group, in a new group of its own.
     */
    enum How { PLAIN, SLAVE, SLAVE_SHARED, SHARED }

    private final MountGraph graph;
    private final Kernel kernel;

    Clone(MountGraph graph, Kernel kernel) {
        this.graph = graph;
        this.kernel = kernel;
    }

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
    MountNamespace unshare(MountNamespace from, String name, boolean newUserNamespace) {
        MountNamespace ns = new MountNamespace(name, false);
        Map<Mount, Mount> copies = new IdentityHashMap<>();
        for (Mount m : graph.tree(from.root)) {
            Mount c = clone(m, m.root, newUserNamespace && m.group != 0 ? How.SLAVE : How.PLAIN);
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

    /**
     * fs/namespace.c __do_loopback: the clone that a bind or open_tree(2) makes of the mount
     * holding {@code source}, rooted at its directory, with the mounts below it when
     * {@code recursive}; not yet attached anywhere.
     *
     * @throws Refused EINVAL when the source mount is unbindable (sharedsubtree.rst 5b)
     */
    Mount cloneTree(MountNamespace ns, String source, boolean recursive) {
        Resolved s = graph.resolve(ns, source);
        if (s.mount().unbindable) {
            throw new Refused("EINVAL", "the mount at " + graph.path(s.mount()) + " is unbindable, and an unbindable "
                    + "mount cannot be bound (sharedsubtree.rst 5b; fs/namespace.c __do_loopback)");
        }
        Mount top = clone(s.mount(), s.dentry(), How.PLAIN);
        graph.link(top, null, top.root);
        graph.append(top);
        if (recursive) {
            copyChildren(s.mount(), s.dentry(), top, How.PLAIN, false);
        }
        return top;
    }

    /**
     * fs/namespace.c copy_tree: clones every mount below {@code from} whose mount point lies
     * under {@code dentry}, skipping unbindable ones and everything below them unless
     * {@code copyUnbindable} (sharedsubtree.rst 5b, rbind: "unbindable mounts are pruned").
     */
    private void copyChildren(Mount from, String dentry, Mount to, How how, boolean copyUnbindable) {
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

    /** copy_tree of a tree being propagated (never copies unbindable mounts: there are none by then). */
    Mount copyTree(Mount src, How how, Set<Mount> fresh) {
        Mount top = clone(src, src.root, how);
        graph.link(top, null, top.root);
        graph.append(top);
        fresh.add(top);
        copyChildrenFresh(src, top, how, fresh);
        return top;
    }

    private void copyChildrenFresh(Mount from, Mount to, How how, Set<Mount> fresh) {
        for (Mount c : graph.children(from)) {
            Mount cc = clone(c, c.root, how);
            graph.link(cc, to, c.mountpoint);
            graph.append(cc);
            fresh.add(cc);
            copyChildrenFresh(c, cc, how, fresh);
        }
    }

    /**
     * fs/namespace.c clone_mnt: a copy of {@code m} rooted at directory {@code root} of its
     * filesystem, in the peer group and under the master that {@code how} gives it.
     */
    private Mount clone(Mount m, String root, How how) {
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
}
