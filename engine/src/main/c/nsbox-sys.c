/*
 * nsbox-sys: the C library functions and system calls nsbox makes, as JNI methods of
 * dev.nsbox.sys.NativeLibC, and a signal handler that writes the signal's number to a pipe.
 *
 * Each wrapper makes one call and, when it fails, keeps errno in a per-thread variable that
 * NativeLibC.errno0 returns: the JVM may run code of its own (and change errno) between a native
 * method's return and the next Java statement, so errno is read here, straight after the call.
 * Strings come as NUL-terminated byte arrays, encoded by the Java side (UTF-8), so that a path
 * reaches the kernel byte for byte; arrays are copied in and out, never pinned, because a call
 * such as read(2) or waitpid(2) may block for as long as the step runs.
 *
 * The signal handler: HotSpot keeps SIGQUIT for itself (a thread dump on stdout) and refuses it
 * to sun.misc.Signal, with or without -Xrs; yet docs/spec.md wants SIGQUIT sent to nsbox to
 * reach the step, as SIGINT, SIGTERM and SIGHUP do. A handler of Java code cannot run in a
 * signal handler's context, so this one does the one async-signal-safe thing needed: write(2)
 * one byte to a pipe whose other end a Java thread reads (the self-pipe trick). The JVM's own
 * handler is saved and put back by signalRestore0, so a thread dump works again after the run.
 *
 * Built by the Maven build as a shared object (cc -shared -fPIC) for each architecture, carried
 * in the jar, loaded by dev.nsbox.sys.NativeLibC (docs/decisions/0029-coldjvm-libc-through-jni.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define J(name) JNIEXPORT jlong JNICALL Java_dev_nsbox_sys_NativeLibC_##name

static __thread int last_errno;

/* The call's result; errno kept when it failed (-1). */
static jlong kept(long r)
{
    if (r < 0) {
        last_errno = errno;
    }
    return (jlong) r;
}

/* A NUL-terminated copy of a Java byte[] (NULL for null); free with release(). */
static char *bytes(JNIEnv *env, jbyteArray a)
{
    jsize n;
    char *s;
    if (a == NULL) {
        return NULL;
    }
    n = (*env)->GetArrayLength(env, a);
    s = malloc((size_t) n + 1);
    if (s == NULL) {
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *) s);
    s[n] = 0;
    return s;
}

#define STR(name, arr) \
    char *name = bytes(env, arr); \
    if (arr != NULL && name == NULL) { last_errno = ENOMEM; return -1; }

/* Fails a call whose arguments could not be copied, as the C library would for lack of memory. */
static jlong nomem(void)
{
    last_errno = ENOMEM;
    return -1;
}

JNIEXPORT jint JNICALL Java_dev_nsbox_sys_NativeLibC_errno0(JNIEnv *env, jclass c)
{
    (void) env;
    (void) c;
    return last_errno;
}

J(unshare0)(JNIEnv *env, jclass c, jint flags)
{
    (void) env; (void) c;
    return kept(unshare(flags));
}

J(setns0)(JNIEnv *env, jclass c, jint fd, jint nstype)
{
    (void) env; (void) c;
    return kept(setns(fd, nstype));
}

J(mount0)(JNIEnv *env, jclass c, jbyteArray source, jbyteArray target, jbyteArray fstype, jlong flags,
          jbyteArray data)
{
    long r;
    char *s = bytes(env, source), *t = bytes(env, target), *f = bytes(env, fstype), *d = bytes(env, data);
    (void) c;
    if ((source && !s) || (target && !t) || (fstype && !f) || (data && !d)) {
        r = nomem();
    } else {
        r = kept(mount(s, t, f, (unsigned long) flags, d));
    }
    free(s); free(t); free(f); free(d);
    return r;
}

J(umount20)(JNIEnv *env, jclass c, jbyteArray target, jint flags)
{
    long r;
    STR(t, target);
    (void) c;
    r = kept(umount2(t, flags));
    free(t);
    return r;
}

J(chdir0)(JNIEnv *env, jclass c, jbyteArray path)
{
    long r;
    STR(p, path);
    (void) c;
    r = kept(chdir(p));
    free(p);
    return r;
}

J(fchdir0)(JNIEnv *env, jclass c, jint fd)
{
    (void) env; (void) c;
    return kept(fchdir(fd));
}

J(sethostname0)(JNIEnv *env, jclass c, jbyteArray name, jlong len)
{
    long r;
    STR(n, name);
    (void) c;
    r = kept(sethostname(n, (size_t) len));
    free(n);
    return r;
}

J(prctl0)(JNIEnv *env, jclass c, jint option, jlong a2, jlong a3, jlong a4, jlong a5)
{
    (void) env; (void) c;
    return kept(prctl(option, (unsigned long) a2, (unsigned long) a3, (unsigned long) a4, (unsigned long) a5));
}

/* syscall(number, int, path, int): open_tree. */
J(syscallIPI0)(JNIEnv *env, jclass c, jlong nr, jint a1, jbyteArray a2, jint a3)
{
    long r;
    STR(p, a2);
    (void) c;
    r = kept(syscall(nr, a1, p, a3));
    free(p);
    return r;
}

/* syscall(number, int, int, int): fsmount, close_range. */
J(syscallIII0)(JNIEnv *env, jclass c, jlong nr, jint a1, jint a2, jint a3)
{
    (void) env; (void) c;
    return kept(syscall(nr, a1, a2, a3));
}

/* syscall(number, dfd, path, long[] struct, size): mount_setattr with flags, openat2 without. */
J(syscallStruct0)(JNIEnv *env, jclass c, jlong nr, jint dfd, jbyteArray path, jint flags, jboolean hasFlags,
                  jlongArray st, jlong size)
{
    long r;
    uint64_t buf[8] = {0};
    jsize n = (*env)->GetArrayLength(env, st);
    STR(p, path);
    (void) c;
    if (n > 8) {
        n = 8;
    }
    (*env)->GetLongArrayRegion(env, st, 0, n, (jlong *) buf);
    if (hasFlags) {
        r = kept(syscall(nr, dfd, p, flags, buf, (size_t) size));
    } else {
        r = kept(syscall(nr, dfd, p, buf, (size_t) size));
    }
    free(p);
    return r;
}

/* syscall(number, int, path, int, path, int): move_mount. */
J(syscallIPIPI0)(JNIEnv *env, jclass c, jlong nr, jint a1, jbyteArray a2, jint a3, jbyteArray a4, jint a5)
{
    long r;
    char *p2 = bytes(env, a2), *p4 = bytes(env, a4);
    (void) c;
    if ((a2 && !p2) || (a4 && !p4)) {
        r = nomem();
    } else {
        r = kept(syscall(nr, a1, p2, a3, p4, a5));
    }
    free(p2); free(p4);
    return r;
}

/* syscall(number, string, int): fsopen. */
J(syscallPI0)(JNIEnv *env, jclass c, jlong nr, jbyteArray a1, jint a2)
{
    long r;
    STR(p, a1);
    (void) c;
    r = kept(syscall(nr, p, a2));
    free(p);
    return r;
}

/* syscall(number, int, int, string, string, int): fsconfig. */
J(syscallIIPPI0)(JNIEnv *env, jclass c, jlong nr, jint a1, jint a2, jbyteArray a3, jbyteArray a4, jint a5)
{
    long r;
    char *p3 = bytes(env, a3), *p4 = bytes(env, a4);
    (void) c;
    if ((a3 && !p3) || (a4 && !p4)) {
        r = nomem();
    } else {
        r = kept(syscall(nr, a1, a2, p3, p4, a5));
    }
    free(p3); free(p4);
    return r;
}

/* syscall(number, string, string): pivot_root. */
J(syscallPP0)(JNIEnv *env, jclass c, jlong nr, jbyteArray a1, jbyteArray a2)
{
    long r;
    char *p1 = bytes(env, a1), *p2 = bytes(env, a2);
    (void) c;
    if ((a1 && !p1) || (a2 && !p2)) {
        r = nomem();
    } else {
        r = kept(syscall(nr, p1, p2));
    }
    free(p1); free(p2);
    return r;
}

J(memfdCreate0)(JNIEnv *env, jclass c, jbyteArray name, jint flags)
{
    long r;
    STR(n, name);
    (void) c;
    r = kept(syscall(SYS_memfd_create, n, flags));
    free(n);
    return r;
}

J(mkdir0)(JNIEnv *env, jclass c, jbyteArray path, jint mode)
{
    long r;
    STR(p, path);
    (void) c;
    r = kept(mkdir(p, (mode_t) mode));
    free(p);
    return r;
}

J(chmod0)(JNIEnv *env, jclass c, jbyteArray path, jint mode)
{
    long r;
    STR(p, path);
    (void) c;
    r = kept(chmod(p, (mode_t) mode));
    free(p);
    return r;
}

J(openat0)(JNIEnv *env, jclass c, jint dirfd, jbyteArray path, jint flags, jint mode)
{
    long r;
    STR(p, path);
    (void) c;
    r = kept(openat(dirfd, p, flags, (mode_t) mode));
    free(p);
    return r;
}

J(close0)(JNIEnv *env, jclass c, jint fd)
{
    (void) env; (void) c;
    return kept(close(fd));
}

J(symlink0)(JNIEnv *env, jclass c, jbyteArray target, jbyteArray path)
{
    long r;
    char *t = bytes(env, target), *p = bytes(env, path);
    (void) c;
    if ((target && !t) || (path && !p)) {
        r = nomem();
    } else {
        r = kept(symlink(t, p));
    }
    free(t); free(p);
    return r;
}

J(renameat20)(JNIEnv *env, jclass c, jint olddfd, jbyteArray oldpath, jint newdfd, jbyteArray newpath, jint flags)
{
    long r;
    char *o = bytes(env, oldpath), *n = bytes(env, newpath);
    (void) c;
    if ((oldpath && !o) || (newpath && !n)) {
        r = nomem();
    } else {
        r = kept(syscall(SYS_renameat2, olddfd, o, newdfd, n, flags));
    }
    free(o); free(n);
    return r;
}

J(write0)(JNIEnv *env, jclass c, jint fd, jbyteArray buf, jlong count)
{
    long r;
    char *b;
    (void) c;
    if (count < 0 || count > (*env)->GetArrayLength(env, buf)) {
        last_errno = EINVAL;
        return -1;
    }
    b = malloc(count > 0 ? (size_t) count : 1);
    if (b == NULL) {
        return nomem();
    }
    (*env)->GetByteArrayRegion(env, buf, 0, (jsize) count, (jbyte *) b);
    r = kept(write(fd, b, (size_t) count));
    free(b);
    return r;
}

/* read(2) when offset < 0, pread(2) otherwise. */
J(read0)(JNIEnv *env, jclass c, jint fd, jbyteArray buf, jlong count, jlong offset)
{
    long r;
    char *b;
    (void) c;
    if (count < 0 || count > (*env)->GetArrayLength(env, buf)) {
        last_errno = EINVAL;
        return -1;
    }
    b = malloc(count > 0 ? (size_t) count : 1);
    if (b == NULL) {
        return nomem();
    }
    r = kept(offset < 0 ? read(fd, b, (size_t) count) : pread(fd, b, (size_t) count, (off_t) offset));
    if (r > 0) {
        (*env)->SetByteArrayRegion(env, buf, 0, (jsize) r, (jbyte *) b);
    }
    free(b);
    return r;
}

J(pipe20)(JNIEnv *env, jclass c, jintArray fds, jint flags)
{
    int p[2];
    long r;
    (void) c;
    r = kept(pipe2(p, flags));
    if (r == 0) {
        (*env)->SetIntArrayRegion(env, fds, 0, 2, (jint *) p);
    }
    return r;
}

J(fcntl0)(JNIEnv *env, jclass c, jint fd, jint cmd, jint arg)
{
    (void) env; (void) c;
    return kept(fcntl(fd, cmd, arg));
}

J(kill0)(JNIEnv *env, jclass c, jint pid, jint sig)
{
    (void) env; (void) c;
    return kept(kill(pid, sig));
}

J(socket0)(JNIEnv *env, jclass c, jint domain, jint type, jint protocol)
{
    (void) env; (void) c;
    return kept(socket(domain, type, protocol));
}

/* ioctl(2) with a buffer of the array's length, copied in and back out. */
J(ioctl0)(JNIEnv *env, jclass c, jint fd, jlong request, jbyteArray arg)
{
    long r;
    jsize n = arg == NULL ? 0 : (*env)->GetArrayLength(env, arg);
    char *b = malloc(n > 0 ? (size_t) n : 1);
    (void) c;
    if (b == NULL) {
        return nomem();
    }
    if (n > 0) {
        (*env)->GetByteArrayRegion(env, arg, 0, n, (jbyte *) b);
    }
    r = kept(ioctl(fd, (unsigned long) request, arg == NULL ? NULL : b));
    if (r >= 0 && n > 0) {
        (*env)->SetByteArrayRegion(env, arg, 0, n, (jbyte *) b);
    }
    free(b);
    return r;
}

J(bind0)(JNIEnv *env, jclass c, jint fd, jbyteArray addr, jint len)
{
    long r;
    jsize n = (*env)->GetArrayLength(env, addr);
    char *b;
    (void) c;
    if (len < 0 || len > n) {
        last_errno = EINVAL;
        return -1;
    }
    b = malloc(n > 0 ? (size_t) n : 1);
    if (b == NULL) {
        return nomem();
    }
    (*env)->GetByteArrayRegion(env, addr, 0, n, (jbyte *) b);
    r = kept(bind(fd, (struct sockaddr *) b, (socklen_t) len));
    free(b);
    return r;
}

J(listen0)(JNIEnv *env, jclass c, jint fd, jint backlog)
{
    (void) env; (void) c;
    return kept(listen(fd, backlog));
}

J(accept40)(JNIEnv *env, jclass c, jint fd, jint flags)
{
    (void) env; (void) c;
    return kept(accept4(fd, NULL, NULL, flags));
}

J(getsockopt0)(JNIEnv *env, jclass c, jint fd, jint level, jint name, jbyteArray val, jintArray len)
{
    long r;
    jint l;
    socklen_t sl;
    char b[256];
    (void) c;
    (*env)->GetIntArrayRegion(env, len, 0, 1, &l);
    if (l < 0 || l > (jint) sizeof b || l > (*env)->GetArrayLength(env, val)) {
        last_errno = EINVAL;
        return -1;
    }
    sl = (socklen_t) l;
    r = kept(getsockopt(fd, level, name, b, &sl));
    if (r == 0) {
        l = (jint) sl;
        (*env)->SetByteArrayRegion(env, val, 0, l, (jbyte *) b);
        (*env)->SetIntArrayRegion(env, len, 0, 1, &l);
    }
    return r;
}

/*
 * recvmsg(2) of one buffer and the descriptors passed with it (SCM_RIGHTS, unix(7)): fds gets
 * the descriptors received, then -1; any beyond its length are closed.
 */
J(recvmsg0)(JNIEnv *env, jclass c, jint fd, jbyteArray buf, jintArray fds, jint flags)
{
    jsize n = (*env)->GetArrayLength(env, buf);
    jsize room = (*env)->GetArrayLength(env, fds);
    char *data = malloc(n > 0 ? (size_t) n : 1);
    union {
        char bytes[CMSG_SPACE(sizeof(int) * 64)];
        struct cmsghdr align;
    } control;
    struct iovec iov;
    struct msghdr msg;
    struct cmsghdr *cm;
    jint *got;
    jsize count = 0;
    long r;
    (void) c;
    if (data == NULL) {
        return nomem();
    }
    got = malloc(sizeof(jint) * (size_t) (room > 0 ? room : 1));
    if (got == NULL) {
        free(data);
        return nomem();
    }
    memset(&msg, 0, sizeof msg);
    iov.iov_base = data;
    iov.iov_len = (size_t) n;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    r = kept(recvmsg(fd, &msg, flags));
    if (r >= 0) {
        for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                size_t i;
                for (i = 0; i < k; i++) {
                    int received;
                    memcpy(&received, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                    if (count < room) {
                        got[count++] = received;
                    } else {
                        close(received);
                    }
                }
            }
        }
        for (jsize i = count; i < room; i++) {
            got[i] = -1;
        }
        if (r > 0) {
            (*env)->SetByteArrayRegion(env, buf, 0, (jsize) r, (jbyte *) data);
        }
        if (room > 0) {
            (*env)->SetIntArrayRegion(env, fds, 0, room, got);
        }
    }
    free(got);
    free(data);
    return r;
}

J(shutdown0)(JNIEnv *env, jclass c, jint fd, jint how)
{
    (void) env; (void) c;
    return kept(shutdown(fd, how));
}

J(getuid0)(JNIEnv *env, jclass c)
{
    (void) env; (void) c;
    return (jlong) getuid();
}

J(waitpid0)(JNIEnv *env, jclass c, jint pid, jintArray status, jint options)
{
    int s = 0;
    long r;
    (void) c;
    r = kept(waitpid(pid, &s, options));
    if (r > 0 && status != NULL) {
        jint v = s;
        (*env)->SetIntArrayRegion(env, status, 0, 1, &v);
    }
    return r;
}

J(getpid0)(JNIEnv *env, jclass c)
{
    (void) env; (void) c;
    return (jlong) getpid();
}

J(gettid0)(JNIEnv *env, jclass c)
{
    (void) env; (void) c;
    return (jlong) syscall(SYS_gettid);
}

/* A NULL-terminated copy of a Java byte[][] of NUL-less strings; free with free_vector(). */
static char **vector(JNIEnv *env, jobjectArray a, int *ok)
{
    jsize n = (*env)->GetArrayLength(env, a);
    char **v = calloc((size_t) n + 1, sizeof(char *));
    *ok = v != NULL;
    for (jsize i = 0; *ok && i < n; i++) {
        jbyteArray e = (jbyteArray) (*env)->GetObjectArrayElement(env, a, i);
        v[i] = bytes(env, e);
        *ok = v[i] != NULL;
        (*env)->DeleteLocalRef(env, e);
    }
    return v;
}

static void free_vector(char **v)
{
    if (v != NULL) {
        for (char **p = v; *p != NULL; p++) {
            free(*p);
        }
        free(v);
    }
}

/*
 * posix_spawn(3) of path: each dup2s[i] >= 0 becomes descriptor i, then chdir(cwd) unless cwd is
 * null, then every descriptor from closeFrom up is closed; the signal mask is emptied and every
 * signal's disposition reset, so the child inherits nothing of the JVM's signal handling.
 * Returns the error number (0 on success), as posix_spawn(3) does; the pid in pid[0].
 */
J(spawn0)(JNIEnv *env, jclass c, jintArray pid, jbyteArray path, jobjectArray argv, jobjectArray envp,
          jintArray dup2s, jbyteArray cwd, jint closeFrom)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, all;
    int rc, ok1, ok2;
    pid_t child = 0;
    jsize nd = (*env)->GetArrayLength(env, dup2s);
    jint d[64];
    char *p = bytes(env, path), *w = bytes(env, cwd);
    char **av = vector(env, argv, &ok1), **ev = vector(env, envp, &ok2);
    (void) c;
    if (!p || (cwd && !w) || !ok1 || !ok2 || nd > 64) {
        rc = nd > 64 ? EINVAL : ENOMEM;
        goto out;
    }
    (*env)->GetIntArrayRegion(env, dup2s, 0, nd, d);
    rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        goto out;
    }
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        goto out;
    }
    for (jsize i = 0; i < nd && rc == 0; i++) {
        if (d[i] >= 0) {
            rc = posix_spawn_file_actions_adddup2(&actions, d[i], (int) i);
        }
    }
    if (rc == 0 && w != NULL) {
        rc = posix_spawn_file_actions_addchdir_np(&actions, w);
    }
    if (rc == 0) {
        rc = posix_spawn_file_actions_addclosefrom_np(&actions, closeFrom);
    }
    if (rc == 0) {
        sigemptyset(&none);
        sigfillset(&all);
        rc = posix_spawnattr_setsigmask(&attr, &none);
    }
    if (rc == 0) {
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    }
    if (rc == 0) {
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    }
    if (rc == 0) {
        rc = posix_spawn(&child, p, &actions, &attr, av, ev);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc == 0) {
        jint v = child;
        (*env)->SetIntArrayRegion(env, pid, 0, 1, &v);
    }
out:
    free(p);
    free(w);
    free_vector(av);
    free_vector(ev);
    return rc;
}

#define NSIG_MAX 65

/* The pipe's write end plus one per signal (0: not forwarded). */
static volatile sig_atomic_t pipe_fd[NSIG_MAX];
static struct sigaction saved[NSIG_MAX];

static void on_signal(int sig)
{
    int saved_errno = errno;
    unsigned char b = (unsigned char) sig;
    if (sig > 0 && sig < NSIG_MAX && pipe_fd[sig] > 0) {
        ssize_t r = write(pipe_fd[sig] - 1, &b, 1);
        (void) r; /* a full pipe drops a repeat of a signal already waiting: the same as the kernel */
    }
    errno = saved_errno;
}

/* Makes `sig` write its number to `fd` from now on, saving the handler it replaces. */
J(signalToFd0)(JNIEnv *env, jclass c, jint sig, jint fd)
{
    struct sigaction sa;
    (void) env; (void) c;
    if (sig <= 0 || sig >= NSIG_MAX || fd < 0) {
        last_errno = EINVAL;
        return -1;
    }
    pipe_fd[sig] = fd + 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(sig, &sa, &saved[sig]) < 0) {
        last_errno = errno;
        pipe_fd[sig] = 0;
        return -1;
    }
    return 0;
}

/* Puts back the handler signalToFd0 replaced. */
J(signalRestore0)(JNIEnv *env, jclass c, jint sig)
{
    long r;
    (void) env; (void) c;
    if (sig <= 0 || sig >= NSIG_MAX) {
        last_errno = EINVAL;
        return -1;
    }
    r = kept(sigaction(sig, &saved[sig], 0));
    pipe_fd[sig] = 0;
    return r;
}
