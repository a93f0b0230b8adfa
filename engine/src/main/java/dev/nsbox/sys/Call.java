package dev.nsbox.sys;

/**
 * The C functions nsbox calls through {@link Sys}, by the name their man page gives them. A
 * {@link SyscallException} names its function with one of these, so that {@link Hints} and
 * callers tell calls apart by value, never by the printed text.
 */
public enum Call {
    ACCEPT4("accept4"),
    BIND("bind"),
    CHDIR("chdir"),
    CHMOD("chmod"),
    CLOSE_RANGE("close_range"),
    FCHDIR("fchdir"),
    FCNTL("fcntl"),
    FSCONFIG("fsconfig"),
    FSMOUNT("fsmount"),
    FSOPEN("fsopen"),
    GETSOCKOPT("getsockopt"),
    IOCTL("ioctl"),
    KILL("kill"),
    LISTEN("listen"),
    MEMFD_CREATE("memfd_create"),
    MKDIR("mkdir"),
    MOUNT("mount"),
    MOUNT_SETATTR("mount_setattr"),
    MOVE_MOUNT("move_mount"),
    OPEN("open"),
    OPEN_TREE("open_tree"),
    OPENAT("openat"),
    OPENAT2("openat2"),
    PIPE2("pipe2"),
    PIVOT_ROOT("pivot_root"),
    POSIX_SPAWN("posix_spawn"),
    PRCTL("prctl"),
    PREAD("pread"),
    READ("read"),
    RECVMSG("recvmsg"),
    RENAMEAT2("renameat2"),
    SETHOSTNAME("sethostname"),
    SETNS("setns"),
    SIGACTION("sigaction"),
    SOCKET("socket"),
    SYMLINK("symlink"),
    UMOUNT2("umount2"),
    UNSHARE("unshare"),
    WAITPID("waitpid"),
    WRITE("write");

    private final String cName;

    Call(String cName) {
        this.cName = cName;
    }

    /** The C name: {@code mount_setattr}. */
    public String cName() {
        return cName;
    }

    @Override
    public String toString() {
        return cName;
    }
}
