package dev.nsbox.exec;

import dev.nsbox.host.UserNamespaces;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Op;
import dev.nsbox.sys.Call;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.util.Arrays;
import java.util.List;

/**
 * Applies a plan's operations, one system call (or a short fixed sequence) each, through
 * {@link Sys}. It runs on the sandbox's own thread, after unshare(2): it allocates little and
 * loads no class. Every operation that mounts or changes a mount by target does so on the
 * target's descriptor, opened once and checked ({@link #target}); a failing call is thrown
 * with the string the plan printed for it or, within such a sequence, the sub-call that
 * failed (docs/decisions/0024-mountfd-mounts-on-checked-descriptors.md), placed by the caller.
 * Tests drive it against a scripted fake C library.
 *
 * <p>Not thread-safe: one instance per sandbox.
 */
final class Applier {

    /** Descriptors the supervisor gets: 0-2 standard streams, 3 commands, 4 reports, 5 its memfd. */
    static final int INIT_FDS = 6;

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final int IFF_UP = 1;
    private static final int SKIPPED = -2;
    // openat2(2), linux/openat2.h
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    private static final int TO_DESCRIPTOR = Flags.MOVE_MOUNT_F_EMPTY_PATH | Flags.MOVE_MOUNT_T_EMPTY_PATH;
    private static final String MOVE_FLAGS_AND_END = "MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)";

    private final Sys sys;
    private final int[] initFds;
    private final int[] trees;
    private final int madeByLauncher;
    private final byte[] ifreq = new byte[40];
    private int initPid = -1;
    private int threadDir = -1;
    private int pidns = -1;

    /**
     * @param initFds the descriptors that become the supervisor's 0..5 (see {@link #INIT_FDS})
     */
    Applier(Sys sys, int[] initFds, List<Op> ops) {
        this.sys = sys;
        this.initFds = initFds.clone();
        int maxTree = -1;
        for (Op op : ops) {
            if (op instanceof Op.OpenTree t) {
                maxTree = Math.max(maxTree, t.tree());
            }
        }
        trees = new int[maxTree + 1];
        Arrays.fill(trees, -1);
        // A JVM cannot unshare(CLONE_NEWUSER) (EINVAL, multithreaded): when the plan asks for a
        // user namespace and this JVM was started inside one made for it
        // (docs/decisions/0010-rootless-through-unshare.md), that part of the Unshare is already
        // done. Otherwise the flag reaches the kernel and its EINVAL is reported with the hint to
        // do so.
        madeByLauncher = UserNamespaces.entered().isPresent() ? Flags.CLONE_NEWUSER : 0;
    }

    /** The supervisor's pid in this JVM's PID namespace, or -1 before {@link Op.SpawnInit}. */
    int initPid() {
        return initPid;
    }

    void apply(Op op, String call) throws SyscallException {
        if (op instanceof Op.Unshare u) {
            sys.unshare(u.flags() & ~madeByLauncher, call);
        } else if (op instanceof Op.SpawnInit) {
            // Executed through /proc/self/fd/5, the memfd after the file actions: /proc is still
            // the host's procfs here, in which the new child has a pid of its own.
            initPid = sys.spawn("/proc/self/fd/5", new String[] {"nsbox-init"}, new String[0], initFds, "/",
                    INIT_FDS, call);
        } else if (op instanceof Op.SetPropagation p) {
            // mount_setattr(2) on the checked descriptor does what mount("none", path, NULL,
            // MS_[REC|]PRIVATE...) does by path: the propagation of that mount (and, with
            // AT_RECURSIVE, of those below it), without a second lookup of the path.
            int fd = target(p.path());
            try {
                int flags = Flags.AT_EMPTY_PATH | ((p.flags() & Flags.MS_REC) != 0 ? Flags.AT_RECURSIVE : 0);
                long propagation = p.flags() & ~Flags.MS_REC;
                sys.mountSetattr(fd, "", flags, 0, 0, propagation, setattrCall(p.path(), flags, 0, 0, propagation));
            } finally {
                sys.close(fd);
            }
        } else if (op instanceof Op.OpenTree t) {
            try {
                trees[t.tree()] = openTree(t, call);
            } catch (SyscallException e) {
                if (!(t.optional() && e.errno() == Errnos.ENOENT)) {
                    throw e;
                }
                trees[t.tree()] = SKIPPED;
            }
        } else if (op instanceof Op.SetAttr a) {
            if (a.tree() >= 0) {
                int fd = tree(a.tree(), Call.MOUNT_SETATTR);
                if (fd != SKIPPED) {
                    sys.mountSetattr(fd, "", a.flags(), a.attrSet(), a.attrClr(), a.propagation(), call);
                }
            } else {
                int fd = target(a.path());
                try {
                    int flags = a.flags() | Flags.AT_EMPTY_PATH;
                    sys.mountSetattr(fd, "", flags, a.attrSet(), a.attrClr(), a.propagation(),
                            setattrCall(a.path(), flags, a.attrSet(), a.attrClr(), a.propagation()));
                } finally {
                    sys.close(fd);
                }
            }
        } else if (op instanceof Op.MoveMount m) {
            int fd = tree(m.tree(), Call.MOVE_MOUNT);
            if (fd != SKIPPED) {
                attach(fd, m.target(), "tree" + m.tree());
                sys.close(fd);
                trees[m.tree()] = SKIPPED;
            }
        } else if (op instanceof Op.Mount m) {
            mountFresh(m);
        } else if (op instanceof Op.MountProc p) {
            mountProc(p);
        } else if (op instanceof Op.Mkdir d) {
            sys.mkdir(d.path(), d.mode(), call);
            // mkdir(2) applies the umask; the plan's mode is exact (a sticky, world-writable
            // /dev/shm is 01777, not 01755). A umask of 0 on this thread would reach the steps.
            sys.chmod(d.path(), d.mode(), "chmod(" + quote(d.path()) + ", 0" + Integer.toOctalString(d.mode()) + ")");
        } else if (op instanceof Op.CreateFile f) {
            sys.close(sys.open(f.path(), Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_CLOEXEC, f.mode(), call));
        } else if (op instanceof Op.Symlink s) {
            sys.symlink(s.linkTarget(), s.path(), call);
        } else if (op instanceof Op.SetHostname h) {
            sys.sethostname(h.hostname(), call);
        } else if (op instanceof Op.LoopbackUp) {
            loopbackUp(call);
        } else if (op instanceof Op.Chdir c) {
            // Before pivot_root(".", "."): the staging directory is the new root, so it is
            // entered through the same checked descriptor as every mount target.
            int fd = target(c.path());
            try {
                sys.fchdir(fd, "fchdir(target(" + Op.q(c.path()) + "))");
            } finally {
                sys.close(fd);
            }
        } else if (op instanceof Op.PivotRoot p) {
            sys.pivotRoot(p.newRoot(), p.putOld(), call);
        } else if (op instanceof Op.Umount u) {
            sys.umount2(u.target(), u.flags(), call);
        } else {
            throw new IllegalStateException("no executor for " + op);
        }
    }

    /**
     * Opens {@code target} as an {@code O_PATH} descriptor, checked: openat2(2) with
     * {@code RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS} refuses any symlink on the way
     * ({@code ELOOP}). Every mount, attribute and propagation change is then made on that
     * descriptor, never on the path looked up again: a rename(2) of the target in between
     * (RENAME_EXCHANGE with a symlink, say) can no longer move the mount to where the symlink
     * points (the race of runc's CVE-2021-30465). The plan checked the path when it was made;
     * the host may have changed since.
     */
    private int target(String target) throws SyscallException {
        return sys.openat2(Flags.AT_FDCWD, target, Sys.O_PATH | Sys.O_CLOEXEC, 0, RESOLVE,
                "openat2(AT_FDCWD, " + Op.q(target) + ", {O_PATH|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS})");
    }

    /**
     * The detached tree of {@code t}. A source the plan resolved ({@link Op.OpenTree.Lookup#NO_SYMLINKS})
     * is opened with the checks of {@link #target} and cloned through that descriptor
     * ({@code AT_EMPTY_PATH}, open_tree(2)): a symlink swapped onto its path since the plan is
     * {@code ELOOP}, never a bind of what it points to; a swap after the openat2(2) changes
     * nothing, the clone is of the inode checked. Any other source is looked up as written.
     */
    private int openTree(Op.OpenTree t, String call) throws SyscallException {
        if (t.lookup() == Op.OpenTree.Lookup.FOLLOW) {
            return sys.openTree(Flags.AT_FDCWD, t.source(), t.flags(), call);
        }
        int fd = sys.openat2(Flags.AT_FDCWD, t.source(), Sys.O_PATH | Sys.O_CLOEXEC, 0, RESOLVE,
                "openat2(AT_FDCWD, " + Op.q(t.source())
                        + ", {O_PATH|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}) = source");
        try {
            int flags = t.flags() | Flags.AT_EMPTY_PATH;
            return sys.openTree(fd, "", flags, "open_tree(source, \"\", " + Flags.names(flags, Flags.OPEN_TREE_FLAGS)
                    + ") = tree" + t.tree());
        } finally {
            sys.close(fd);
        }
    }

    /**
     * Attaches the detached mount {@code from} (named {@code name} in messages) onto the
     * checked descriptor of {@code target}: move_mount(2) with {@code MOVE_MOUNT_T_EMPTY_PATH}
     * mounts on the mount point the descriptor holds, whatever its path is called by now.
     */
    private void attach(int from, String target, String name) throws SyscallException {
        int fd = target(target);
        try {
            sys.moveMount(from, "", fd, "", TO_DESCRIPTOR,
                    "move_mount(" + name + ", \"\", target(" + Op.q(target) + "), \"\", " + MOVE_FLAGS_AND_END);
        } finally {
            sys.close(fd);
        }
    }

    /**
     * A fresh filesystem ({@link Op.Mount}) with the new mount API, so that it too lands on a
     * checked descriptor: fsopen(2) of the type, {@code source} and each option of mount(2)'s
     * data through fsconfig(2), fsmount(2) with the mount flags as {@code MOUNT_ATTR_*}, then
     * {@link #attach}. Read-only is a property of this mount ({@code MOUNT_ATTR_RDONLY}), not of
     * the superblock: a sysfs or mqueue may share its superblock with the host's, which a
     * superblock {@code ro} would reconfigure. overlayfs gets its layers as directory
     * descriptors opened the same checked way ({@code FSCONFIG_SET_FD}, Linux 6.13), so no
     * layer path is looked up again either.
     */
    private void mountFresh(Op.Mount m) throws SyscallException {
        String type = m.fstype();
        int fs = sys.fsopen(type, Sys.FSOPEN_CLOEXEC, "fsopen(" + Op.q(type) + ", FSOPEN_CLOEXEC) = fs");
        try {
            if (m.source() != null) {
                sys.fsconfigString(fs, "source", m.source(), "fsconfig(fs, FSCONFIG_SET_STRING, \"source\", "
                        + Op.q(m.source()) + ", 0)");
            }
            String data = m.data();
            boolean overlay = "overlay".equals(type);
            int from = 0;
            while (data != null && from < data.length()) {
                int comma = data.indexOf(',', from);
                int end = comma < 0 ? data.length() : comma;
                option(fs, data.substring(from, end), overlay);
                from = end + 1;
            }
            sys.fsconfigCreate(fs, "fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)");
            int attrs = (int) attrs(m.flags());
            int mnt = sys.fsmount(fs, Sys.FSMOUNT_CLOEXEC, attrs, "fsmount(fs, FSMOUNT_CLOEXEC, "
                    + Flags.names(attrs, Flags.MOUNT_ATTRS) + ") = mnt");
            try {
                attach(mnt, m.target(), "mnt");
            } finally {
                sys.close(mnt);
            }
        } finally {
            sys.close(fs);
        }
    }

    /** One option of mount(2)'s data ({@code key=value} or a bare flag) as fsconfig(2) takes it. */
    private void option(int fs, String option, boolean overlay) throws SyscallException {
        if (option.isEmpty()) {
            return;
        }
        int eq = option.indexOf('=');
        if (eq < 0) {
            sys.fsconfigFlag(fs, option, "fsconfig(fs, FSCONFIG_SET_FLAG, " + Op.q(option) + ", NULL, 0)");
            return;
        }
        String key = option.substring(0, eq);
        String value = option.substring(eq + 1);
        if (overlay && (key.equals("upperdir") || key.equals("workdir"))) {
            layer(fs, key, value);
        } else if (overlay && key.equals("lowerdir")) {
            // "lowerdir=a:b" is the stack top first; each "lowerdir+" appends below the last.
            int from = 0;
            while (from <= value.length()) {
                int colon = value.indexOf(':', from);
                int end = colon < 0 ? value.length() : colon;
                layer(fs, "lowerdir+", value.substring(from, end));
                from = end + 1;
            }
        } else {
            sys.fsconfigString(fs, key, value, "fsconfig(fs, FSCONFIG_SET_STRING, " + Op.q(key) + ", "
                    + Op.q(value) + ", 0)");
        }
    }

    /**
     * An overlay layer given as a descriptor: a directory opened with the checks of
     * {@link #target}, not {@code O_PATH} (fsconfig(2) refuses those, EBADF).
     */
    private void layer(int fs, String key, String dir) throws SyscallException {
        int fd = sys.openat2(Flags.AT_FDCWD, dir, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0, RESOLVE,
                "openat2(AT_FDCWD, " + Op.q(dir)
                        + ", {O_RDONLY|O_DIRECTORY|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}) = layer");
        try {
            sys.fsconfigFd(fs, key, fd, "fsconfig(fs, FSCONFIG_SET_FD, " + Op.q(key) + ", NULL, layer)");
        } finally {
            sys.close(fd);
        }
    }

    /** mount_setattr(2) on the checked descriptor of {@code path}, as a message prints it. */
    private static String setattrCall(String path, int flags, long set, long clr, long propagation) {
        return "mount_setattr(target(" + Op.q(path) + "), \"\", " + Flags.names(flags, Flags.OPEN_TREE_FLAGS)
                + ", {attr_set=" + Flags.names(set, Flags.MOUNT_ATTRS) + ", attr_clr=" + Flags.names(clr, Flags.MOUNT_ATTRS)
                + ", propagation=" + Flags.names(propagation, Flags.MOUNT_FLAGS) + "}, 32)";
    }

    /** The {@code MOUNT_ATTR_*} of the mount(2) flags {@code MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC}. */
    private static long attrs(long flags) {
        long a = 0;
        a |= (flags & Flags.MS_RDONLY) != 0 ? Flags.MOUNT_ATTR_RDONLY : 0;
        a |= (flags & Flags.MS_NOSUID) != 0 ? Flags.MOUNT_ATTR_NOSUID : 0;
        a |= (flags & Flags.MS_NODEV) != 0 ? Flags.MOUNT_ATTR_NODEV : 0;
        a |= (flags & Flags.MS_NOEXEC) != 0 ? Flags.MOUNT_ATTR_NOEXEC : 0;
        return a;
    }

    /**
     * The sandbox thread's {@code /proc/thread-self} directory, opened before any operation:
     * {@code pid_for_children} is opened relative to it, whatever the spec mounts on /proc.
     */
    void threadDir(int fd) {
        threadDir = fd;
    }

    /** See {@link Op.MountProc}: each sub-call is named on its own when it fails. */
    private void mountProc(Op.MountProc p) throws SyscallException {
        if (pidns < 0) {
            // Readable only once the namespace has its PID 1 (after SpawnInit), and opened once,
            // before this proc can cover the /proc it would otherwise be looked up through.
            pidns = sys.openat(threadDir, "ns/pid_for_children", Sys.O_RDONLY | Sys.O_CLOEXEC, 0,
                    "openat(thread_self, \"ns/pid_for_children\", O_RDONLY|O_CLOEXEC)");
        }
        int fs = sys.fsopen("proc", Sys.FSOPEN_CLOEXEC, p.fsopenCall());
        try {
            sys.fsconfigString(fs, "source", "proc", p.sourceCall());
            sys.fsconfigFd(fs, "pidns", pidns, p.pidnsCall());
            sys.fsconfigCreate(fs, p.createCall());
            int mnt = sys.fsmount(fs, Sys.FSMOUNT_CLOEXEC, (int) p.attrs(), p.fsmountCall());
            try {
                attach(mnt, p.target(), "mnt");
            } finally {
                sys.close(mnt);
            }
        } finally {
            sys.close(fs);
        }
    }

    /** Closes the descriptors of trees that were opened and never attached, and pid_for_children. */
    void closeTrees() {
        sys.close(pidns);
        pidns = -1;
        for (int i = 0; i < trees.length; i++) {
            if (trees[i] >= 0) {
                sys.close(trees[i]);
                trees[i] = -1;
            }
        }
    }

    /** The descriptor of {@code tree}, which {@code function} is about to be given. */
    private int tree(int tree, Call function) throws SyscallException {
        int fd = tree < trees.length ? trees[tree] : -1;
        if (fd == -1) {
            // The planner always opens a tree before using it; EBADF is what the kernel would say.
            throw new SyscallException(function, "tree" + tree, Errnos.EBADF, fd);
        }
        return fd;
    }

    /** {@code SIOCGIFFLAGS} then {@code SIOCSIFFLAGS} with {@code IFF_UP} on {@code lo} (netdevice(7)). */
    private void loopbackUp(String call) throws SyscallException {
        Arrays.fill(ifreq, (byte) 0);
        ifreq[0] = 'l';
        ifreq[1] = 'o';
        int fd = sys.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0, call);
        try {
            sys.ioctl(fd, SIOCGIFFLAGS, ifreq, call);
            int flags = (ifreq[16] & 0xff) | (ifreq[17] & 0xff) << 8;
            flags |= IFF_UP;
            ifreq[16] = (byte) flags;
            ifreq[17] = (byte) (flags >> 8);
            sys.ioctl(fd, SIOCSIFFLAGS, ifreq, call);
        } finally {
            sys.close(fd);
        }
    }

    /** What an operation was doing, for the message of its failure: {@code cannot mount proc on /proc}. */
    static String doing(Op op) {
        if (op instanceof Op.Unshare) {
            return "cannot create the sandbox's namespaces";
        } else if (op instanceof Op.SpawnInit) {
            return "cannot start the supervisor nsbox-init";
        } else if (op instanceof Op.SetPropagation p) {
            return "cannot change the propagation of " + p.path();
        } else if (op instanceof Op.OpenTree t) {
            return "cannot open bind source " + t.source();
        } else if (op instanceof Op.SetAttr a) {
            return a.tree() >= 0 ? "cannot set the attributes of tree" + a.tree()
                    : "cannot set the attributes of " + a.path();
        } else if (op instanceof Op.MoveMount m) {
            return "cannot attach tree" + m.tree() + " on " + m.target();
        } else if (op instanceof Op.Mount m) {
            return "cannot mount " + m.fstype() + " on " + m.target();
        } else if (op instanceof Op.MountProc p) {
            return "cannot mount proc on " + p.target();
        } else if (op instanceof Op.Mkdir d) {
            return "cannot create directory " + d.path();
        } else if (op instanceof Op.CreateFile f) {
            return "cannot create mount point " + f.path();
        } else if (op instanceof Op.Symlink s) {
            return "cannot create symlink " + s.path();
        } else if (op instanceof Op.SetHostname) {
            return "cannot set the hostname";
        } else if (op instanceof Op.LoopbackUp) {
            return "cannot bring lo up";
        } else if (op instanceof Op.Chdir c) {
            return "cannot enter " + c.path();
        } else if (op instanceof Op.PivotRoot p) {
            return "cannot make " + p.newRoot() + " the root";
        } else if (op instanceof Op.Umount u) {
            return "cannot unmount " + u.target();
        }
        return "cannot apply " + op.call();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
