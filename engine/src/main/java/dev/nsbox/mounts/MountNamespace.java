package dev.nsbox.mounts;

/**
 * A mount namespace of the model: the host's, the sandbox's, another, or the anonymous
 * namespace of a detached tree (open_tree(2)).
 */
public final class MountNamespace {
    private final String name;
    private final boolean anonymous;
    Mount root;
    // The mount a process's root directory is on (fs->root), fixed when the namespace is
    // made and by pivot_root(2): a mount later stacked on "/" does not move it.
    Mount taskRoot;
    int rootParentId = -1;
    String cwd = "/";

    MountNamespace(String name, boolean anonymous) {
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
