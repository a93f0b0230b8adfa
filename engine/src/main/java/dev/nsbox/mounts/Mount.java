package dev.nsbox.mounts;

import java.util.ArrayList;
import java.util.List;

/**
 * A mount of the model, kept the way the kernel keeps one (struct mount): a parent, the
 * directory of the parent's filesystem it sits on, the directory of its own filesystem that is
 * its root, a peer group (0 when not shared), the peer group it is a slave of (0 when not a
 * slave), and the unbindable mark. Its state is read through {@link PropagationModel#table}.
 *
 * <p>Its parent, mount point, place in the list, group and master are changed only by
 * {@link MountGraph}, which keeps its indexes in step with them.
 */
public final class Mount {
    final int id;
    MountNamespace ns;
    Mount parent;
    String mountpoint;      // directory of the parent's filesystem this mount sits on
    final String root;      // directory of its own filesystem that is its root
    final String fs;        // identity of the filesystem (major:minor, or new:N)
    final int major;
    final int minor;
    final String fsType;
    final String source;
    final String superOptions;
    List<String> options;
    int group;
    int master;
    boolean unbindable;
    final String origin;    // what made it: "host", or the label of an operation
    // Its place in the graph's list of mounts: the list is the listed mounts in the order of
    // seq, and only a listed mount is in its parent's and its groups' indexes.
    long seq;
    boolean listed;
    // This mount's listed children, in the list's order; null until it has one.
    MountGraph.Children children;

    Mount(int id, String root, String fs, int major, int minor, String fsType, String source,
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

    public MountNamespace namespace() {
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
