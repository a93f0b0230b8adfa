package dev.nsbox.plan;

import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Root;
import dev.nsbox.spec.RootType;

import java.util.List;

/**
 * Plans the sandbox's root. A host root is the host's tree, made read-only when the spec says
 * so. A tmpfs or dir root is built on a staging directory of the host's tree, and every mount
 * of the spec is made beneath it ({@link #actual}) until pivot_root(2) makes it {@code /}.
 *
 * <p>Mutable, private to one planning: it learns the staging directory in {@link #attach}.
 */
final class RootMount {

    /** Directories tried, in order, for the staging tmpfs of a tmpfs or dir root (as bwrap uses /tmp). */
    static final List<String> STAGING_CANDIDATES = List.of("/tmp", "/run", "/mnt", "/var/tmp");

    private final PlanDraft draft;
    private final Root root;
    private int tree = -1;
    private String staging;

    RootMount(PlanDraft draft) {
        this.draft = draft;
        this.root = draft.spec.root();
    }

    /**
     * The root as the bottom layer of the sandbox's view, and, for a dir root, its detached
     * tree, opened with the other sources before any mount is made.
     */
    void enter() {
        switch (root.type()) {
            case HOST -> draft.view.push("/", SandboxView.Backing.host("/"));
            case TMPFS -> draft.view.push("/", SandboxView.Backing.scratch(false));
            case DIR -> draft.view.push("/", SandboxView.Backing.host(root.path()));
        }
        if (root.type() == RootType.DIR) {
            // A dir root's path is opened as written: the plan does not resolve it, and a
            // symlink on it (a "current" release folder, say) is a use, not a race.
            tree = draft.openTree(root.path(), Op.OpenTree.Lookup.FOLLOW, true, false, root.origins().of("path"));
        }
    }

    /**
     * Mounts the root where the spec's mounts will find it; {@code false}, with a diagnostic,
     * when a tmpfs or dir root finds no staging directory, and no mount can be planned.
     */
    boolean attach() {
        switch (root.type()) {
            case HOST -> {
                if (root.readOnly()) {
                    // Before the spec's mounts, so that writable binds made on top stay writable.
                    Origin o = root.origins().of("readOnly");
                    draft.add(new Op.SetAttr(-1, "/", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, o));
                    draft.expect(new Expectation("root", "/", null, true, true, null, o));
                }
            }
            case TMPFS -> {
                staging = stagingDir();
                if (staging == null) {
                    return false;
                }
                Origin o = root.origins().self();
                draft.add(new Op.Mount("tmpfs", staging, "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0755", o));
                draft.expect(new Expectation("root", "/", "tmpfs", root.readOnly(), false, null, o));
            }
            case DIR -> {
                staging = stagingDir();
                if (staging == null) {
                    return false;
                }
                Origin o = root.origins().self();
                if (root.readOnly()) {
                    draft.add(new Op.SetAttr(tree, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, o));
                }
                draft.add(new Op.MoveMount(tree, staging, o));
                draft.expect(new Expectation("root", "/", null, root.readOnly(), root.readOnly(), null, o));
            }
        }
        return true;
    }

    private String stagingDir() {
        for (String candidate : STAGING_CANDIDATES) {
            if (draft.host.kind(candidate) == HostView.Kind.DIRECTORY) {
                return candidate;
            }
        }
        draft.error(root.origins().of("type"), "root: a " + root.type().word()
                + " root is built on a staging tmpfs, and none of " + String.join(", ", STAGING_CANDIDATES)
                + " is a directory on this host");
        return null;
    }

    /** The path passed to the kernel for sandbox path {@code target}, before pivot_root. */
    String actual(String target) {
        if (root.type() == RootType.HOST || staging == null) {
            return target;
        }
        return target.equals("/") ? staging : staging + target;
    }

    /** Makes the staged root {@code /}, once every mount is made; nothing for a host root. */
    void pivot() {
        if (root.type() == RootType.HOST || staging == null) {
            return;
        }
        Origin ro = root.origins().self();
        if (root.type() == RootType.TMPFS && root.readOnly()) {
            draft.add(new Op.SetAttr(-1, staging, false, Flags.MOUNT_ATTR_RDONLY, 0, 0, ro));
        }
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching it
        // leaves the new root alone (the idiom runc uses). The tree is private by then,
        // so the umount cannot propagate to the host.
        draft.add(new Op.Chdir(staging, ro));
        draft.add(new Op.PivotRoot(".", ".", ro));
        draft.add(new Op.Umount(".", Flags.MNT_DETACH, ro));
        draft.add(new Op.Chdir("/", ro));
    }
}
