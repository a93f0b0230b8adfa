package dev.nsbox.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/**
 * The system calls nsbox makes, as Java methods that throw {@link SyscallException} instead of
 * returning {@code -1}. Each takes the call as it should be printed ({@code Op.call()} where
 * the call comes from a plan operation), so that a failure names exactly what was asked. Calls
 * that the kernel restarts ({@code read}, {@code write}, {@code waitpid}, {@code open}) are
 * retried on {@code EINTR}.
 *
 * <p>{@code errno} is read once, straight after the call, on the calling thread (the C side
 * keeps it per thread when a call fails). The real instance is loaded once per JVM
 * ({@link NativeLibC}).
 */
public final class Sys {

    // fcntl(2), open(2), linux/fcntl.h
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_GETFD = 1;
    public static final int FD_CLOEXEC = 1;
    public static final int MFD_CLOEXEC = 1;
    // fsopen(2), fsconfig(2), fsmount(2), linux/mount.h
    public static final int FSOPEN_CLOEXEC = 1;
    public static final int FSCONFIG_SET_FLAG = 0;
    public static final int FSCONFIG_SET_STRING = 1;
    public static final int FSCONFIG_SET_FD = 5;
    public static final int FSCONFIG_CMD_CREATE = 6;
    public static final int FSMOUNT_CLOEXEC = 1;
    // renameat2(2), linux/fs.h
    public static final int RENAME_EXCHANGE = 2;
    // prctl(2)
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    // signal numbers, x86_64
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    // socket(2), unix(7), x86_64 and arm64
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SUN_PATH_BYTES = 108;

    private static volatile Sys real;

    private final LibC libc;
    private final IntSupplier errno;

    private Sys(LibC libc, IntSupplier errno) {
        this.libc = libc;
        this.errno = errno;
    }

    /**
     * The real C library, loaded on first use.
     *
     * @throws UnsatisfiedLinkError when the native layer cannot be loaded
     */
    public static Sys get() {
        Sys s = real;
        if (s == null) {
            synchronized (Sys.class) {
                s = real;
                if (s == null) {
                    NativeLibC lib = NativeLibC.get();
                    s = new Sys(lib, lib::errno);
                    real = s;
                }
            }
        }
        return s;
    }

    /**
     * The real C library itself, for tests that wrap it; {@link #over} makes a facade of the
     * wrapper, with {@link #realErrno()} as its errno.
     *
     * @throws UnsatisfiedLinkError when the native layer cannot be loaded
     */
    public static LibC realLibC() {
        return NativeLibC.get();
    }

    /** The errno the real C library kept for this thread's last failed call. */
    public static int realErrno() {
        return NativeLibC.get().errno();
    }

    /** A facade over a scripted fake of the C library, for tests: {@code errno} is what it says. */
    public static Sys over(LibC fake, IntSupplier errno) {
        return new Sys(fake, errno);
    }

    /**
     * Links the functions a sandbox thread calls first, while this thread may still load classes
     * from anywhere: JNI links a native method at its first call.
     */
    public void warm() {
        libc.getpid();
        libc.gettid();
        errno.getAsInt();
    }

    /** The failure of {@code function}, with the errno it has just set. */
    private SyscallException fail(Call function, String call, Object... args) {
        return new SyscallException(function, call, errno.getAsInt(), args);
    }

    /** The errno of the last call on this thread. */
    public int errno() {
        return errno.getAsInt();
    }

    public void unshare(int flags, String call) throws SyscallException {
        if (libc.unshare(flags) < 0) {
            throw fail(Call.UNSHARE, call, flags);
        }
    }

    public void setns(int fd, int nstype, String call) throws SyscallException {
        if (libc.setns(fd, nstype) < 0) {
            throw fail(Call.SETNS, call, fd, nstype);
        }
    }

    public void mount(String source, String target, String fstype, long flags, String data, String call)
            throws SyscallException {
        if (libc.mount(source, target, fstype, flags, data) < 0) {
            throw fail(Call.MOUNT, call, source, target, fstype, flags, data);
        }
    }

    public void umount2(String target, int flags, String call) throws SyscallException {
        if (libc.umount2(target, flags) < 0) {
            throw fail(Call.UMOUNT2, call, target, flags);
        }
    }

    public void chdir(String path, String call) throws SyscallException {
        if (libc.chdir(path) < 0) {
            throw fail(Call.CHDIR, call, path);
        }
    }

    public void fchdir(int fd, String call) throws SyscallException {
        if (libc.fchdir(fd) < 0) {
            throw fail(Call.FCHDIR, call, fd);
        }
    }

    public void pivotRoot(String newRoot, String putOld, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_PIVOT_ROOT, newRoot, putOld) < 0) {
            throw fail(Call.PIVOT_ROOT, call, newRoot, putOld);
        }
    }

    public void sethostname(String name, String call) throws SyscallException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (libc.sethostname(b, b.length) < 0) {
            throw fail(Call.SETHOSTNAME, call, name, b.length);
        }
    }

    public void prctl(int option, long arg2, String call) throws SyscallException {
        if (libc.prctl(option, arg2, 0, 0, 0) < 0) {
            throw fail(Call.PRCTL, call, option, arg2);
        }
    }

    /** {@code open_tree(2)}: returns the descriptor of a detached tree. */
    public int openTree(int dfd, String path, int flags, String call) throws SyscallException {
        long fd = libc.syscall(LibC.SYS_OPEN_TREE, dfd, path, flags);
        if (fd < 0) {
            throw fail(Call.OPEN_TREE, call, dfd, path, flags);
        }
        return (int) fd;
    }

    /** {@code mount_setattr(2)} with {@code struct mount_attr} of four u64, size 32. */
    public void mountSetattr(int dfd, String path, int flags, long attrSet, long attrClr, long propagation,
                             String call) throws SyscallException {
        long[] attr = {attrSet, attrClr, propagation, 0};
        if (libc.syscall(LibC.SYS_MOUNT_SETATTR, dfd, path, flags, attr, 32) < 0) {
            throw fail(Call.MOUNT_SETATTR, call, dfd, path, flags, attrSet, attrClr, propagation);
        }
    }

    public void moveMount(int fromDfd, String fromPath, int toDfd, String toPath, int flags, String call)
            throws SyscallException {
        if (libc.syscall(LibC.SYS_MOVE_MOUNT, fromDfd, fromPath, toDfd, toPath, flags) < 0) {
            throw fail(Call.MOVE_MOUNT, call, fromDfd, fromPath, toDfd, toPath, flags);
        }
    }

    /** {@code fsopen(2)}: returns a filesystem context. */
    public int fsopen(String fsname, int flags, String call) throws SyscallException {
        long fd = libc.syscall(LibC.SYS_FSOPEN, fsname, flags);
        if (fd < 0) {
            throw fail(Call.FSOPEN, call, fsname, flags);
        }
        return (int) fd;
    }

    /** {@code fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0)}. */
    public void fsconfigString(int fd, String key, String value, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_FSCONFIG, fd, FSCONFIG_SET_STRING, key, value, 0) < 0) {
            throw fail(Call.FSCONFIG, call, fd, FSCONFIG_SET_STRING, key, value, 0);
        }
    }

    /** {@code fsconfig(fd, FSCONFIG_SET_FLAG, key, NULL, 0)}: a parameter without a value ({@code newinstance}). */
    public void fsconfigFlag(int fd, String key, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_FSCONFIG, fd, FSCONFIG_SET_FLAG, key, (String) null, 0) < 0) {
            throw fail(Call.FSCONFIG, call, fd, FSCONFIG_SET_FLAG, key, null, 0);
        }
    }

    /** {@code fsconfig(fd, FSCONFIG_SET_FD, key, NULL, valueFd)}. */
    public void fsconfigFd(int fd, String key, int valueFd, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_FSCONFIG, fd, FSCONFIG_SET_FD, key, (String) null, valueFd) < 0) {
            throw fail(Call.FSCONFIG, call, fd, FSCONFIG_SET_FD, key, null, valueFd);
        }
    }

    /** {@code fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)}: creates the superblock. */
    public void fsconfigCreate(int fd, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_FSCONFIG, fd, FSCONFIG_CMD_CREATE, null, (String) null, 0) < 0) {
            throw fail(Call.FSCONFIG, call, fd, FSCONFIG_CMD_CREATE, null, null, 0);
        }
    }

    /** {@code fsmount(2)}: returns the descriptor of a detached mount of the context's superblock. */
    public int fsmount(int fd, int flags, int attrs, String call) throws SyscallException {
        long m = libc.syscall(LibC.SYS_FSMOUNT, fd, flags, attrs);
        if (m < 0) {
            throw fail(Call.FSMOUNT, call, fd, flags, attrs);
        }
        return (int) m;
    }

    /** {@code close_range(2)}. */
    public void closeRange(int first, int last, int flags, String call) throws SyscallException {
        if (libc.syscall(LibC.SYS_CLOSE_RANGE, first, last, flags) < 0) {
            throw fail(Call.CLOSE_RANGE, call, first, last, flags);
        }
    }

    /** {@code openat2(2)} with {@code struct open_how} {flags, mode, resolve}. */
    public int openat2(int dfd, String path, long flags, long mode, long resolve, String call)
            throws SyscallException {
        long[] how = {flags, mode, resolve};
        for (;;) {
            long fd = libc.syscall(LibC.SYS_OPENAT2, dfd, path, how, 24);
            if (fd >= 0) {
                return (int) fd;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.OPENAT2, call, e, dfd, path, flags, mode, resolve);
            }
        }
    }

    public void mkdir(String path, int mode, String call) throws SyscallException {
        if (libc.mkdir(path, mode) < 0) {
            throw fail(Call.MKDIR, call, path, mode);
        }
    }

    public void chmod(String path, int mode, String call) throws SyscallException {
        if (libc.chmod(path, mode) < 0) {
            throw fail(Call.CHMOD, call, path, mode);
        }
    }

    public int open(String path, int flags, int mode, String call) throws SyscallException {
        for (;;) {
            int fd = libc.open(path, flags, mode);
            if (fd >= 0) {
                return fd;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.OPEN, call, e, path, flags, mode);
            }
        }
    }

    public int openat(int dirfd, String path, int flags, int mode, String call) throws SyscallException {
        for (;;) {
            int fd = libc.openat(dirfd, path, flags, mode);
            if (fd >= 0) {
                return fd;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.OPENAT, call, e, dirfd, path, flags, mode);
            }
        }
    }

    /** {@code close(2)}; errors are ignored (Linux frees the descriptor whatever it returns). */
    public void close(int fd) {
        if (fd >= 0) {
            libc.close(fd);
        }
    }

    public void symlink(String target, String path, String call) throws SyscallException {
        if (libc.symlink(target, path) < 0) {
            throw fail(Call.SYMLINK, call, target, path);
        }
    }

    /** {@code renameat2(2)}; {@link #RENAME_EXCHANGE} swaps two paths atomically. */
    public void renameat2(int oldDfd, String oldPath, int newDfd, String newPath, int flags, String call)
            throws SyscallException {
        if (libc.renameat2(oldDfd, oldPath, newDfd, newPath, flags) < 0) {
            throw fail(Call.RENAMEAT2, call, oldDfd, oldPath, newDfd, newPath, flags);
        }
    }

    public int memfdCreate(String name, int flags) throws SyscallException {
        int fd = libc.memfd_create(name, flags);
        if (fd < 0) {
            throw fail(Call.MEMFD_CREATE,
                    "memfd_create(\"" + name + "\", " + (flags == MFD_CLOEXEC ? "MFD_CLOEXEC" : flags) + ")",
                    name, flags);
        }
        return fd;
    }

    /** Writes all of {@code b}, retrying short writes and {@code EINTR}. */
    public void writeFully(int fd, byte[] b, String call) throws SyscallException {
        int off = 0;
        byte[] chunk = b;
        while (off < b.length) {
            if (off > 0) {
                chunk = java.util.Arrays.copyOfRange(b, off, b.length);
            }
            long n = libc.write(fd, chunk, chunk.length);
            if (n < 0) {
                int e = errno.getAsInt();
                if (e == Errnos.EINTR) {
                    continue;
                }
                throw new SyscallException(Call.WRITE, call, e, fd, null, chunk.length);
            }
            off += (int) n;
        }
    }

    /** {@code read(2)} into {@code buf}; 0 at end of file. */
    public int read(int fd, byte[] buf, String call) throws SyscallException {
        for (;;) {
            long n = libc.read(fd, buf, buf.length);
            if (n >= 0) {
                return (int) n;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.READ, call, e, fd, null, buf.length);
            }
        }
    }

    /** {@code pread(2)}; 0 at end of file. */
    public int pread(int fd, byte[] buf, long offset, String call) throws SyscallException {
        for (;;) {
            long n = libc.pread(fd, buf, buf.length, offset);
            if (n >= 0) {
                return (int) n;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.PREAD, call, e, fd, null, buf.length, offset);
            }
        }
    }

    /** {@code pipe2(2)}: {read end, write end}. */
    public int[] pipe2(int flags, String call) throws SyscallException {
        int[] fds = new int[2];
        if (libc.pipe2(fds, flags) < 0) {
            throw fail(Call.PIPE2, call, null, flags);
        }
        return fds;
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a close-on-exec copy numbered at least {@code min}. */
    public int dupAtLeast(int fd, int min) throws SyscallException {
        int r = libc.fcntl(fd, F_DUPFD_CLOEXEC, min);
        if (r < 0) {
            throw fail(Call.FCNTL, "fcntl(" + fd + ", F_DUPFD_CLOEXEC, " + min + ")", fd, F_DUPFD_CLOEXEC,
                    min);
        }
        return r;
    }

    /**
     * Whether {@code fd} is open and meant to be inherited: {@code fcntl(fd, F_GETFD)} succeeds
     * without {@code FD_CLOEXEC} (a descriptor this process inherited across exec never has it;
     * one the JVM opened in a standard stream's empty place may).
     */
    public boolean isInheritable(int fd) {
        int flags = libc.fcntl(fd, F_GETFD, 0);
        return flags >= 0 && (flags & FD_CLOEXEC) == 0;
    }

    public void kill(int pid, int sig) throws SyscallException {
        if (libc.kill(pid, sig) < 0) {
            throw fail(Call.KILL, "kill(" + pid + ", " + sig + ")", pid, sig);
        }
    }

    public int socket(int domain, int type, int protocol, String call) throws SyscallException {
        int fd = libc.socket(domain, type, protocol);
        if (fd < 0) {
            throw fail(Call.SOCKET, call, domain, type, protocol);
        }
        return fd;
    }

    /**
     * A listening Unix stream socket bound at {@code path} (socket(2), bind(2), listen(2); unix(7)),
     * close-on-exec. {@code path} must fit {@code sun_path} (107 bytes); a longer one can be
     * reached as {@code /proc/self/fd/DIRFD/name}.
     */
    public int unixListen(String path, int backlog) throws SyscallException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_BYTES) {
            throw new SyscallException(Call.BIND, "bind(fd, {AF_UNIX, \"" + path + "\"})", Errnos.ENAMETOOLONG,
                    null, path);
        }
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)");
        byte[] addr = new byte[2 + SUN_PATH_BYTES];
        addr[0] = (byte) AF_UNIX; // sa_family_t, host byte order (little-endian)
        System.arraycopy(name, 0, addr, 2, name.length);
        try {
            if (libc.bind(fd, addr, 2 + name.length + 1) < 0) {
                throw fail(Call.BIND, "bind(" + fd + ", {AF_UNIX, \"" + path + "\"})", fd, path);
            }
            if (libc.listen(fd, backlog) < 0) {
                throw fail(Call.LISTEN, "listen(" + fd + ", " + backlog + ")", fd, backlog);
            }
        } catch (SyscallException e) {
            close(fd);
            throw e;
        }
        return fd;
    }

    /** {@code accept4(fd, NULL, NULL, SOCK_CLOEXEC)}, retried on {@code EINTR}. */
    public int accept(int fd) throws SyscallException {
        for (;;) {
            int r = libc.accept4(fd, SOCK_CLOEXEC);
            if (r >= 0) {
                return r;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.ACCEPT4, "accept4(" + fd + ", NULL, NULL, SOCK_CLOEXEC)", e, fd);
            }
        }
    }

    /** {@code shutdown(fd, SHUT_RDWR)}: wakes a thread blocked in accept(2) or read(2) on it. */
    public void shutdown(int fd) {
        libc.shutdown(fd, SHUT_RDWR);
    }

    /** The {@code pid}, {@code uid} and {@code gid} of a Unix socket's peer ({@code SO_PEERCRED}, unix(7)). */
    public int[] peerCredentials(int fd) throws SyscallException {
        byte[] ucred = new byte[12];
        int[] len = {ucred.length};
        if (libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ucred, len) < 0) {
            throw fail(Call.GETSOCKOPT, "getsockopt(" + fd + ", SOL_SOCKET, SO_PEERCRED)", fd, SOL_SOCKET,
                    SO_PEERCRED);
        }
        ByteBuffer b = ByteBuffer.wrap(ucred).order(ByteOrder.nativeOrder());
        return new int[] {b.getInt(0), b.getInt(4), b.getInt(8)};
    }

    public int getuid() {
        return libc.getuid();
    }

    /**
     * {@code recvmsg(2)} of up to {@code buf.length} bytes and the descriptors passed with them
     * ({@code SCM_RIGHTS}, unix(7)), received close-on-exec ({@code MSG_CMSG_CLOEXEC}); retried on
     * {@code EINTR}. {@code fds} is filled with the descriptors received, then {@code -1}; any
     * beyond its length are closed.
     *
     * @return the bytes read, 0 at end of file
     */
    public int recvWithFds(int fd, byte[] buf, int[] fds) throws SyscallException {
        for (;;) {
            long n = libc.recvmsg(fd, buf, fds, MSG_CMSG_CLOEXEC);
            if (n >= 0) {
                return (int) n;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.RECVMSG, "recvmsg(" + fd + ", &msg, MSG_CMSG_CLOEXEC)", e, fd);
            }
        }
    }

    public void ioctl(int fd, long request, byte[] arg, String call) throws SyscallException {
        if (libc.ioctl(fd, request, arg) < 0) {
            throw fail(Call.IOCTL, call, fd, request, null);
        }
    }

    /**
     * {@code waitpid(2)}, retried on {@code EINTR}.
     *
     * @return the pid (0 with {@code WNOHANG} and nothing to report); the status in {@code status[0]}
     */
    public int waitpid(int pid, int[] status, int options) throws SyscallException {
        for (;;) {
            int r = libc.waitpid(pid, status, options);
            if (r >= 0) {
                return r;
            }
            int e = errno.getAsInt();
            if (e != Errnos.EINTR) {
                throw new SyscallException(Call.WAITPID, "waitpid(" + pid + ", &status, " + options + ")", e, pid,
                        null, options);
            }
        }
    }

    public int gettid() {
        return libc.gettid();
    }

    /**
     * {@code posix_spawn(3)} of {@code path} with file actions: each {@code dup2s[i]} descriptor
     * becomes descriptor {@code i} ({@code -1}: leave {@code i} alone), then {@code chdir(cwd)},
     * then every descriptor from {@code closeFrom} up is closed. Signal mask and dispositions are
     * reset, so the child inherits nothing of the JVM's signal handling.
     *
     * @return the child's pid, numbered in the caller's PID namespace
     */
    public int spawn(String path, String[] argv, String[] envp, int[] dup2s, String cwd, int closeFrom,
                     String call) throws SyscallException {
        int[] pid = new int[1];
        int rc = libc.posix_spawn(pid, path, argv, envp, dup2s, cwd, closeFrom);
        if (rc != 0) {
            throw new SyscallException(Call.POSIX_SPAWN, call, rc, null, path);
        }
        return pid[0];
    }

    /**
     * From now on {@code sig} delivered to this process writes its number (one byte) to
     * {@code fd} instead of running the handler it had (the C side's handler does only write(2),
     * which is async-signal-safe).
     */
    public void signalToFd(int sig, int fd) throws SyscallException {
        if (libc.nsbox_signal_to_fd(sig, fd) < 0) {
            throw fail(Call.SIGACTION, "sigaction(" + sig + ", write to " + fd + ")", sig, fd);
        }
    }

    /** Puts back the handler {@link #signalToFd} replaced for {@code sig}. */
    public void signalRestore(int sig) {
        libc.nsbox_signal_restore(sig);
    }
}
