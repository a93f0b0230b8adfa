package dev.nsbox.plan;

import dev.nsbox.spec.Origin;

import java.util.List;

/**
 * One operation of a plan: a system call (or a short, fixed sequence the executor performs as
 * one step), with every argument decided. Operations are applied in order on the sandbox's own
 * thread; {@link #call()} prints each exactly as it will be made, in C call syntax with flags
 * by name, which is what {@code nsbox plan} shows and what an error names.
 *
 * <p>Paths are the ones passed to the kernel at the time of the call: before pivot_root(2)
 * they include the staging directory of a tmpfs or dir root. Detached mount trees made by
 * {@link OpenTree} are referred to by a small {@code tree} number, not by a file descriptor
 * (the descriptor is only known at run time).
 *
 * <p>Immutable. Never touches the host.
 */
public sealed interface Op {

    /** The spec value this operation comes from; errors point here. */
    Origin origin();

    /** The call in C syntax, flags by name. */
    String call();

    /** {@code unshare(2)} of the namespaces in {@code flags} ({@code CLONE_NEW*}). */
    record Unshare(int flags, Origin origin) implements Op {
        public String call() {
            return "unshare(" + Flags.names(flags & 0xffffffffL, Flags.CLONE_FLAGS) + ")";
        }
    }

    /**
     * Starts the sandbox's supervisor (PID 1 of a new PID namespace, else a subreaper) with
     * {@code posix_spawn(3)}, working directory {@code /}. It waits until set-up is finished
     * before it runs any step, so that a {@code /proc} of its namespace is in place first.
     */
    record SpawnInit(boolean pidNamespace, Origin origin) implements Op {
        public String call() {
            return "posix_spawn(&init, \"nsbox-init\", {chdir(\"/\"), closefrom(5)}, {\"nsbox-init\", "
                    + (pidNamespace ? "\"--pid1\"" : "\"--subreaper\"") + "}, envp)";
        }
    }

    /** {@code mount("none", path, NULL, flags, NULL)} with a propagation flag (mount --make-*). */
    record SetPropagation(String path, long flags, Origin origin) implements Op {
        public String call() {
            return "mount(\"none\", " + q(path) + ", NULL, " + Flags.names(flags, Flags.MOUNT_FLAGS) + ", NULL)";
        }
    }

    /**
     * {@code open_tree(AT_FDCWD, source, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC[|AT_RECURSIVE])}: a
     * detached copy of the source, taken before any mount of the spec is made so that sources
     * name the host's view. An {@code optional} source that does not exist makes every later
     * operation on the same tree a no-op. {@link #lookup()} says whether the executor may follow
     * a symlink on the way; {@link #call()} prints the same call either way, since a path the
     * plan resolved has none.
     */
    record OpenTree(int tree, String source, Lookup lookup, boolean recursive, boolean optional, Origin origin)
            implements Op {

        /** How the executor looks {@code source} up. */
        public enum Lookup {
            /**
             * As written, following symlinks: a {@code dir} root, an overlay's lower directory,
             * the host's device nodes. None of them was resolved by the plan.
             */
            FOLLOW,
            /**
             * A path the plan resolved on the host (a bind source, realpath(3)) or already
             * requires to have no symlink (a path bound onto itself): opened with openat2(2)
             * and {@code RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}, then open_tree(2) of that
             * descriptor. A symlink put on the path since the plan is {@code ELOOP}, never
             * followed (docs/decisions/0024-mountfd-mounts-on-checked-descriptors.md).
             */
            NO_SYMLINKS
        }

        public int flags() {
            return Flags.OPEN_TREE_CLONE | Flags.OPEN_TREE_CLOEXEC | (recursive ? Flags.AT_RECURSIVE : 0);
        }

        public String call() {
            return "open_tree(AT_FDCWD, " + q(source) + ", " + Flags.names(flags(), Flags.OPEN_TREE_FLAGS)
                    + ") = tree" + tree;
        }
    }

    /**
     * {@code mount_setattr(2)} on a detached tree ({@code tree >= 0}, path {@code ""},
     * {@code AT_EMPTY_PATH}) or on a mounted path ({@code tree < 0}). {@code propagation} is
     * {@code 0} or one of {@code MS_SHARED}, {@code MS_PRIVATE}, {@code MS_SLAVE},
     * {@code MS_UNBINDABLE}.
     */
    record SetAttr(int tree, String path, boolean recursive, long attrSet, long attrClr, long propagation,
                   Origin origin) implements Op {
        public int flags() {
            return (tree >= 0 ? Flags.AT_EMPTY_PATH : 0) | (recursive ? Flags.AT_RECURSIVE : 0);
        }

        public String call() {
            String where = tree >= 0 ? "tree" + tree + ", \"\"" : "AT_FDCWD, " + q(path);
            return "mount_setattr(" + where + ", " + Flags.names(flags(), Flags.OPEN_TREE_FLAGS)
                    + ", {attr_set=" + Flags.names(attrSet, Flags.MOUNT_ATTRS)
                    + ", attr_clr=" + Flags.names(attrClr, Flags.MOUNT_ATTRS)
                    + ", propagation=" + Flags.names(propagation, Flags.MOUNT_FLAGS) + "}, 32)";
        }
    }

    /** {@code move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)}: attaches a tree. */
    record MoveMount(int tree, String target, Origin origin) implements Op {
        public String call() {
            return "move_mount(tree" + tree + ", \"\", AT_FDCWD, " + q(target) + ", MOVE_MOUNT_F_EMPTY_PATH)";
        }
    }

    /** {@code mount(source, target, fstype, flags, data)}: a fresh filesystem instance. */
    record Mount(String source, String target, String fstype, long flags, String data, Origin origin) implements Op {
        public String call() {
            return "mount(" + q(source) + ", " + q(target) + ", " + q(fstype) + ", "
                    + Flags.names(flags, Flags.MOUNT_FLAGS) + ", " + q(data) + ")";
        }
    }

    /**
     * A proc of the sandbox's PID namespace, made with the new mount API: {@code fsopen(2)}, the
     * namespace given as a descriptor ({@code fsconfig(FSCONFIG_SET_FD, "pidns")}, Linux 6.x
     * procfs), {@code fsmount(2)} with the mount's flags, {@code move_mount(2)} onto the target.
     * The descriptor, {@code pid_for_children}, is opened once, through the sandbox thread's
     * {@code /proc/thread-self} directory opened before any operation. A path in mount(2)'s data
     * ({@code pidns=/proc/thread-self/ns/pid_for_children}) is looked up with filp_open in the
     * caller's context, through whatever {@code /proc} the spec has mounted by then: after a proc
     * of the sandbox's PID namespace on {@code /proc}, in which the sandbox's thread has no pid,
     * that is ENOENT.
     *
     * @param flags {@code MS_RDONLY}, {@code MS_NOSUID}, {@code MS_NODEV}, {@code MS_NOEXEC}
     */
    record MountProc(String target, long flags, Origin origin) implements Op {
        /** The {@code MOUNT_ATTR_*} of {@link #flags()}, for fsmount(2). */
        public long attrs() {
            long a = 0;
            a |= (flags & Flags.MS_RDONLY) != 0 ? Flags.MOUNT_ATTR_RDONLY : 0;
            a |= (flags & Flags.MS_NOSUID) != 0 ? Flags.MOUNT_ATTR_NOSUID : 0;
            a |= (flags & Flags.MS_NODEV) != 0 ? Flags.MOUNT_ATTR_NODEV : 0;
            a |= (flags & Flags.MS_NOEXEC) != 0 ? Flags.MOUNT_ATTR_NOEXEC : 0;
            return a;
        }

        public String fsopenCall() {
            return "fsopen(\"proc\", FSOPEN_CLOEXEC) = fs";
        }

        /** The source mountinfo shows, "proc" as mount(8) would give it (fsopen leaves "none"). */
        public String sourceCall() {
            return "fsconfig(fs, FSCONFIG_SET_STRING, \"source\", \"proc\", 0)";
        }

        public String pidnsCall() {
            return "fsconfig(fs, FSCONFIG_SET_FD, \"pidns\", NULL, pid_for_children)";
        }

        public String createCall() {
            return "fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)";
        }

        public String fsmountCall() {
            return "fsmount(fs, FSMOUNT_CLOEXEC, " + Flags.names(attrs(), Flags.MOUNT_ATTRS) + ") = mnt";
        }

        public String moveCall() {
            return "move_mount(mnt, \"\", AT_FDCWD, " + q(target) + ", MOVE_MOUNT_F_EMPTY_PATH)";
        }

        public String call() {
            return fsopenCall() + "; " + sourceCall() + "; " + pidnsCall() + "; " + createCall() + "; " + fsmountCall() + "; "
                    + moveCall();
        }
    }

    /** {@code mkdir(path, mode)}: only ever inside a tmpfs the plan itself mounted. */
    record Mkdir(String path, int mode, Origin origin) implements Op {
        public String call() {
            return "mkdir(" + q(path) + ", 0" + Integer.toOctalString(mode) + ")";
        }
    }

    /** Creates an empty regular file to serve as a mount point, inside a tmpfs of the plan. */
    record CreateFile(String path, int mode, Origin origin) implements Op {
        public String call() {
            return "open(" + q(path) + ", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0" + Integer.toOctalString(mode) + ")";
        }
    }

    /** {@code symlink(linkTarget, path)}, inside a tmpfs of the plan. */
    record Symlink(String linkTarget, String path, Origin origin) implements Op {
        public String call() {
            return "symlink(" + q(linkTarget) + ", " + q(path) + ")";
        }
    }

    /** {@code sethostname(2)}, in the new UTS namespace. */
    record SetHostname(String hostname, Origin origin) implements Op {
        public String call() {
            return "sethostname(" + q(hostname) + ", " + hostname.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + ")";
        }
    }

    /** Brings {@code lo} up in the new network namespace ({@code SIOCSIFFLAGS}). */
    record LoopbackUp(Origin origin) implements Op {
        public String call() {
            return "ioctl(socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0), SIOCSIFFLAGS, {ifr_name=\"lo\", ifr_flags=IFF_UP})";
        }
    }

    /** {@code chdir(2)}. */
    record Chdir(String path, Origin origin) implements Op {
        public String call() {
            return "chdir(" + q(path) + ")";
        }
    }

    /** {@code pivot_root(2)}. */
    record PivotRoot(String newRoot, String putOld, Origin origin) implements Op {
        public String call() {
            return "pivot_root(" + q(newRoot) + ", " + q(putOld) + ")";
        }
    }

    /** {@code umount2(2)}. */
    record Umount(String target, int flags, Origin origin) implements Op {
        public String call() {
            return "umount2(" + q(target) + ", " + Flags.names(flags, Flags.UMOUNT_FLAGS) + ")";
        }
    }

    /** A C string literal, or {@code NULL}. */
    static String q(String s) {
        if (s == null) {
            return "NULL";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\%03o", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** All operations of a list, one call per line. */
    static List<String> calls(List<? extends Op> ops) {
        return ops.stream().map(Op::call).toList();
    }
}
