package dev.nsbox.mounts;

import java.util.List;
import java.util.Objects;

/**
 * A simulation of mount namespaces and the kernel's shared-subtree rules
 * (Documentation/filesystems/sharedsubtree.rst; fs/namespace.c, fs/pnode.c), deterministic
 * and without I/O: it is loaded from {@link MountTable}s, operations are applied to it, and it
 * reports every mount and unmount that each operation caused in each namespace.
 *
 * <p>This class is the model's one entry point. The mounts and their indexes are a
 * {@link MountGraph}; each family of the kernel's rules is a class of its own, named for what
 * it does: {@link Clone} (clone_mnt, copy_tree, copy_mnt_ns), {@link Attach} (mount, bind,
 * open_tree, move_mount and propagate_mnt), {@link Umount} (umount2 and propagate_umount),
 * {@link PivotRoot} (pivot_root and chdir) and {@link PropagationChange} (do_change_type).
 *
 * <p>Not thread-safe; a model belongs to one computation. Never touches the host.
 */
public final class PropagationModel {

    private final Kernel kernel;
    private final MountGraph graph = new MountGraph();
    private final Clone clone;
    private final Attach attach;
    private final Umount umount;
    private final PivotRoot pivotRoot;
    private final PropagationChange change;

    public PropagationModel(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.clone = new Clone(graph, kernel);
        this.attach = new Attach(graph, clone);
        this.umount = new Umount(graph);
        this.pivotRoot = new PivotRoot(graph);
        this.change = new PropagationChange(graph);
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

    /** The detached tree's root mount, or {@code null} once it has been moved. */
    public Mount treeRoot(MountNamespace tree) {
        return tree.root;
    }

    /** Sets the label that events caused from now on carry ({@code mounts[3]}). */
    public void cause(String label) {
        graph.cause(label);
    }

    // ---------------------------------------------------------------------------------------
    // Operations: each is the kernel's rule in the class named

    /**
     * unshare(CLONE_NEWNS) from {@code from}: the new namespace gets a copy of every mount
     * (fs/namespace.c copy_mnt_ns); shared mounts are copied as slaves when
     * {@code newUserNamespace}. See {@link Clone#unshare}.
     */
    public MountNamespace unshare(MountNamespace from, String name, boolean newUserNamespace) {
        return clone.unshare(from, name, newUserNamespace);
    }

    /**
     * mount --make-{shared,private,slave,unbindable} (recursive with {@code recursive}) on the
     * mount at {@code path}, which must be a mount point.
     *
     * @throws Refused EINVAL when {@code path} is not a mount point
     */
    public void setPropagation(MountNamespace ns, String path, PropagationType type, boolean recursive) {
        change.setPropagation(ns, path, type, recursive);
    }

    /** The same on a mount (and, with {@code recursive}, every mount below it). */
    public void setPropagation(Mount mount, PropagationType type, boolean recursive) {
        change.setPropagation(mount, type, recursive);
    }

    /** A fresh filesystem ({@code mount -t fstype source target}) on {@code target}; see {@link Attach}. */
    public Mount mountFresh(MountNamespace ns, String fsType, String source, String target) {
        return attach.mountFresh(ns, fsType, source, target);
    }

    /**
     * mount --bind / --rbind {@code source} {@code target} (fs/namespace.c do_loopback).
     *
     * @throws Refused EINVAL when the source mount is unbindable (sharedsubtree.rst 5b)
     */
    public Mount bind(MountNamespace ns, String source, String target, boolean recursive) {
        return attach.bind(ns, source, target, recursive);
    }

    /** open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]): the clone a bind would make, left detached. */
    public MountNamespace openTree(MountNamespace ns, String source, boolean recursive, String name) {
        return attach.openTree(ns, source, recursive, name);
    }

    /**
     * move_mount(2) of a detached tree onto {@code target}.
     *
     * @throws Refused EINVAL when the target's mount is shared and the tree holds an unbindable
     *                 mount (fs/namespace.c do_move_mount), or the tree is gone
     */
    public void moveMount(MountNamespace tree, MountNamespace ns, String target) {
        attach.moveMount(tree, ns, target);
    }

    /**
     * umount2(target, MNT_DETACH when {@code detach}), propagated to every receiver
     * (fs/pnode.c propagate_umount; sharedsubtree.rst 5c).
     *
     * @throws Refused EINVAL when {@code target} is not a mount point or is the root; EBUSY
     *                 when it has submounts and {@code detach} is false
     */
    public void umount(MountNamespace ns, String target, boolean detach) {
        umount.umount(ns, target, detach);
    }

    /** chdir(2) in {@code ns}. */
    public void chdir(MountNamespace ns, String path) {
        pivotRoot.chdir(ns, path);
    }

    /**
     * pivot_root(new_root, put_old) (pivot_root(2)).
     *
     * @throws Refused EINVAL or EBUSY as pivot_root(2) would; see {@link PivotRoot}
     */
    public void pivotRoot(MountNamespace ns, String newRoot, String putOld) {
        pivotRoot.pivotRoot(ns, newRoot, putOld);
    }

    /** Debugging aid: every namespace's table as text. */
    @Override
    public String toString() {
        return graph.toString();
    }
}
