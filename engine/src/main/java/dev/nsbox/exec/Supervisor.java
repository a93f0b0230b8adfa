package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The executor's side of one supervisor {@code nsbox-init}, over its life: the descriptors it
 * is spawned with, the protocol exchange of each step ({@link InitProtocol}), and its end.
 *
 * <p>Every descriptor has one holder ({@link Fd}, {@link Pipe}): the supervisor's side of the
 * command and report pipes and of the standard streams is closed by {@link #spawned} once the
 * supervisor has its copies; the command pipe's write end by {@link #closeCommandPipe()} (a
 * cancellation, from any thread) or {@link #close()}; an output pipe's read end by the thread
 * that pumps it, at end of file; everything still open by {@link #close()}.
 *
 * <pre>{@code
 * try (Supervisor s = Supervisor.open(sys, io)) {
 *     int pid = spawn(s.initFds());   // the sandbox thread's SpawnInit
 *     s.spawned(pid);
 *     StepResult r = s.run(0, step, launch, grace, () -> cancelled);
 *     s.stop();
 * }
 * }</pre>
 *
 * <p>{@link #run} and {@link #stop()} are called on one thread; {@link #signal(int)} and
 * {@link #closeCommandPipe()} may be called on any.
 */
final class Supervisor implements AutoCloseable {

    /** The lowest number of a descriptor handed to the spawn (see {@link Fd#atLeast}). */
    private static final int HIGH = 10;
    private static final int SETUP_FAILED = ExitCode.SETUP_FAILED.code();

    private final Sys sys;
    /** Every descriptor this object holds, closed by {@link #close()} if still open. */
    private final List<Fd> held = new ArrayList<>();
    /** Our copies of what the supervisor gets as 0..2, 3 and 4: closed once it has its own. */
    private final List<Fd> itsSide = new ArrayList<>();
    private final List<OutputPump> pumps = new ArrayList<>();
    private final int[] initFds = new int[Applier.INIT_FDS];
    private Fd commands;
    private Fd reports;
    private LineReader reportLines;
    private volatile int pid = -1;
    private StepIO io;
    /** Guards whether a step runs, so that {@link #signal} reaches it or is held for the next. */
    private final Object signals = new Object();
    private boolean stepStarted;
    private int heldSignal;

    private Supervisor(Sys sys) {
        this.sys = sys;
    }

    /**
     * Makes the descriptors the supervisor is spawned with: its binary's memfd, the command
     * and report pipes, and its standard streams (the caller's, or /dev/null and two pipes
     * pumped line by line to {@code io}).
     */
    static Supervisor open(Sys sys, StepIO io) throws SyscallException, IOException {
        Supervisor s = new Supervisor(sys);
        try {
            s.make(io);
            return s;
        } catch (SyscallException | IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void make(StepIO io) throws SyscallException, IOException {
        this.io = io;
        int memfd = InitBinary.memfd(sys);
        Pipe cmd = hold(Pipe.open(sys, "cmd"));
        commands = cmd.write();
        Pipe rep = hold(Pipe.open(sys, "rep"));
        reports = rep.read();
        itsSide(cmd.read());
        itsSide(rep.write());
        int[] stdio = {0, 1, 2};
        int[] given = io.fds();
        if (io.terminal()) {
            // The steps get a pty of the sandbox (Pty); the caller's terminal stays outside.
            int none = itsSide(hold(devNull(Sys.O_RDWR, "O_RDWR|O_CLOEXEC"))).number();
            stdio = new int[] {none, none, none};
        } else if (given != null) {
            // The caller's descriptors stay its own; the spawn gets close-on-exec copies above
            // the numbers it dup2s onto (see Fd#atLeast).
            for (int i = 0; i < 3; i++) {
                stdio[i] = itsSide(hold(new Fd(sys, sys.dupAtLeast(given[i], HIGH)))).number();
            }
        } else if (io.inherits()) {
            // A caller started with a standard stream closed (a CI job without input) has
            // either nothing there (the spawn's dup2 would fail with EBADF) or a file the JVM
            // opened since: the step gets /dev/null there instead.
            for (int i = 0; i < 3; i++) {
                if (!sys.isInheritable(i) || isJvmImage(i)) {
                    stdio[i] = itsSide(hold(devNull(Sys.O_RDWR, "O_RDWR|O_CLOEXEC"))).number();
                }
            }
        } else {
            stdio[0] = itsSide(hold(devNull(Sys.O_RDONLY, "O_RDONLY|O_CLOEXEC"))).number();
            // A read end belongs to its pump alone, which closes it at end of file: closed
            // here as well, the pump could read(2) a number the kernel had given to another file.
            Pipe out = Pipe.open(sys, "stdout");
            hold(out.write());
            pumps.add(pump(out, io.out(), "nsbox-stdout"));
            Pipe err = Pipe.open(sys, "stderr");
            hold(err.write());
            pumps.add(pump(err, io.err(), "nsbox-stderr"));
            stdio[1] = itsSide(out.write()).number();
            stdio[2] = itsSide(err.write()).number();
        }
        initFds[0] = stdio[0];
        initFds[1] = stdio[1];
        initFds[2] = stdio[2];
        initFds[3] = cmd.read().number();
        initFds[4] = rep.write().number();
        initFds[5] = memfd;
    }

    private Fd hold(Fd fd) {
        held.add(fd);
        return fd;
    }

    private Pipe hold(Pipe pipe) {
        held.add(pipe.read());
        held.add(pipe.write());
        return pipe;
    }

    private Fd itsSide(Fd fd) throws SyscallException {
        itsSide.add(fd.atLeast(HIGH));
        return fd;
    }

    private Fd devNull(int flags, String flagNames) throws SyscallException {
        return new Fd(sys, sys.open("/dev/null", flags | Sys.O_CLOEXEC, 0,
                "open(\"/dev/null\", " + flagNames + ")"));
    }

    /** The descriptors that become the supervisor's 0..5 (see {@link Applier#INIT_FDS}). */
    int[] initFds() {
        return initFds.clone();
    }

    /**
     * The supervisor has its copies of its side, or never will: drops ours.
     *
     * @param initPid its pid, or -1 when it was not spawned
     */
    void spawned(int initPid) {
        pid = initPid;
        dropItsSide();
    }

    /** Closes our copies of the supervisor's side (idempotent): it has its own, or never will. */
    void dropItsSide() {
        itsSide.forEach(Fd::close);
    }

    /** The supervisor's pid in this JVM's PID namespace, or -1 when none runs. */
    int pid() {
        return pid;
    }

    /**
     * Sends {@code sig} to the supervisor, which forwards it to the running step. A signal sent
     * while no step runs is held (the last one) and sent once the next step has started: the
     * supervisor blocks the signals it forwards only once its main() runs, and until then
     * SIGTERM would kill it (signal(7), default action) rather than reach a step.
     */
    void signal(int sig) {
        synchronized (signals) {
            if (stepStarted) {
                kill(sig);
            } else {
                heldSignal = sig;
            }
        }
    }

    private void kill(int sig) {
        int p = pid;
        if (p > 0) {
            try {
                sys.kill(p, sig);
            } catch (SyscallException e) {
                // ESRCH: the sandbox has just ended.
            }
        }
    }

    /** A step started (the held signal, if any, goes to it) or ended. */
    private void stepStarted(boolean started) {
        synchronized (signals) {
            stepStarted = started;
            if (started && heldSignal != 0) {
                kill(heldSignal);
                heldSignal = 0;
            }
        }
    }

    /**
     * Runs one step: sends the run command, then reads reports until its result, and hands on
     * everything the step wrote before returning.
     *
     * @param cancelled whether the run was cancelled, asked when the supervisor is gone
     * @return the step's result, or {@code null} when the run was cancelled or the command
     *         pipe closed (a cancellation) before the step could be sent
     */
    StepResult run(int index, StepLaunch step, StepSecurity security, Duration grace,
                   BooleanSupplier cancelled) throws SyscallException {
        if (!io.terminal()) {
            return exchange(index, step, security, grace, cancelled, null);
        }
        // A terminal per step, in the sandbox's devpts; closing it waits for the last output
        // and restores the caller's terminal, however the step ended.
        try (Pty pty = Pty.open(sys, pid, 0, 1, step)) {
            if (!commands.write(InitProtocol.terminal(pty.slave()), "write(nsbox-init, terminal " + pty.slave() + ")")) {
                return null;
            }
            return exchange(index, Pty.withTerm(step, io.term()), security, grace, cancelled, pty);
        }
    }

    private StepResult exchange(int index, StepLaunch step, StepSecurity security, Duration grace,
                                BooleanSupplier cancelled, Pty pty) throws SyscallException {
        if (reportLines == null) {
            reportLines = new LineReader(sys, reports.number());
        }
        try {
            return step(index, step, security, grace, cancelled, pty);
        } finally {
            stepStarted(false);
        }
    }

    private StepResult step(int index, StepLaunch step, StepSecurity security, Duration grace,
                            BooleanSupplier cancelled, Pty pty) throws SyscallException {
        // A cancel() either comes before this, and is seen here, or its SIGTERM after, and is
        // held for this step.
        if (cancelled.getAsBoolean()) {
            return null;
        }
        long t0 = System.nanoTime();
        if (!commands.write(InitProtocol.run(step, security, grace),
                "write(nsbox-init, run " + step.name() + ")")) {
            return null;
        }
        boolean timedOut = false;
        StepResult result = null;
        while (result == null) {
            String line = reportLines.next();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            if (line == null) {
                // The supervisor is gone: told to kill everything by a cancellation that
                // outlasted the grace period, or killed.
                result = cancelled.getAsBoolean()
                        ? new StepResult(index, step.name(), StepResult.Outcome.SIGNALED,
                                ExitCode.forSignal(Sys.SIGKILL), Sys.SIGKILL, timedOut, took,
                                "cancelled: still running after SIGTERM and " + human(grace) + " of grace, killed",
                                timedOut ? StepResult.KILLED_BY_TIMEOUT : null)
                        : new StepResult(index, step.name(), StepResult.Outcome.NOT_STARTED, SETUP_FAILED, 0,
                                timedOut, took, "the supervisor nsbox-init ended unexpectedly", null);
                break;
            }
            InitProtocol.Report r = InitProtocol.Report.parse(line);
            switch (r.word()) {
                case "started" -> {
                    stepStarted(true);
                    if (pty != null) {
                        pty.relay();
                    }
                }
                case "timeout" -> timedOut = true;
                case "exited" -> result = new StepResult(index, step.name(), StepResult.Outcome.EXITED, r.value(), 0,
                        timedOut, took, r.value() == 0 && !timedOut ? null
                        : (timedOut ? timeoutText(step, grace) + "; it then exited with " + r.value()
                        : "exited with " + r.value()), timedOut ? StepResult.KILLED_BY_TIMEOUT : null);
                case "signaled" -> result = new StepResult(index, step.name(), StepResult.Outcome.SIGNALED,
                        ExitCode.forSignal(r.value()), r.value(), timedOut, took,
                        (timedOut ? timeoutText(step, grace) + "; " : "") + "killed by signal " + r.value()
                                + " (" + signalName(r.value()) + ")", timedOut ? StepResult.KILLED_BY_TIMEOUT : null);
                case "exec" -> result = new StepResult(index, step.name(), StepResult.Outcome.NOT_EXECUTED,
                        (r.value() == Errnos.ENOENT ? ExitCode.NOT_FOUND : ExitCode.CANNOT_EXECUTE).code(), 0, false,
                        took, (r.value() == Errnos.ENOENT ? "command not found: " : "cannot execute ")
                                + step.argv().get(0) + ": execvp(3): " + Errnos.describe(r.value()), null);
                case "chdir" -> result = new StepResult(index, step.name(), StepResult.Outcome.NOT_STARTED,
                        SETUP_FAILED, 0, false, took, "cannot enter the working directory " + step.cwd()
                        + ": chdir(2): " + Errnos.describe(r.value()), null);
                default -> result = new StepResult(index, step.name(), StepResult.Outcome.NOT_STARTED, SETUP_FAILED,
                        0, false, took, failure(r.word(), r.value()), null);
            }
        }
        for (OutputPump pump : pumps) {
            try {
                pump.drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return result;
    }

    /**
     * Tells the supervisor to enter a new cgroup namespace ({@link InitProtocol#cgroupNamespace()}),
     * once it is in the sandbox's cgroup and before the first step: the steps then see that cgroup
     * as their root. A failure shows at the first step ({@code error unshare(CLONE_NEWCGROUP)}).
     *
     * @return false when the command pipe is closed (a cancellation)
     */
    boolean enterCgroupNamespace() throws SyscallException {
        return commands.write(InitProtocol.cgroupNamespace(), "write(nsbox-init, cgroup namespace)");
    }

    /** Tells the supervisor to exit and reaps it; as PID 1 its exit ends the PID namespace. */
    void stop() {
        if (pid <= 0) {
            return;
        }
        try {
            commands.write(InitProtocol.quit(), "write(nsbox-init, quit)");
        } catch (SyscallException e) {
            // EPIPE: it is gone already.
        }
        closeCommandPipe();
        try {
            sys.waitpid(pid, new int[1], 0);
        } catch (SyscallException e) {
            // ECHILD: reaped elsewhere.
        }
        pid = -1;
    }

    /**
     * Closes the command pipe's write end: the supervisor, reading end of file, kills
     * everything in the sandbox and exits. Idempotent; any thread.
     */
    void closeCommandPipe() {
        Fd c = commands;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Waits until the output pumps have delivered everything and ended (at end of file, once
     * the supervisor is gone and our marker end is closed); an interrupt does not end the wait.
     *
     * @return whether the thread was interrupted meanwhile
     */
    boolean awaitOutput() {
        boolean interrupted = false;
        for (OutputPump p : pumps) {
            p.marker().close();
            while (p.thread().isAlive()) {
                try {
                    p.thread().join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }

    /** Closes every descriptor still held; the pumps close their own at end of file. */
    @Override
    public void close() {
        held.forEach(Fd::close);
    }

    /**
     * The message for a report {@code error WHAT ERRNO}: a call that confines the step failed in
     * its process before execve(2), so the step never ran, or the supervisor itself failed. Says
     * which call, with the errno, and where one helps a hint line on how to get past it.
     */
    static String failure(String word, int errno) {
        String what = word.startsWith("error ") ? word.substring("error ".length()) : word;
        String call = confiningCall(what);
        if (call == null) {
            return "the supervisor nsbox-init failed: " + what + ": " + Errnos.describe(errno);
        }
        String hint = confinementHint(what, errno);
        return "cannot confine the step before it starts: " + call + ": " + Errnos.describe(errno)
                + (hint == null ? "" : "\n  hint: " + hint);
    }

    /** The call in C syntax for a WHAT of nsbox-init that confines a step, or null for any other. */
    private static String confiningCall(String what) {
        if (what.startsWith("PR_")) {
            return "prctl(" + what + ")";
        } else if (what.startsWith("setrlimit(") || what.startsWith("unshare(")) {
            return what;
        }
        return switch (what) {
            case "capset" -> "capset(_LINUX_CAPABILITY_VERSION_3)";
            case "seccomp" -> "seccomp(SECCOMP_SET_MODE_FILTER)";
            default -> null;
        };
    }

    /** How to get past a confining call's failure (the man page of each call names the rule). */
    private static String confinementHint(String what, int errno) {
        if (what.equals("seccomp") && errno == Errnos.EACCES) {
            // seccomp(2): installing a filter needs no_new_privs or CAP_SYS_ADMIN.
            return "the kernel installs a system-call filter only with no_new_privs or CAP_SYS_ADMIN: keep "
                    + "process.noNewPrivileges: true, or say process.seccomp: unconfined";
        } else if (what.equals("seccomp") && errno == Errnos.EINVAL) {
            return "this kernel refused the filter program; say process.seccomp: unconfined to run without one";
        } else if (what.equals("capset") && errno == Errnos.EPERM) {
            // capset(2): the new permitted set must be a subset of the old one, bounded by the bounding set.
            return "a capability in process.capabilities is not in this process's bounding or permitted set "
                    + "(/proc/self/status CapBnd, CapPrm): remove it from the spec, or run nsbox where the "
                    + "caller holds it";
        } else if ((what.equals("PR_CAPBSET_DROP") || what.equals("PR_SET_SECUREBITS")) && errno == Errnos.EPERM) {
            // prctl(2): both need CAP_SETPCAP; securebits already locked by the caller refuse too.
            return "this needs CAP_SETPCAP, which nsbox-init lacks here, or the caller locked its securebits; "
                    + "run nsbox as root or in a user namespace it makes";
        } else if (what.startsWith("setrlimit(") && errno == Errnos.EPERM) {
            // setrlimit(2): raising a hard limit needs CAP_SYS_RESOURCE.
            return "raising a hard limit needs CAP_SYS_RESOURCE: set limits.openFiles or limits.fileSize at or "
                    + "below the caller's hard limit (ulimit -H -n, ulimit -H -f)";
        } else if (what.startsWith("unshare(") && (errno == Errnos.EINVAL || errno == Errnos.ENOSYS)) {
            return "this kernel has no cgroup namespaces (CONFIG_CGROUPS namespaces, Linux 4.6); drop limits.memory, "
                    + "limits.pids and limits.cpu";
        }
        return null;
    }

    private static String timeoutText(StepLaunch step, Duration grace) {
        return "timed out after " + human(step.timeout()) + ": sent SIGTERM, SIGKILL after " + human(grace);
    }

    static String human(Duration d) {
        if (d == null) {
            return "?";
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    static String signalName(int sig) {
        String[] names = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
            "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
            "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
        return sig > 0 && sig < names.length ? names[sig] : "signal " + sig;
    }

    /**
     * Whether descriptor {@code fd} is the JDK's own {@code lib/modules}: a JVM started with
     * that standard stream closed opens its image there (measured for fd 0), without
     * close-on-exec, and would hand it to the step as its input.
     */
    private static boolean isJvmImage(int fd) {
        try {
            Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            return target.equals(Path.of(System.getProperty("java.home"), "lib", "modules"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Starts a thread that delivers the lines of {@code pipe}'s read end to {@code sink}; it
     * closes the read end at its end. The pump gets a write end of the pipe of its own
     * ({@link OutputPump#marker}), held by this object, for {@link OutputPump#drain}.
     */
    private OutputPump pump(Pipe pipe, Consumer<String> sink, String name) throws SyscallException {
        Fd marker = hold(new Fd(sys, sys.dupAtLeast(pipe.write().number(), HIGH)));
        return OutputPump.start(sys, pipe.read(), marker, sink, name);
    }
}
