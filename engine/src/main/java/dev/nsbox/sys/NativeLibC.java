package dev.nsbox.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real {@link LibC}: JNI methods of {@code libnsbox-sys.so} (engine/src/main/c/nsbox-sys.c),
 * compiled by the build for each {@link NativeArch} and carried in the jar under the
 * architecture's directory ({@code dev/nsbox/sys/aarch64/libnsbox-sys.so}).
 *
 * <p>Loading it is one {@code dlopen(3)} of a small library and nothing else: no class is
 * generated and no annotation read (docs/decisions/0029-coldjvm-libc-through-jni.md). A JVM can
 * only load a library from a file, so the library is written to a new file in a new directory
 * of its own, owner-only, under {@code java.io.tmpdir}, loaded, and both are deleted at once: the
 * mapping outlives the file, nothing is left on disk, and no other user can have replaced the
 * file between the write and the load. Each load has a path of its own, so a second class loader
 * in the same JVM (a Maven plugin realm) loads its own copy instead of failing on a library
 * already bound to another loader.
 *
 * <p>Strings reach the C side as NUL-terminated UTF-8, as jnr-ffi passed them; {@code errno} of a
 * failed call is kept per thread by the C side and read by {@link #errno()}.
 */
final class NativeLibC implements LibC {

    static final String LIBRARY = "libnsbox-sys.so";

    private static NativeLibC instance;
    private static String unavailable;

    private NativeLibC() {
    }

    /**
     * The library, loaded on first use.
     *
     * @throws UnsatisfiedLinkError when it cannot be loaded here, saying why
     */
    static synchronized NativeLibC get() {
        if (instance != null) {
            return instance;
        }
        if (unavailable != null) {
            throw new UnsatisfiedLinkError(unavailable);
        }
        try {
            load();
            instance = new NativeLibC();
            return instance;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            unavailable = "cannot load " + LIBRARY + ": " + e.getMessage();
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(unavailable);
            error.initCause(e);
            throw error;
        }
    }

    private static void load() throws IOException {
        byte[] image = NativeArch.read(NativeLibC.class, LIBRARY);
        if (image == null) {
            throw new NativeArch.UnsupportedArchitectureException("dev/nsbox/sys/" + NativeArch.resource(LIBRARY)
                    + " is missing from the class path: this jar was built without it; engine/src/main/c/build.sh "
                    + "compiles it from engine/src/main/c/nsbox-sys.c");
        }
        Path dir = privateDirectory(Path.of(System.getProperty("java.io.tmpdir")));
        Path file = dir.resolve(LIBRARY);
        try {
            Files.write(file, image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            System.load(file.toString());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * A new directory under {@code parent}, owner-only. Not {@code Files.createTempDirectory}: its
     * name comes from {@code SecureRandom}, whose first use loads the security providers and
     * parses {@code java.security} (about 120 classes on a cold start). A guessable name costs
     * nothing here: mkdir(2) fails on any name that exists, symlinks included, so a directory
     * someone else made first is never used, only skipped.
     */
    private static Path privateDirectory(Path parent) throws IOException {
        FileAttribute<Set<PosixFilePermission>> owner = PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"));
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            Path dir = parent.resolve("nsbox-sys-" + Long.toUnsignedString(random.nextLong(), 36));
            try {
                return Files.createDirectory(dir, owner);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }

    /** The errno of the last failed call on this thread. */
    int errno() {
        return errno0();
    }

    /** {@code s} as NUL-less UTF-8 bytes (the C side adds the NUL), or null. */
    private static byte[] z(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int unshare(int flags) {
        return (int) unshare0(flags);
    }

    @Override
    public int setns(int fd, int nstype) {
        return (int) setns0(fd, nstype);
    }

    @Override
    public int mount(String source, String target, String filesystemtype, long mountflags, String data) {
        return (int) mount0(z(source), z(target), z(filesystemtype), mountflags, z(data));
    }

    @Override
    public int umount2(String target, int flags) {
        return (int) umount20(z(target), flags);
    }

    @Override
    public int chdir(String path) {
        return (int) chdir0(z(path));
    }

    @Override
    public int fchdir(int fd) {
        return (int) fchdir0(fd);
    }

    @Override
    public int sethostname(byte[] name, long len) {
        return (int) sethostname0(name, len);
    }

    @Override
    public int prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return (int) prctl0(option, arg2, arg3, arg4, arg5);
    }

    @Override
    public long syscall(long number, int a1, String a2, int a3) {
        return syscallIPI0(number, a1, z(a2), a3);
    }

    @Override
    public long syscall(long number, int a1, int a2, int a3) {
        return syscallIII0(number, a1, a2, a3);
    }

    @Override
    public long syscall(long number, int dfd, String path, int flags, long[] attr, long size) {
        return syscallStruct0(number, dfd, z(path), flags, true, attr, size);
    }

    @Override
    public long syscall(long number, int dfd, String path, long[] how, long size) {
        return syscallStruct0(number, dfd, z(path), 0, false, how, size);
    }

    @Override
    public long syscall(long number, int fromDfd, String fromPath, int toDfd, String toPath, int flags) {
        return syscallIPIPI0(number, fromDfd, z(fromPath), toDfd, z(toPath), flags);
    }

    @Override
    public long syscall(long number, String fsname, int flags) {
        return syscallPI0(number, z(fsname), flags);
    }

    @Override
    public long syscall(long number, int fd, int cmd, String key, String value, int aux) {
        return syscallIIPPI0(number, fd, cmd, z(key), z(value), aux);
    }

    @Override
    public long syscall(long number, String a1, String a2) {
        return syscallPP0(number, z(a1), z(a2));
    }

    @Override
    public int memfd_create(String name, int flags) {
        return (int) memfdCreate0(z(name), flags);
    }

    @Override
    public int mkdir(String pathname, int mode) {
        return (int) mkdir0(z(pathname), mode);
    }

    @Override
    public int chmod(String pathname, int mode) {
        return (int) chmod0(z(pathname), mode);
    }

    @Override
    public int open(String pathname, int flags, int mode) {
        return (int) openat0(AT_FDCWD, z(pathname), flags, mode);
    }

    @Override
    public int openat(int dirfd, String pathname, int flags, int mode) {
        return (int) openat0(dirfd, z(pathname), flags, mode);
    }

    @Override
    public int close(int fd) {
        return (int) close0(fd);
    }

    @Override
    public int symlink(String target, String linkpath) {
        return (int) symlink0(z(target), z(linkpath));
    }

    @Override
    public int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags) {
        return (int) renameat20(olddirfd, z(oldpath), newdirfd, z(newpath), flags);
    }

    @Override
    public long write(int fd, byte[] buf, long count) {
        return write0(fd, buf, count);
    }

    @Override
    public long read(int fd, byte[] buf, long count) {
        return read0(fd, buf, count, -1);
    }

    @Override
    public long pread(int fd, byte[] buf, long count, long offset) {
        return offset < 0 ? -1 : read0(fd, buf, count, offset);
    }

    @Override
    public int pipe2(int[] pipefd, int flags) {
        return (int) pipe20(pipefd, flags);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return (int) fcntl0(fd, cmd, arg);
    }

    @Override
    public int kill(int pid, int sig) {
        return (int) kill0(pid, sig);
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return (int) socket0(domain, type, protocol);
    }

    @Override
    public int ioctl(int fd, long request, byte[] arg) {
        return (int) ioctl0(fd, request, arg);
    }

    @Override
    public int bind(int sockfd, byte[] addr, int addrlen) {
        return (int) bind0(sockfd, addr, addrlen);
    }

    @Override
    public int listen(int sockfd, int backlog) {
        return (int) listen0(sockfd, backlog);
    }

    @Override
    public int accept4(int sockfd, int flags) {
        return (int) accept40(sockfd, flags);
    }

    @Override
    public int getsockopt(int sockfd, int level, int optname, byte[] optval, int[] optlen) {
        return (int) getsockopt0(sockfd, level, optname, optval, optlen);
    }

    @Override
    public long recvmsg(int sockfd, byte[] buf, int[] fds, int flags) {
        return recvmsg0(sockfd, buf, fds, flags);
    }

    @Override
    public int shutdown(int sockfd, int how) {
        return (int) shutdown0(sockfd, how);
    }

    @Override
    public int getuid() {
        return (int) getuid0();
    }

    @Override
    public int waitpid(int pid, int[] wstatus, int options) {
        return (int) waitpid0(pid, wstatus, options);
    }

    @Override
    public int getpid() {
        return (int) getpid0();
    }

    @Override
    public int gettid() {
        return (int) gettid0();
    }

    @Override
    public int posix_spawn(int[] pid, String path, String[] argv, String[] envp, int[] dup2s, String cwd,
                           int closeFrom) {
        return (int) spawn0(pid, z(path), vector(argv), vector(envp), dup2s, z(cwd), closeFrom);
    }

    @Override
    public int nsbox_signal_to_fd(int sig, int fd) {
        return (int) signalToFd0(sig, fd);
    }

    @Override
    public int nsbox_signal_restore(int sig) {
        return (int) signalRestore0(sig);
    }

    private static byte[][] vector(String[] strings) {
        byte[][] v = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            v[i] = z(strings[i]);
        }
        return v;
    }

    private static final int AT_FDCWD = -100;

    private static native int errno0();

    private static native long unshare0(int flags);

    private static native long setns0(int fd, int nstype);

    private static native long mount0(byte[] source, byte[] target, byte[] fstype, long flags, byte[] data);

    private static native long umount20(byte[] target, int flags);

    private static native long chdir0(byte[] path);

    private static native long fchdir0(int fd);

    private static native long sethostname0(byte[] name, long len);

    private static native long prctl0(int option, long a2, long a3, long a4, long a5);

    private static native long syscallIPI0(long nr, int a1, byte[] a2, int a3);

    private static native long syscallIII0(long nr, int a1, int a2, int a3);

    private static native long syscallStruct0(long nr, int dfd, byte[] path, int flags, boolean hasFlags, long[] st,
                                              long size);

    private static native long syscallIPIPI0(long nr, int a1, byte[] a2, int a3, byte[] a4, int a5);

    private static native long syscallPI0(long nr, byte[] a1, int a2);

    private static native long syscallIIPPI0(long nr, int a1, int a2, byte[] a3, byte[] a4, int a5);

    private static native long syscallPP0(long nr, byte[] a1, byte[] a2);

    private static native long memfdCreate0(byte[] name, int flags);

    private static native long mkdir0(byte[] path, int mode);

    private static native long chmod0(byte[] path, int mode);

    private static native long openat0(int dirfd, byte[] path, int flags, int mode);

    private static native long close0(int fd);

    private static native long symlink0(byte[] target, byte[] path);

    private static native long renameat20(int olddfd, byte[] oldpath, int newdfd, byte[] newpath, int flags);

    private static native long write0(int fd, byte[] buf, long count);

    private static native long read0(int fd, byte[] buf, long count, long offset);

    private static native long pipe20(int[] fds, int flags);

    private static native long fcntl0(int fd, int cmd, int arg);

    private static native long kill0(int pid, int sig);

    private static native long socket0(int domain, int type, int protocol);

    private static native long ioctl0(int fd, long request, byte[] arg);

    private static native long bind0(int fd, byte[] addr, int len);

    private static native long listen0(int fd, int backlog);

    private static native long accept40(int fd, int flags);

    private static native long getsockopt0(int fd, int level, int name, byte[] val, int[] len);

    private static native long recvmsg0(int fd, byte[] buf, int[] fds, int flags);

    private static native long shutdown0(int fd, int how);

    private static native long getuid0();

    private static native long waitpid0(int pid, int[] status, int options);

    private static native long getpid0();

    private static native long gettid0();

    private static native long spawn0(int[] pid, byte[] path, byte[][] argv, byte[][] envp, int[] dup2s, byte[] cwd,
                                      int closeFrom);

    private static native long signalToFd0(int sig, int fd);

    private static native long signalRestore0(int sig);
}
