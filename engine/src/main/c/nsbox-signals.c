/*
 * nsbox-signals: a signal handler that writes the signal's number to a pipe, for the JVM.
 *
 * HotSpot keeps SIGQUIT for itself (a thread dump on stdout) and refuses it to
 * sun.misc.Signal, with or without -Xrs; yet docs/spec.md wants SIGQUIT sent to nsbox to
 * reach the step, as SIGINT, SIGTERM and SIGHUP do. A handler of Java code cannot run in a
 * signal handler's context, so this one does the one async-signal-safe thing needed: write(2)
 * one byte to a pipe whose other end a Java thread reads (the self-pipe trick). The JVM's own
 * handler is saved and put back by nsbox_signal_restore, so a thread dump works again after the
 * run.
 *
 * Built by the Maven build as a shared object (cc -shared -fPIC), carried in the jar, loaded by
 * dev.nsbox.sys.NativeSignals from a memfd: nothing is written to the host's disk.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

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
int nsbox_signal_to_fd(int sig, int fd)
{
    struct sigaction sa;
    if (sig <= 0 || sig >= NSIG_MAX || fd < 0) {
        errno = EINVAL;
        return -1;
    }
    pipe_fd[sig] = fd + 1;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(sig, &sa, &saved[sig]) < 0) {
        pipe_fd[sig] = 0;
        return -1;
    }
    return 0;
}

/* Puts back the handler nsbox_signal_to_fd replaced. */
int nsbox_signal_restore(int sig)
{
    int r;
    if (sig <= 0 || sig >= NSIG_MAX) {
        errno = EINVAL;
        return -1;
    }
    r = sigaction(sig, &saved[sig], 0);
    pipe_fd[sig] = 0;
    return r;
}
