/*
 * nsbox-init: the supervisor of one nsbox sandbox.
 *
 * The executor spawns it (posix_spawn(3) from a memfd) on the sandbox's thread right after
 * unshare(2): PID 1 of the sandbox's new PID namespace, or, when the spec has no PID namespace,
 * a child subreaper that forks the supervisor proper and keeps it (see keep()). A JVM cannot be
 * that process: a PID 1 must reap orphans, handle signals it would otherwise never get, and
 * outlive nothing it started; a JVM cannot fork itself safely.
 *
 * Descriptors: 3 reads commands from the executor, 4 writes reports to it; 0, 1 and 2 are the
 * steps' standard streams. Every other descriptor was closed by the spawn.
 *
 * Commands (fd 3), each a host-endian u32 length followed by that many bytes:
 *   'R' i64 timeout_ms (0: none) i64 grace_ms u8 flags u64 capabilities
 *       u32 n_limits {u32 resource u64 soft u64 hard}... u32 filter_len filter_len bytes
 *       str cwd u32 argc str... u32 envc str...
 *       run one step; str is a u32 length and that many bytes (no NUL)
 *       flags: bit 0 PR_SET_NO_NEW_PRIVS; bit 1 confine the step's capabilities to the mask
 *       `capabilities` (bit N is capability N; see confine_capabilities). With bit 1 clear the
 *       step keeps this process's capabilities and securebits and the mask is ignored.
 *       limits: at most MAX_LIMITS setrlimit(2) triples; RLIM_INFINITY is all ones.
 *       filter: a classic BPF program, an array of host-endian struct sock_filter (8 bytes
 *       each, at most BPF_MAXINSNS), installed with seccomp(SECCOMP_SET_MODE_FILTER); empty
 *       for none. Without no_new_privs the kernel accepts it only if the step keeps
 *       CAP_SYS_ADMIN (seccomp(2)); otherwise the step fails with `error seccomp EACCES`.
 *       In the step's child, in this order: setrlimit, capabilities, no_new_privs, chdir,
 *       seccomp, execve. Any failure is reported and the step is not run.
 *   'C' unshare(CLONE_NEWCGROUP): this process and every step after it see the cgroup this
 *       process is in now as the root of each hierarchy (cgroup_namespaces(7)). The executor
 *       moves this process into the sandbox's cgroup first. Nothing is reported; if it fails,
 *       every later 'R' is answered with `error unshare(CLONE_NEWCGROUP) ERRNO` and runs
 *       nothing.
 *   'T' str path
 *       the next 'R' step runs on the terminal `path` (a pseudo-terminal's slave, a path inside
 *       the sandbox, e.g. /dev/pts/0): its child, a session leader after setsid(2), opens it,
 *       makes it its controlling terminal (TIOCSCTTY, ioctl_tty(2)) and its descriptors 0, 1
 *       and 2, before anything else that confines it. Nothing is reported; if that fails the
 *       step is not run and the report is `error terminal ERRNO`. Applies to one 'R' only.
 *   'Q' exit
 * End of file on fd 3 (the executor is gone: its JVM exited or was killed, which closes the pipe)
 * kills the step and everything else, then exits. As PID 1 it also has PR_SET_PDEATHSIG.
 * Nothing runs before the first command: set-up (a /proc of this PID namespace, readable only
 * once this PID 1 exists) is finished by then.
 *
 * Reports (fd 4), one text line each:
 *   started PID            the step's process, numbered in this process's PID namespace
 *   timeout                the step's timeout expired: SIGTERM sent, SIGKILL after the grace
 *   exited N | signaled N  how the step ended
 *   exec ERRNO | chdir ERRNO    the step never ran: execvp(3) or chdir(2) failed in the child
 *   error WHAT ERRNO       the supervisor failed (fork, pipe...), or a call that confines the
 *                          step did and the step never ran; WHAT names the call, e.g.
 *                          `capset`, `PR_CAPBSET_DROP`, `setrlimit(RLIMIT_NOFILE)`, `seccomp`
 * A step's result is sent only once everything it left behind is dead and reaped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD_FD 3
#define REP_FD 4
#define MAX_MSG (16u << 20)
#define MAX_LIMITS 64

extern char **environ;

static int is_pid1;
static int proc_fd = -1; /* the host's procfs as it was at start, for the subreaper's sweep */
static sigset_t handled;
static int last_cap = 63;  /* the kernel's highest capability number, probed in main */
static int cgroupns_err;   /* errno of a failed 'C' command: no step runs after it */
static char *step_tty;     /* the 'T' command's terminal for the next step, or NULL */

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* capset(2), version 3: permitted and effective `pe`, inheritable `inh`. */
static int set_capabilities(uint64_t pe, uint64_t inh) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++) {
        data[i].permitted = (uint32_t) (pe >> (32 * i));
        data[i].effective = (uint32_t) (pe >> (32 * i));
        data[i].inheritable = (uint32_t) (inh >> (32 * i));
    }
    return (int) syscall(SYS_capset, &hdr, data);
}

/*
 * Leaves the calling process (about to exec a step) with exactly the capabilities of `keep`
 * in its bounding, permitted, effective, inheritable and ambient sets, even as uid 0, for the
 * step and everything it execs. Bits above the kernel's last capability are ignored: no
 * process can hold those.
 *
 * execve(2) gives P'(permitted) = (P(inheritable) & F(inheritable)) | (F(permitted) &
 * P(bounding)) | P'(ambient) (capabilities(7), "Transformation of capabilities during
 * execve()"), with F all ones for uid 0 unless SECBIT_NOROOT. So: the bounding set shrinks to
 * `keep` (it never grows again, so no set-uid or file-capability program gets more); the
 * securebits stop uid 0 from regaining anything at execve and setuid(2) from changing the
 * sets, and are locked; and `keep` is raised into the ambient set, which is what carries it
 * across execve of a program without file capabilities.
 *
 * Order matters, each call needing what an earlier one must not yet have taken away:
 * PR_CAPBSET_DROP and PR_SET_SECUREBITS need CAP_SETPCAP in the effective set, so it is kept
 * until the last capset(2); PR_CAP_AMBIENT_RAISE needs the capability in permitted and
 * inheritable, and must come before SECBIT_NO_CAP_AMBIENT_RAISE (prctl(2)). Inside a user
 * namespace the same calls act on the namespace's capabilities.
 *
 * Returns NULL, or the name of the call that failed with errno set.
 */
static const char *confine_capabilities(uint64_t keep) {
    if (last_cap < 63) {
        keep &= (UINT64_C(1) << (last_cap + 1)) - 1;
    }
    /* EINVAL: a kernel before 4.3 has no ambient set to clear. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
        return "PR_CAP_AMBIENT_CLEAR_ALL";
    }
    for (int cap = 0; cap <= last_cap; cap++) {
        if (!(keep & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            return "PR_CAPBSET_DROP";
        }
    }
    if (set_capabilities(keep | (UINT64_C(1) << CAP_SETPCAP), keep) < 0) {
        return "capset";
    }
    for (int cap = 0; cap <= last_cap; cap++) {
        if ((keep & (UINT64_C(1) << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
            return "PR_CAP_AMBIENT_RAISE";
        }
    }
    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP
              | SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE
              | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0) {
        return "PR_SET_SECUREBITS";
    }
    return set_capabilities(keep, keep) < 0 ? "capset" : NULL;
}

/* The name of a setrlimit(2) resource, for reports. */
static const char *rlimit_name(uint32_t resource) {
    static const char *const names[] = {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
        "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
        "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
        "RLIMIT_RTTIME"};
    return resource < sizeof names / sizeof names[0] ? names[resource] : "RLIMIT_?";
}

static void report(const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t) n > sizeof line - 2) {
        n = (int) sizeof line - 2;
    }
    line[n++] = '\n';
    const char *p = line;
    while (n > 0) {
        ssize_t w = write(REP_FD, p, (size_t) n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        p += w;
        n -= (int) w;
    }
}

static int read_full(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        p += r;
        len -= (size_t) r;
    }
    return 0;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A cursor over one command's bytes. */
struct msg {
    const char *p;
    size_t left;
    int bad;
};

static const void *take(struct msg *m, size_t n) {
    if (m->bad || m->left < n) {
        m->bad = 1;
        return NULL;
    }
    const void *r = m->p;
    m->p += n;
    m->left -= n;
    return r;
}

static uint32_t take_u32(struct msg *m) {
    uint32_t v = 0;
    const void *p = take(m, sizeof v);
    if (p) {
        memcpy(&v, p, sizeof v);
    }
    return v;
}

static uint64_t take_u64(struct msg *m) {
    uint64_t v = 0;
    const void *p = take(m, sizeof v);
    if (p) {
        memcpy(&v, p, sizeof v);
    }
    return v;
}

static int64_t take_i64(struct msg *m) {
    int64_t v = 0;
    const void *p = take(m, sizeof v);
    if (p) {
        memcpy(&v, p, sizeof v);
    }
    return v;
}

static char *take_str(struct msg *m) {
    uint32_t n = take_u32(m);
    const char *p = take(m, n);
    if (!p) {
        return NULL;
    }
    char *s = malloc((size_t) n + 1);
    if (!s) {
        m->bad = 1;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static char **take_strv(struct msg *m) {
    uint32_t n = take_u32(m);
    if (m->bad || n > m->left / 4) {
        m->bad = 1;
        return NULL;
    }
    char **v = calloc((size_t) n + 1, sizeof *v);
    if (!v) {
        m->bad = 1;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        v[i] = take_str(m);
    }
    return v;
}

/* Reaps every child that has exited; returns the wait status of `watched` if it was among them. */
static int reap(pid_t watched, int *status) {
    int found = 0;
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p <= 0) {
            break;
        }
        if (p == watched) {
            *status = st;
            found = 1;
        }
    }
    return found;
}

/* Reads the parent pid from /proc/PID/stat, or -1. */
static pid_t ppid_of(const char *pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "%s/stat", pid);
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    if (!rp) {
        return -1;
    }
    char state;
    int ppid;
    if (sscanf(rp + 1, " %c %d", &state, &ppid) != 2) {
        return -1;
    }
    return ppid;
}

/*
 * Kills everything the step left behind and reaps it. As PID 1, kill(-1, SIGKILL) reaches
 * every process of the namespace but this one (kill(2)). As a subreaper, orphans of the step
 * become this process's children (PR_SET_CHILD_SUBREAPER, prctl(2)): kill every child, reap,
 * and repeat, since a killed child's own children are reparented here in turn.
 */
static void kill_all(void) {
    if (is_pid1) {
        /* Killed again before every wait: a process that was forking while kill(-1) went
           round may have a child it did not reach. */
        for (;;) {
            kill(-1, SIGKILL);
            if (waitpid(-1, NULL, 0) < 0 && errno != EINTR) {
                return;
            }
        }
    }
    for (int round = 0; round < 10000; round++) {
        int killed = 0;
        if (proc_fd >= 0) {
            int dfd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
            if (d) {
                pid_t self = getpid();
                struct dirent *e;
                while ((e = readdir(d)) != NULL) {
                    if (e->d_name[0] < '0' || e->d_name[0] > '9') {
                        continue;
                    }
                    if (ppid_of(e->d_name) == self && kill((pid_t) atoi(e->d_name), SIGKILL) == 0) {
                        killed++;
                    }
                }
                closedir(d);
            } else if (dfd >= 0) {
                close(dfd);
            }
        }
        /* Wait for as many deaths as kills (each killed child dies, so these waits end), then
           reap whatever else has exited. The killed children's own children are now this
           process's: the next round finds them. */
        int reaped = 0;
        while (killed > 0) {
            pid_t p = waitpid(-1, NULL, 0);
            if (p > 0) {
                killed--;
                reaped = 1;
            } else if (errno != EINTR) {
                break;
            }
        }
        while (waitpid(-1, NULL, WNOHANG) > 0) {
            reaped = 1;
        }
        if (!reaped) {
            /* Nothing was killed and nothing had exited: no child is left, or the only ones
               left could not be seen in /proc. */
            if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) {
                return;
            }
            if (proc_fd < 0) {
                return;
            }
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
}

/*
 * In a step's child that has just called setsid(2): `path` becomes its controlling terminal
 * and its standard streams. A session leader without a controlling terminal acquires one with
 * TIOCSCTTY (ioctl_tty(2)); the terminal's foreground process group is then the child's, so a
 * shell started on it has job control. Returns -1 with errno set on failure.
 */
static int attach_terminal(const char *path) {
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) {
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        if (fd != i && dup2(fd, i) < 0) {
            return -1;
        }
    }
    if (fd > 2) {
        close(fd);
    }
    return 0;
}

/* Why a step's child never reached its program: sent on a pipe that execve(2) closes. */
struct child_failure {
    int err;
    char what[60];
};

static void run_step(struct msg *m) {
    if (cgroupns_err) {
        report("error unshare(CLONE_NEWCGROUP) %d", cgroupns_err);
        return;
    }
    int64_t timeout_ms = take_i64(m);
    int64_t grace_ms = take_i64(m);
    const uint8_t *flags = take(m, 1);
    uint64_t capabilities = take_u64(m);
    uint32_t n_limits = take_u32(m);
    struct {
        uint32_t resource;
        struct rlimit value;
    } limits[MAX_LIMITS];
    if (n_limits > MAX_LIMITS) {
        m->bad = 1;
    }
    for (uint32_t i = 0; i < n_limits && !m->bad; i++) {
        limits[i].resource = take_u32(m);
        limits[i].value.rlim_cur = (rlim_t) take_u64(m);
        limits[i].value.rlim_max = (rlim_t) take_u64(m);
    }
    uint32_t filter_len = take_u32(m);
    const void *filter_bytes = take(m, filter_len);
    if (filter_len % sizeof(struct sock_filter) != 0
        || filter_len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
        m->bad = 1;
    }
    char *cwd = take_str(m);
    char **argv = take_strv(m);
    char **envp = take_strv(m);
    if (m->bad || !flags || !cwd || !argv || !envp || !argv[0]) {
        report("error message %d", EINVAL);
        return;
    }
    /* Copied out of the message so that the kernel reads an aligned array. */
    struct sock_filter *filter = NULL;
    if (filter_len > 0) {
        filter = malloc(filter_len);
        if (!filter) {
            report("error malloc %d", errno);
            return;
        }
        memcpy(filter, filter_bytes, filter_len);
    }
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) {
        report("error pipe2 %d", errno);
        free(filter);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        report("error fork %d", errno);
        close(errpipe[0]);
        close(errpipe[1]);
        free(filter);
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* An ignored signal stays ignored across execve(2) (signal(7)): a step must not inherit
           the SIG_IGN this process set for SIGPIPE, or `yes | head` would end yes with an
           EPIPE error instead of quietly. */
        signal(SIGPIPE, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        setsid();
        struct child_failure f;
        memset(&f, 0, sizeof f);
        const char *what = NULL;
        if (step_tty && attach_terminal(step_tty) < 0) {
            f.err = errno;
            what = "terminal";
        }
        /* Limits first: raising a hard limit needs CAP_SYS_RESOURCE, which the step may not
           keep (setrlimit(2)). */
        for (uint32_t i = 0; i < n_limits && !what; i++) {
            if (setrlimit((int) limits[i].resource, &limits[i].value) < 0) {
                f.err = errno;
                snprintf(f.what, sizeof f.what, "setrlimit(%s)", rlimit_name(limits[i].resource));
                what = f.what;
            }
        }
        if (!what && (*flags & 2) && (what = confine_capabilities(capabilities)) != NULL) {
            f.err = errno;
        }
        if (!what && (*flags & 1) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
            f.err = errno;
            what = "PR_SET_NO_NEW_PRIVS";
        }
        if (!what && chdir(cwd) < 0) {
            f.err = errno;
            what = "chdir";
        }
        if (!what) {
            /* execvp(3) searches the step's own PATH, not the supervisor's. */
            environ = envp;
            /* The filter goes last: from here on only what it allows runs, and the calls
               above need not be allowed by it. Without no_new_privs the kernel demands
               CAP_SYS_ADMIN (seccomp(2)). */
            struct sock_fprog prog = {(unsigned short) (filter_len / sizeof(struct sock_filter)), filter};
            if (filter && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
                f.err = errno;
                what = "seccomp";
            } else {
                execvp(argv[0], argv);
                f.err = errno;
                what = "exec";
            }
        }
        if (what != f.what) {
            snprintf(f.what, sizeof f.what, "%s", what);
        }
        if (write(errpipe[1], &f, sizeof f) < 0) {
            _exit(125);
        }
        _exit(125);
    }
    free(filter);
    close(errpipe[1]);
    struct child_failure f;
    ssize_t n;
    do {
        n = read(errpipe[0], &f, sizeof f);
    } while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n == (ssize_t) sizeof f) {
        f.what[sizeof f.what - 1] = '\0';
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        kill_all();
        if (strcmp(f.what, "exec") == 0 || strcmp(f.what, "chdir") == 0) {
            report("%s %d", f.what, f.err);
        } else {
            report("error %s %d", f.what, f.err);
        }
        return;
    }
    report("started %d", (int) pid);

    int sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
    int timed_out = 0, killed = 0, status = 0, done = 0;
    while (!done) {
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            wait_ms = left < 0 ? 0 : (left > 1000000 ? 1000000 : (int) left);
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {CMD_FD, POLLIN, 0}};
        int r = poll(fds, 2, wait_ms);
        if (r < 0 && errno != EINTR) {
            report("error poll %d", errno);
            kill(pid, SIGKILL);
        }
        if (r == 0 && deadline >= 0 && now_ms() >= deadline) {
            if (!timed_out) {
                timed_out = 1;
                report("timeout");
                kill(pid, SIGTERM);
                deadline = now_ms() + (grace_ms > 0 ? grace_ms : 0);
            } else if (!killed) {
                killed = 1;
                kill(pid, SIGKILL);
                deadline = -1;
            }
        }
        if (r > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            /* The executor never writes while a step runs: this is end of file, it is gone. */
            kill(pid, SIGKILL);
            kill_all();
            _exit(1);
        }
        if (r > 0 && (fds[0].revents & POLLIN)) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t) sizeof si) {
                if (si.ssi_signo != SIGCHLD) {
                    kill(pid, (int) si.ssi_signo);
                }
            }
        }
        done = reap(pid, &status);
    }
    close(sfd);
    kill_all();
    if (WIFSIGNALED(status)) {
        report("signaled %d", WTERMSIG(status));
    } else {
        report("exited %d", WEXITSTATUS(status));
    }
}

/* Reads one command into a new buffer; NULL at end of file or for a length out of bounds. */
static char *read_command(uint32_t *len) {
    if (read_full(CMD_FD, len, sizeof *len) < 0 || *len == 0 || *len > MAX_MSG) {
        return NULL;
    }
    char *buf = malloc(*len);
    if (buf && read_full(CMD_FD, buf, *len) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/*
 * Without a PID namespace nothing dies with the supervisor: a step can kill(2) it (same uid, and
 * the default filter allows kill), and the step's processes, orphans then, go to the nearest
 * child subreaper among their ancestors, or to init (prctl(2) PR_SET_CHILD_SUBREAPER). The
 * executor's JVM cannot be that subreaper: the JDK reaps only the children it started, by pid.
 * So the process the executor spawned forks the supervisor proper and stays behind as its
 * keeper: a subreaper whose first child is the supervisor, and which gets everything the
 * supervisor leaves, however it dies. Once the supervisor is gone (it quit, or was killed) the
 * keeper kills and reaps all it got, then exits. It holds the report pipe until then, so the
 * executor reads end of file only when nothing of the run is left, and nothing can print after
 * nsbox returns (issue #18). Signals the executor sends it go on to the supervisor.
 *
 * Called once the first command is read (see main()), which the supervisor then handles.
 * Returns in the supervisor; the keeper never returns. A keeper that cannot fork reports it and
 * exits: no step runs.
 */
static void keep(void) {
    pid_t sup = fork();
    if (sup == 0) {
        /* Not inherited across fork(2) (prctl(2)): the supervisor reaps what each step leaves. */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        return;
    }
    if (sup < 0) {
        report("error fork %d", errno);
        _exit(1);
    }
    /* The steps' streams and the command pipe are the supervisor's, not the keeper's. */
    close(CMD_FD);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null_fd >= 0; fd++) {
        if (fd != null_fd) {
            dup2(null_fd, fd);
        }
    }
    if (null_fd > 2) {
        close(null_fd);
    }
    int status = 0;
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&handled, &si);
        if (sig < 0) {
            continue;
        }
        if (sig != SIGCHLD) {
            kill(sup, sig);
            continue;
        }
        int done = 0;
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
            if (p == sup) {
                status = st;
                done = 1;
            }
        }
        if (done) {
            break;
        }
    }
    kill_all();
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(void) {
    /* Not dumpable: a step runs as the same uid, so without this it could read this process's
       /proc/PID/fd, environ and mem (ptrace access mode checks, proc(5): "PR_SET_DUMPABLE").
       A step's own execve(2) makes it dumpable again, as it does for any program. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    is_pid1 = getpid() == 1;
    if (is_pid1) {
        /* The executor spawned this process from a thread: it dies with that thread, and the
           PID namespace, everything in it included, dies with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    } else {
        /* No PDEATHSIG here: killed, a subreaper leaves the step's processes to the host's
           init. When the executor goes away its end of fd 3 closes, and the supervisor kills
           everything before it exits; then its keeper sweeps and exits too (keep()). */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        /* Still the host's procfs: nothing of the spec is mounted yet. */
        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    /* The spawn left the memfd this program was loaded from open at fd 5. */
    close(5);
    fcntl(CMD_FD, F_SETFD, FD_CLOEXEC);
    fcntl(REP_FD, F_SETFD, FD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    /* The highest capability this kernel knows: PR_CAPBSET_READ answers EINVAL past it
       (prctl(2)); /proc/sys/kernel/cap_last_cap may not be mounted. */
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
            last_cap = cap - 1;
            break;
        }
    }

    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGQUIT);
    /* Blocked, these are never ignored, not even by a PID 1 (sig_ignored() in kernel/signal.c),
       and wait for the signalfd while a step runs. Between steps they stay pending. */
    sigprocmask(SIG_BLOCK, &handled, NULL);
    uint32_t len = 0;
    char *first = NULL;
    if (!is_pid1) {
        /* The supervisor is forked only once the first command is here, that is once set-up is
           over: a fork racing the executor's pivot_root(2) could leave the child in the old
           root (pivot_root moves only the tasks it finds pointing there), and the executor
           moves this process into the sandbox's cgroup, if any, before its first command, so
           the supervisor is born there. */
        first = read_command(&len);
        if (!first) {
            return 0;
        }
        keep();
    }

    for (;;) {
        char *buf = first ? first : read_command(&len);
        first = NULL;
        if (!buf) {
            break;
        }
        struct msg m = {buf + 1, len - 1, 0};
        if (buf[0] == 'Q') {
            free(buf);
            break;
        }
        if (buf[0] == 'R') {
            run_step(&m);
            free(step_tty);
            step_tty = NULL;
        } else if (buf[0] == 'T') {
            free(step_tty);
            step_tty = take_str(&m);
        } else if (buf[0] == 'C') {
            if (!cgroupns_err && unshare(CLONE_NEWCGROUP) < 0) {
                cgroupns_err = errno;
            }
        } else {
            report("error command %d", EINVAL);
        }
        free(buf);
    }
    kill_all();
    return 0;
}
