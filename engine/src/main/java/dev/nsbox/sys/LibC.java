package dev.nsbox.sys;

/**
 * The C library functions nsbox calls, mirroring their prototypes (glibc, x86_64). System calls
 * glibc has no wrapper for go through {@code syscall(2)} with their x86_64 numbers; the
 * overloads differ only in the argument types that call passes. Where C takes a structure
 * nsbox fills in one way only ({@code recvmsg}, {@code posix_spawn}), one method takes the
 * values and the C side builds the structure.
 *
 * <p>Every function keeps {@code errno} when it fails: read it with {@link Sys#errno()} straight
 * after the call, on the same thread. Use {@link Sys}, which does that and turns failures into
 * {@link SyscallException}; this interface is public only so that tests can script a fake or
 * wrap the real one ({@link Sys#realLibC()}).
 */
public interface LibC {

    long SYS_PIVOT_ROOT = 155;
    long SYS_OPEN_TREE = 428;
    long SYS_MOVE_MOUNT = 429;
    long SYS_FSOPEN = 430;
    long SYS_FSCONFIG = 431;
    long SYS_FSMOUNT = 432;
    long SYS_CLOSE_RANGE = 436;
    long SYS_OPENAT2 = 437;
    long SYS_MOUNT_SETATTR = 442;

    int unshare(int flags);

    int setns(int fd, int nstype);

    int mount(String source, String target, String filesystemtype, long mountflags, String data);

    int umount2(String target, int flags);

    int chdir(String path);

    int fchdir(int fd);

    int sethostname(byte[] name, long len);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** open_tree(dfd, path, flags). */
    long syscall(long number, int a1, String a2, int a3);

    /** fsmount(fd, flags, attrs), close_range(first, last, flags). */
    long syscall(long number, int a1, int a2, int a3);

    /** mount_setattr(dfd, path, flags, &attr, size). */
    long syscall(long number, int dfd, String path, int flags, long[] attr, long size);

    /** openat2(dfd, path, &how, size). */
    long syscall(long number, int dfd, String path, long[] how, long size);

    /** move_mount(from_dfd, from_path, to_dfd, to_path, flags). */
    long syscall(long number, int fromDfd, String fromPath, int toDfd, String toPath, int flags);

    /** fsopen(fsname, flags). */
    long syscall(long number, String fsname, int flags);

    /** fsconfig(fd, cmd, key, value, aux); value null for a flag, a descriptor or a command. */
    long syscall(long number, int fd, int cmd, String key, String value, int aux);

    /** pivot_root(new_root, put_old). */
    long syscall(long number, String a1, String a2);

    int memfd_create(String name, int flags);

    int mkdir(String pathname, int mode);

    int chmod(String pathname, int mode);

    int open(String pathname, int flags, int mode);

    int openat(int dirfd, String pathname, int flags, int mode);

    int close(int fd);

    int symlink(String target, String linkpath);

    /** renameat2(olddirfd, oldpath, newdirfd, newpath, flags), glibc 2.28. */
    int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

    long write(int fd, byte[] buf, long count);

    long read(int fd, byte[] buf, long count);

    long pread(int fd, byte[] buf, long count, long offset);

    int pipe2(int[] pipefd, int flags);

    int fcntl(int fd, int cmd, int arg);

    int kill(int pid, int sig);

    int socket(int domain, int type, int protocol);

    int ioctl(int fd, long request, byte[] arg);

    int bind(int sockfd, byte[] addr, int addrlen);

    int listen(int sockfd, int backlog);

    /** accept4(sockfd, NULL, NULL, flags). */
    int accept4(int sockfd, int flags);

    int getsockopt(int sockfd, int level, int optname, byte[] optval, int[] optlen);

    /**
     * recvmsg(2) of up to {@code buf.length} bytes into {@code buf} and the descriptors passed
     * with them ({@code SCM_RIGHTS}, unix(7)): {@code fds} is filled with those received, then
     * {@code -1}; any beyond its length are closed.
     */
    long recvmsg(int sockfd, byte[] buf, int[] fds, int flags);

    int shutdown(int sockfd, int how);

    int getuid();

    int waitpid(int pid, int[] wstatus, int options);

    int getpid();

    int gettid();

    /**
     * posix_spawn(3) of {@code path}: each {@code dup2s[i] >= 0} becomes descriptor {@code i},
     * then {@code chdir(cwd)} unless {@code cwd} is null, then every descriptor from
     * {@code closeFrom} up is closed; the signal mask is emptied and every disposition reset. Returns an error number, not -1:
     * posix_spawn(3) does not set errno. The child's pid in {@code pid[0]}.
     */
    int posix_spawn(int[] pid, String path, String[] argv, String[] envp, int[] dup2s, String cwd, int closeFrom);

    /** From now on {@code sig} writes its number (one byte) to {@code fd}, the handler it replaces saved. */
    int nsbox_signal_to_fd(int sig, int fd);

    /** Puts back the handler {@link #nsbox_signal_to_fd} replaced for {@code sig}. */
    int nsbox_signal_restore(int sig);
}
