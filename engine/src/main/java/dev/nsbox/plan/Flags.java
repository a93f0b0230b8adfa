package dev.nsbox.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Linux constants the plan speaks in, with their names, so that every operation can be
 * printed in C call syntax with flags by name ({@code MS_REC|MS_PRIVATE}). Values are those of
 * the x86_64 and generic uapi headers ({@code linux/mount.h}, {@code linux/sched.h},
 * {@code linux/fcntl.h}).
 *
 * <p>This is the one table: the planner builds flags from it, the executor passes them to the
 * kernel unchanged, and messages print them back by name.
 */
public final class Flags {

    private Flags() {
    }

    // mount(2) flags, linux/mount.h
    public static final long MS_RDONLY = 1L;
    public static final long MS_NOSUID = 2L;
    public static final long MS_NODEV = 4L;
    public static final long MS_NOEXEC = 8L;
    public static final long MS_SYNCHRONOUS = 16L;
    public static final long MS_REMOUNT = 32L;
    public static final long MS_MANDLOCK = 64L;
    public static final long MS_DIRSYNC = 128L;
    public static final long MS_NOSYMFOLLOW = 256L;
    public static final long MS_NOATIME = 1024L;
    public static final long MS_NODIRATIME = 2048L;
    public static final long MS_BIND = 4096L;
    public static final long MS_MOVE = 8192L;
    public static final long MS_REC = 16384L;
    public static final long MS_SILENT = 32768L;
    public static final long MS_UNBINDABLE = 1L << 17;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;
    public static final long MS_SHARED = 1L << 20;
    public static final long MS_RELATIME = 1L << 21;
    public static final long MS_STRICTATIME = 1L << 24;

    // clone(2) / unshare(2) flags, linux/sched.h
    public static final int CLONE_NEWTIME = 0x00000080;
    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWCGROUP = 0x02000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;

    // open_tree(2), move_mount(2), mount_setattr(2), fsmount(2); linux/mount.h, linux/fcntl.h
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_NO_AUTOMOUNT = 0x800;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int AT_RECURSIVE = 0x8000;
    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = 0x80000; // O_CLOEXEC
    public static final int MOVE_MOUNT_F_SYMLINKS = 0x01;
    public static final int MOVE_MOUNT_F_AUTOMOUNTS = 0x02;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    public static final int MOVE_MOUNT_T_SYMLINKS = 0x10;
    public static final int MOVE_MOUNT_T_AUTOMOUNTS = 0x20;
    public static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;

    public static final long MOUNT_ATTR_RDONLY = 0x00000001L;
    public static final long MOUNT_ATTR_NOSUID = 0x00000002L;
    public static final long MOUNT_ATTR_NODEV = 0x00000004L;
    public static final long MOUNT_ATTR_NOEXEC = 0x00000008L;
    public static final long MOUNT_ATTR__ATIME = 0x00000070L;
    public static final long MOUNT_ATTR_RELATIME = 0x00000000L;
    public static final long MOUNT_ATTR_NOATIME = 0x00000010L;
    public static final long MOUNT_ATTR_STRICTATIME = 0x00000020L;
    public static final long MOUNT_ATTR_NODIRATIME = 0x00000080L;
    public static final long MOUNT_ATTR_IDMAP = 0x00100000L;
    public static final long MOUNT_ATTR_NOSYMFOLLOW = 0x00200000L;

    // umount2(2)
    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int MNT_EXPIRE = 4;
    public static final int UMOUNT_NOFOLLOW = 8;

    /** mount(2) flags by name, in the order they are printed. */
    public static final Map<String, Long> MOUNT_FLAGS = table(
            "MS_RDONLY", MS_RDONLY, "MS_NOSUID", MS_NOSUID, "MS_NODEV", MS_NODEV, "MS_NOEXEC", MS_NOEXEC,
            "MS_SYNCHRONOUS", MS_SYNCHRONOUS, "MS_REMOUNT", MS_REMOUNT, "MS_MANDLOCK", MS_MANDLOCK,
            "MS_DIRSYNC", MS_DIRSYNC, "MS_NOSYMFOLLOW", MS_NOSYMFOLLOW, "MS_NOATIME", MS_NOATIME,
            "MS_NODIRATIME", MS_NODIRATIME, "MS_BIND", MS_BIND, "MS_MOVE", MS_MOVE, "MS_REC", MS_REC,
            "MS_SILENT", MS_SILENT, "MS_UNBINDABLE", MS_UNBINDABLE, "MS_PRIVATE", MS_PRIVATE,
            "MS_SLAVE", MS_SLAVE, "MS_SHARED", MS_SHARED, "MS_RELATIME", MS_RELATIME,
            "MS_STRICTATIME", MS_STRICTATIME);

    /** clone(2) namespace flags by name. */
    public static final Map<String, Long> CLONE_FLAGS = table(
            "CLONE_NEWNS", (long) CLONE_NEWNS, "CLONE_NEWCGROUP", (long) CLONE_NEWCGROUP,
            "CLONE_NEWUTS", (long) CLONE_NEWUTS, "CLONE_NEWIPC", (long) CLONE_NEWIPC,
            "CLONE_NEWUSER", (long) CLONE_NEWUSER, "CLONE_NEWPID", (long) CLONE_NEWPID,
            "CLONE_NEWNET", (long) CLONE_NEWNET, "CLONE_NEWTIME", (long) CLONE_NEWTIME);

    /** {@code MOUNT_ATTR_*} by name (mount_setattr(2)). */
    public static final Map<String, Long> MOUNT_ATTRS = table(
            "MOUNT_ATTR_RDONLY", MOUNT_ATTR_RDONLY, "MOUNT_ATTR_NOSUID", MOUNT_ATTR_NOSUID,
            "MOUNT_ATTR_NODEV", MOUNT_ATTR_NODEV, "MOUNT_ATTR_NOEXEC", MOUNT_ATTR_NOEXEC,
            "MOUNT_ATTR_NOATIME", MOUNT_ATTR_NOATIME, "MOUNT_ATTR_STRICTATIME", MOUNT_ATTR_STRICTATIME,
            "MOUNT_ATTR_NODIRATIME", MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_IDMAP", MOUNT_ATTR_IDMAP,
            "MOUNT_ATTR_NOSYMFOLLOW", MOUNT_ATTR_NOSYMFOLLOW);

    /** {@code AT_*} and {@code OPEN_TREE_*} flags by name. */
    public static final Map<String, Long> OPEN_TREE_FLAGS = table(
            "OPEN_TREE_CLONE", (long) OPEN_TREE_CLONE, "OPEN_TREE_CLOEXEC", (long) OPEN_TREE_CLOEXEC,
            "AT_SYMLINK_NOFOLLOW", (long) AT_SYMLINK_NOFOLLOW, "AT_NO_AUTOMOUNT", (long) AT_NO_AUTOMOUNT,
            "AT_EMPTY_PATH", (long) AT_EMPTY_PATH, "AT_RECURSIVE", (long) AT_RECURSIVE);

    /** {@code MOVE_MOUNT_*} flags by name. */
    public static final Map<String, Long> MOVE_MOUNT_FLAGS = table(
            "MOVE_MOUNT_F_SYMLINKS", (long) MOVE_MOUNT_F_SYMLINKS,
            "MOVE_MOUNT_F_AUTOMOUNTS", (long) MOVE_MOUNT_F_AUTOMOUNTS,
            "MOVE_MOUNT_F_EMPTY_PATH", (long) MOVE_MOUNT_F_EMPTY_PATH,
            "MOVE_MOUNT_T_SYMLINKS", (long) MOVE_MOUNT_T_SYMLINKS,
            "MOVE_MOUNT_T_AUTOMOUNTS", (long) MOVE_MOUNT_T_AUTOMOUNTS,
            "MOVE_MOUNT_T_EMPTY_PATH", (long) MOVE_MOUNT_T_EMPTY_PATH);

    /** umount2(2) flags by name. */
    public static final Map<String, Long> UMOUNT_FLAGS = table(
            "MNT_FORCE", (long) MNT_FORCE, "MNT_DETACH", (long) MNT_DETACH, "MNT_EXPIRE", (long) MNT_EXPIRE,
            "UMOUNT_NOFOLLOW", (long) UMOUNT_NOFOLLOW);

    /**
     * Prints {@code flags} by name using {@code table}, {@code |}-separated, with any bits the
     * table does not know appended in hex; {@code 0} for none.
     */
    public static String names(long flags, Map<String, Long> table) {
        if (flags == 0) {
            return "0";
        }
        List<String> parts = new ArrayList<>();
        long rest = flags;
        for (Map.Entry<String, Long> e : table.entrySet()) {
            long bit = e.getValue();
            if (bit != 0 && (flags & bit) == bit && (rest & bit) != 0) {
                parts.add(e.getKey());
                rest &= ~bit;
            }
        }
        if (rest != 0) {
            parts.add("0x" + Long.toHexString(rest));
        }
        return String.join("|", parts);
    }

    private static Map<String, Long> table(Object... kv) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Long) kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
