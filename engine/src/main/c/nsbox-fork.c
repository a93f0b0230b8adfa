/*
 * nsbox-fork: the java that Surefire and Failsafe start for each test fork once nsbox:prepare
 * has run (target/nsbox-jvm/bin/java). It runs no JVM itself: it hands the fork to the warm
 * engine of the Maven build (dev.nsbox.exec.ForkServer), which starts the test JVM in the test
 * spec's sandbox, and it ends as that JVM ends.
 *
 * Where: the server listens on HOME/forks/socket, HOME being the folder above this file's bin/
 * (found through /proc/self/exe). The socket is reached as /proc/self/fd/N/socket, N a
 * descriptor of HOME/forks, so that a deep build directory never exceeds sun_path's 108 bytes
 * (unix(7)).
 *
 * Protocol (integers are u32 in network byte order; a str is a u32 length and its bytes):
 *   to the server:  "NSF1" u32 body_len, sent with SCM_RIGHTS carrying descriptors 0, 1 and 2;
 *                   then the body: u32 argc str... u32 envc str... str cwd;
 *                   then, for each SIGINT, SIGTERM, SIGHUP or SIGQUIT received, 'K' u32 signal.
 *   from it:        any number of 'M' str (a line this program writes to its standard error),
 *                   then one 'X' u32 exit_code or 'G' u32 signal (the test JVM died of it).
 *
 * Fails closed: whatever prevents the hand-over (no server, a refused connection, a server that
 * ends without a result) is said on standard error with the fix, and the exit status is 125.
 * It never executes a java of its own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REFUSED 125

extern char **environ;

static char socket_name[PATH_MAX + 16];

static void refuse(const char *what, int err) {
    fprintf(stderr, "nsbox: error: this java hands each test JVM to the nsbox fork server of the Maven build"
            " that ran nsbox:prepare, at %s, and %s%s%s; the test JVM does not run (never outside the sandbox)\n"
            "  hint: run the tests through that build (mvn test or mvn verify run nsbox:prepare first and keep"
            " its server up until the build ends); to run them without nsbox, build with -Dnsbox.skip\n",
            socket_name, what, err ? ": " : "", err ? strerror(err) : "");
    exit(REFUSED);
}

static int write_full(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

struct buf {
    char *data;
    size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) {
            cap *= 2;
        }
        b->data = realloc(b->data, cap);
        if (b->data == NULL) {
            refuse("cannot build the request", ENOMEM);
        }
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) {
    uint32_t be = htonl(v);
    put(b, &be, 4);
}

static void put_str(struct buf *b, const char *s) {
    size_t n = strlen(s);
    put_u32(b, (uint32_t) n);
    put(b, s, n);
}

/* HOME/forks, HOME being the parent of the folder holding this executable. */
static int open_socket_dir(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(socket_name, sizeof socket_name, "(unknown: /proc/self/exe unreadable)");
        refuse("cannot find where this java lies", errno);
    }
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL) {
            refuse("cannot find where this java lies", 0);
        }
        *slash = '\0';
    }
    snprintf(socket_name, sizeof socket_name, "%s/forks/socket", exe);
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/forks", exe);
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        refuse("its folder cannot be opened", errno);
    }
    return fd;
}

int main(int argc, char **argv) {
    /* A write to a connection the server has closed fails with EPIPE instead of killing this process. */
    signal(SIGPIPE, SIG_IGN);
    /* A stream Surefire left closed cannot be passed (sendmsg(2) fails with EBADF): /dev/null takes its place. */
    for (int i = 0; i < 3; i++) {
        if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) != i) {
            return REFUSED;
        }
    }
    int dir = open_socket_dir();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/socket", dir);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        refuse("no socket can be made", errno);
    }
    if (connect(s, (struct sockaddr *) &addr, sizeof addr) < 0) {
        refuse(errno == ECONNREFUSED || errno == ENOENT ? "no server listens there (has the build ended?)"
                                                        : "it cannot be reached", errno);
    }
    close(dir);

    /* Blocked before the hand-over, so that none is lost: each is forwarded to the test JVM. */
    sigset_t forwarded;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGINT);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGHUP);
    sigaddset(&forwarded, SIGQUIT);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);
    int sfd = signalfd(-1, &forwarded, SFD_CLOEXEC);
    if (sfd < 0) {
        refuse("signalfd failed", errno);
    }

    struct buf body = {0};
    put_u32(&body, (uint32_t) argc);
    for (int i = 0; i < argc; i++) {
        put_str(&body, argv[i]);
    }
    uint32_t envc = 0;
    for (char **e = environ; *e; e++) {
        envc++;
    }
    put_u32(&body, envc);
    for (char **e = environ; *e; e++) {
        put_str(&body, *e);
    }
    char *cwd = getcwd(NULL, 0);
    if (cwd == NULL) {
        refuse("the working directory cannot be named", errno);
    }
    put_str(&body, cwd);

    char header[8] = {'N', 'S', 'F', '1'};
    uint32_t len_be = htonl((uint32_t) body.len);
    memcpy(header + 4, &len_be, 4);
    struct iovec iov = {.iov_base = header, .iov_len = sizeof header};
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(3 * sizeof(int));
    int stdio[3] = {0, 1, 2};
    memcpy(CMSG_DATA(c), stdio, sizeof stdio);
    ssize_t sent;
    do {
        sent = sendmsg(s, &msg, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    /* A server that refuses this process (SO_PEERCRED) says why and closes the connection,
       possibly before this process has written anything: EPIPE or ECONNRESET here is not the
       end, the reply below still tells it. Only without a reply is the failed write the reason. */
    int handover = 0;
    if (sent < 0) {
        handover = errno;
    } else if ((size_t) sent < sizeof header && write_full(s, header + sent, sizeof header - (size_t) sent) < 0) {
        handover = errno;
    }
    if (handover != 0 && handover != EPIPE && handover != ECONNRESET) {
        refuse("the hand-over failed", handover);
    }
    if (handover == 0) {
        (void) write_full(s, body.data, body.len);
    }

    struct pollfd fds[2] = {{.fd = s, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            refuse("poll failed", errno);
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                char frame[5] = {'K'};
                uint32_t sig = htonl(si.ssi_signo);
                memcpy(frame + 1, &sig, 4);
                /* A server that has gone is noticed on the socket's next read. */
                (void) write_full(s, frame, sizeof frame);
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char type;
            uint32_t v;
            if (read_full(s, &type, 1) < 0 || read_full(s, &v, 4) < 0) {
                if (handover != 0) {
                    refuse("the hand-over failed", handover);
                }
                refuse("the server ended before the test JVM did", 0);
            }
            v = ntohl(v);
            if (type == 'M') {
                char *line = malloc((size_t) v + 1);
                if (line == NULL || read_full(s, line, v) < 0) {
                    refuse("the server ended before the test JVM did", 0);
                }
                line[v] = '\n';
                (void) write_full(2, line, (size_t) v + 1);
                free(line);
            } else if (type == 'X') {
                return (int) (v & 0xff);
            } else if (type == 'G') {
                /* Die of the same signal, as the test JVM did, so that Surefire sees what it would see. */
                int sig = (int) v;
                signal(sig, SIG_DFL);
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, sig);
                sigprocmask(SIG_UNBLOCK, &one, NULL);
                raise(sig);
                return 128 + sig;
            } else {
                refuse("the server answered something this java does not understand", 0);
            }
        }
    }
}
