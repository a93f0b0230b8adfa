package dev.nsbox.exec;

import dev.nsbox.mounts.MountTableDiff;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.HostEffect;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Applies a {@link Plan} for real and runs its steps: the only part of nsbox that touches the
 * kernel.
 *
 * <p>How (docs/design.md, "The runtime"): a fresh platform thread unshares the plan's
 * namespaces, spawns the supervisor {@code nsbox-init} from a memfd, and applies the plan's
 * operations in order; the JVM's other threads never see any of it. This thread then reads the
 * sandbox's mount table back and checks every {@link dev.nsbox.plan.Expectation} (exit 125 on a
 * mismatch, before any step), hands the steps to the supervisor one by one (the first failing
 * one stops the run), and finally compares the host's mount table with the one it saw before.
 *
 * <pre>{@code
 * RunResult r = new Sandbox(plan, StepIO.lines(log::info, log::warn), listener, Sandbox.Options.defaults()).run();
 * }</pre>
 *
 * <p>Cancellation: {@link #cancel()} (from any thread) or the end of the JVM: a shutdown hook
 * sends SIGTERM to the running step and waits up to the grace period; when the JVM dies the
 * supervisor's control pipe closes and it kills everything in the sandbox, and as PID 1 it dies
 * with the sandbox thread in any case ({@code PR_SET_PDEATHSIG}). No sandbox process outlives
 * the JVM.
 *
 * <p>One run per instance. {@link #run()} is called on one thread; {@link #signal(int)} and
 * {@link #cancel()} may be called on any.
 */
public final class Sandbox {

    /** The step-output pumps when output is delivered line by line; empty when inherited. */
    private final List<Pump> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The sandbox's mount table once set up, read by {@link #verify}. */
    private volatile MountTable sandboxTable;
    /** Whether the after-run comparison blamed the sandbox for a change of the host's table. */
    private volatile boolean blamed;

    /**
     * @param grace        how long a step has between SIGTERM and SIGKILL, after a timeout or a
     *                     cancellation
     * @param shutdownHook whether the end of the JVM cancels the run (true for the CLI and Maven)
     */
    public record Options(Duration grace, boolean shutdownHook) {
        public Options {
            Objects.requireNonNull(grace, "grace");
        }

        /** 10 s of grace, shutdown hook installed. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), true);
        }
    }

    private static final int SETUP_FAILED = ExitCodes.SETUP_FAILED;
    private static final int UNSUPPORTED = ExitCodes.UNSUPPORTED;
    private static final Set<Sandbox> LIVE = new LinkedHashSet<>();
    private static boolean hookInstalled;

    private final Plan plan;
    private final StepIO io;
    private final Listener listener;
    private final Options options;
    private final CountDownLatch done = new CountDownLatch(1);

    private volatile int initPid = -1;
    private volatile int commandFd = -1;
    private volatile boolean cancelled;
    private volatile boolean started;

    public Sandbox(Plan plan, StepIO io, Listener listener, Options options) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.io = Objects.requireNonNull(io, "io");
        this.listener = listener == null ? Listener.NONE : listener;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Applies {@code plan} and runs its steps with default options. */
    public static RunResult run(Plan plan, StepIO io, Listener listener) {
        return new Sandbox(plan, io, listener, Options.defaults()).run();
    }

    /**
     * Sends {@code sig} to the running step (the supervisor forwards SIGINT, SIGTERM, SIGHUP and
     * SIGQUIT). Does nothing when no step runs.
     */
    public void signal(int sig) {
        int pid = initPid;
        if (pid > 0) {
            try {
                Sys.get().kill(pid, sig);
            } catch (SyscallException e) {
                // ESRCH: the sandbox has just ended.
            }
        }
    }

    /**
     * Stops the run: no further step starts, the running step gets SIGTERM, and after the grace
     * period the supervisor is told to kill everything in the sandbox. Returns at once.
     */
    public void cancel() {
        cancelled = true;
        signal(Sys.SIGTERM);
        Thread killer = new Thread(() -> {
            try {
                if (!done.await(options.grace().toMillis(), TimeUnit.MILLISECONDS)) {
                    closeCommandPipe();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nsbox-cancel");
        killer.setDaemon(true);
        killer.start();
    }

    private synchronized void closeCommandPipe() {
        int fd = commandFd;
        if (fd >= 0) {
            commandFd = -1;
            Sys.get().close(fd);
        }
    }

    /** Applies the plan and runs its steps; never throws for what the kernel or a step does. */
    public RunResult run() {
        if (started) {
            throw new IllegalStateException("a Sandbox runs once");
        }
        started = true;
        register();
        try {
            return execute();
        } finally {
            done.countDown();
            unregister();
        }
    }

    private RunResult execute() {
        Sys sys;
        try {
            sys = Sys.get();
        } catch (LinkageError | RuntimeException e) {
            return failure(UNSUPPORTED, "error: cannot load the native layer (jnr-ffi, libc): " + e.getMessage()
                    + "\n  hint: nsbox needs Linux with glibc on x86_64; java.io.tmpdir must allow executables, "
                    + "or set -Djffi.boot.library.path");
        }
        List<String> messages = new ArrayList<>();
        List<StepResult> results = new ArrayList<>();
        Map<String, Integer> opened = new HashMap<>();
        FileChannel hostTable = null;
        List<Pump> readers = new ArrayList<>();
        SandboxThread thread = null;
        int exit = 0;
        int reportFd = -1;
        try {
            // The host's mount table, through a descriptor opened before the run: a proc
            // mounted over the host's /proc (the pitfall) breaks /proc/self afterwards.
            hostTable = FileChannel.open(Path.of("/proc/self/mountinfo"), StandardOpenOption.READ);
            String hostBefore = readAll(hostTable);

            int memfd = InitBinary.memfd(sys);
            int[] cmd = sys.pipe2(Sys.O_CLOEXEC, "pipe2(cmd, O_CLOEXEC)");
            // The write end belongs to commandFd alone (closeCommandPipe closes it once): were it
            // also in `opened`, the finally below would close it a second time, possibly after
            // another thread of the JVM had been given the same descriptor number.
            commandFd = cmd[1];
            opened.put("cmd.r", high(sys, cmd[0]));
            int[] rep = sys.pipe2(Sys.O_CLOEXEC, "pipe2(rep, O_CLOEXEC)");
            opened.put("rep.r", rep[0]);
            opened.put("rep.w", high(sys, rep[1]));
            reportFd = rep[0];
            int[] stdio = {0, 1, 2};
            if (io.inherits()) {
                // A caller started with a standard stream closed (a CI job without input) has
                // either nothing there (the spawn's dup2 would fail with EBADF) or a file the JVM
                // opened since: the step gets /dev/null there instead.
                for (int i = 0; i < 3; i++) {
                    if (!sys.isInheritable(i) || isJvmImage(i)) {
                        stdio[i] = high(sys, sys.open("/dev/null", Sys.O_RDWR | Sys.O_CLOEXEC, 0,
                                "open(\"/dev/null\", O_RDWR|O_CLOEXEC)"));
                        opened.put("null" + i, stdio[i]);
                    }
                }
            } else {
                stdio[0] = high(sys, sys.open("/dev/null", Sys.O_RDONLY | Sys.O_CLOEXEC, 0,
                        "open(\"/dev/null\", O_RDONLY|O_CLOEXEC)"));
                opened.put("null", stdio[0]);
                int[] out = sys.pipe2(Sys.O_CLOEXEC, "pipe2(stdout, O_CLOEXEC)");
                int[] err = sys.pipe2(Sys.O_CLOEXEC, "pipe2(stderr, O_CLOEXEC)");
                stdio[1] = high(sys, out[1]);
                stdio[2] = high(sys, err[1]);
                opened.put("out.w", stdio[1]);
                opened.put("err.w", stdio[2]);
                readers.add(reader(sys, out[0], io.out(), "nsbox-stdout"));
                readers.add(reader(sys, err[0], io.err(), "nsbox-stderr"));
                pumps.addAll(readers);
            }
            int[] initFds = {stdio[0], stdio[1], stdio[2], opened.get("cmd.r"), opened.get("rep.w"), memfd};

            thread = new SandboxThread(sys, plan.ops(), initFds);
            thread.start();
            thread.awaitReady();
            initPid = thread.applier.initPid();
            // The supervisor has its copies (or never will): drop ours of its side.
            for (String k : List.of("cmd.r", "rep.w", "null", "null0", "null1", "null2", "out.w", "err.w")) {
                Integer fd = opened.remove(k);
                if (fd != null) {
                    sys.close(fd);
                }
            }
            for (int i = 0; i < thread.applied && i < plan.ops().size(); i++) {
                listener.trace(plan.ops().get(i).call());
            }

            if (thread.crash != null) {
                exit = SETUP_FAILED;
                messages.add("error: internal error while setting up the sandbox: " + thread.crash);
            } else if (thread.failure != null) {
                Op op = plan.ops().get(thread.failedIndex);
                listener.trace(op.call() + " = -1 " + Errnos.name(thread.failure.errno()));
                SyscallException placed = placed(op, thread.failure);
                exit = placed.exitCode();
                messages.add(placed.format());
            } else if (initPid < 0 && !plan.launch().steps().isEmpty()) {
                exit = SETUP_FAILED;
                messages.add("error: the plan starts no supervisor (no SpawnInit operation); nothing can run");
            } else {
                List<String> problems = verify(sys, thread.procFd);
                if (!problems.isEmpty()) {
                    exit = SETUP_FAILED;
                    messages.addAll(problems);
                }
            }

            if (exit == 0 && initPid > 0) {
                exit = runSteps(sys, reportFd, results, messages);
            }
            if (initPid > 0) {
                stopSupervisor(sys);
            }
            thread.release();
            thread.join();
            sys.close(thread.procFd);
            thread.applier.closeTrees();
            for (Pump r : readers) {
                r.thread().join();
            }

            String hostAfter = readAll(hostTable);
            List<String> changes = compareHost(hostBefore, hostAfter, messages);
            if (!changes.isEmpty() && exit == 0 && blamed) {
                exit = SETUP_FAILED;
            }
            return new RunResult(exit, results, messages, changes);
        } catch (SyscallException e) {
            messages.add(e.format());
            return new RunResult(exit != 0 ? exit : e.exitCode(), results, messages, List.of());
        } catch (IOException e) {
            messages.add("error: " + e.getMessage());
            return new RunResult(SETUP_FAILED, results, messages, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            messages.add("error: interrupted");
            return new RunResult(SETUP_FAILED, results, messages, List.of());
        } finally {
            if (thread != null && thread.isAlive()) {
                closeCommandPipe();
                thread.release();
            }
            closeCommandPipe();
            for (int fd : opened.values()) {
                sys.close(fd);
            }
            if (hostTable != null) {
                try {
                    hostTable.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }

    /**
     * A failure of {@code op}, placed at its spec value and saying what was being done. The
     * call is the plan's, without the {@code = treeN} that names the result of an open_tree.
     */
    static SyscallException placed(Op op, SyscallException e) {
        SyscallException named = e;
        if (op instanceof Op.OpenTree && e.call().matches(".* = tree[0-9]+")) {
            named = new SyscallException(e.call().substring(0, e.call().lastIndexOf(" = tree")), e.errno());
        }
        return named.at(op.origin(), Applier.doing(op));
    }

    private RunResult failure(int code, String message) {
        return new RunResult(code, List.of(), List.of(message), List.of());
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

    private static int high(Sys sys, int fd) throws SyscallException {
        // posix_spawn's file actions dup2 in order onto 0..5: a source among those numbers
        // could be overwritten before it is used.
        if (fd >= 10) {
            return fd;
        }
        int h = sys.dupAtLeast(fd, 10);
        sys.close(fd);
        return h;
    }

    /** Reads the sandbox's mount table through its thread's /proc directory and checks the plan. */
    /**
     * Reads the sandbox's mount table as set-up left it (through the sandbox thread's
     * {@code /proc/thread-self}, opened before any operation) and checks the plan's expectations
     * against it. The table is kept: its peer groups are the ones the sandbox can still reach
     * the host through, which the after-run comparison needs.
     */
    private List<String> verify(Sys sys, int procFd) throws SyscallException {
        int fd = sys.openat(procFd, "mountinfo", Sys.O_RDONLY | Sys.O_CLOEXEC, 0,
                "openat(thread-self, \"mountinfo\", O_RDONLY|O_CLOEXEC)");
        String text;
        try {
            text = readFd(sys, fd);
        } finally {
            sys.close(fd);
        }
        try {
            sandboxTable = MountTable.parse(text);
        } catch (IllegalArgumentException e) {
            sandboxTable = null;
        }
        if (plan.expectations().isEmpty()) {
            return List.of();
        }
        return Verifier.check(plan.expectations(), MountEntry.parse(text));
    }

    private int runSteps(Sys sys, int reportFd, List<StepResult> results, List<String> messages)
            throws SyscallException {
        LineReader reports = new LineReader(sys, reportFd);
        List<StepLaunch> steps = plan.launch().steps();
        for (int i = 0; i < steps.size(); i++) {
            if (cancelled) {
                messages.add("error: the run was cancelled before " + label(steps.get(i)));
                return 128 + Sys.SIGTERM;
            }
            StepLaunch step = steps.get(i);
            listener.stepStarted(i, step);
            long t0 = System.nanoTime();
            int fd = commandFd;
            if (fd < 0) {
                messages.add("error: the run was cancelled");
                return 128 + Sys.SIGTERM;
            }
            sys.writeFully(fd, Protocol.run(step, StepSecurity.basic(plan.launch().noNewPrivileges(),
                    plan.launch().dropCapabilities()), options.grace()),
                    "write(nsbox-init, run " + step.name() + ")");
            boolean timedOut = false;
            StepResult result = null;
            while (result == null) {
                String line = reports.next();
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                if (line == null) {
                    // The supervisor is gone: told to kill everything by a cancellation that
                    // outlasted the grace period, or killed.
                    result = cancelled
                            ? new StepResult(i, step.name(), StepResult.Outcome.SIGNALED, 128 + Sys.SIGKILL,
                                    Sys.SIGKILL, timedOut, took, "cancelled: still running after SIGTERM and "
                                    + human(options.grace()) + " of grace, killed")
                            : new StepResult(i, step.name(), StepResult.Outcome.NOT_STARTED, SETUP_FAILED, 0,
                                    timedOut, took, "the supervisor nsbox-init ended unexpectedly");
                    break;
                }
                Protocol.Report r = Protocol.Report.parse(line);
                switch (r.word()) {
                    case "started" -> {
                    }
                    case "timeout" -> timedOut = true;
                    case "exited" -> result = new StepResult(i, step.name(), StepResult.Outcome.EXITED, r.value(), 0,
                            timedOut, took, r.value() == 0 && !timedOut ? null
                            : (timedOut ? timeoutText(step) + "; it then exited with " + r.value()
                            : "exited with " + r.value()));
                    case "signaled" -> result = new StepResult(i, step.name(), StepResult.Outcome.SIGNALED,
                            128 + r.value(), r.value(), timedOut, took,
                            (timedOut ? timeoutText(step) + "; " : "") + "killed by signal " + r.value()
                                    + " (" + signalName(r.value()) + ")");
                    case "exec" -> result = new StepResult(i, step.name(), StepResult.Outcome.NOT_EXECUTED,
                            r.value() == Errnos.ENOENT ? 127 : 126, 0, false, took,
                            (r.value() == Errnos.ENOENT ? "command not found: " : "cannot execute ")
                                    + step.argv().get(0) + ": execvp(3): " + Errnos.describe(r.value()));
                    case "chdir" -> result = new StepResult(i, step.name(), StepResult.Outcome.NOT_STARTED,
                            SETUP_FAILED, 0, false, took, "cannot enter the working directory " + step.cwd()
                            + ": chdir(2): " + Errnos.describe(r.value()));
                    default -> result = new StepResult(i, step.name(), StepResult.Outcome.NOT_STARTED, SETUP_FAILED,
                            0, false, took, "the supervisor failed: " + r.word() + ": " + Errnos.describe(r.value()));
                }
            }
            results.add(result);
            for (Pump pump : pumps) {
                try {
                    pump.drain(sys);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            listener.stepFinished(result);
            if (!result.succeeded()) {
                messages.add(step.origin().location() + ": error: " + label(step) + ": " + result.message());
                return result.exitCode() == 0 ? SETUP_FAILED : result.exitCode();
            }
        }
        return 0;
    }

    private static String label(StepLaunch step) {
        String path = step.origin().path();
        return path.isEmpty() ? step.name() : path + " (" + step.name() + ")";
    }

    private String timeoutText(StepLaunch step) {
        return "timed out after " + human(step.timeout()) + ": sent SIGTERM, SIGKILL after " + human(options.grace());
    }

    private static String human(Duration d) {
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

    /** Tells the supervisor to exit and reaps it; as PID 1 its exit ends the PID namespace. */
    private void stopSupervisor(Sys sys) {
        int fd = commandFd;
        if (fd >= 0) {
            try {
                sys.writeFully(fd, Protocol.quit(), "write(nsbox-init, quit)");
            } catch (SyscallException e) {
                // EPIPE: it is gone already.
            }
        }
        closeCommandPipe();
        try {
            sys.waitpid(initPid, new int[1], 0);
        } catch (SyscallException e) {
            // ECHILD: reaped elsewhere.
        }
        initPid = -1;
    }

    /** A thread that delivers one output pipe of the steps line by line. */
    private record Pump(Thread thread, LineReader lines, Consumer<String> sink) {

        /**
         * Returns once every byte a finished step wrote to this pipe has been delivered. The
         * supervisor reports a step only after everything it started is dead, so nothing more
         * can arrive until the next step starts: the pipe is drained when it holds no byte and
         * the reader is blocked in read(2) with every line before it handed over. A last line
         * the step did not end with a newline is delivered as it is, with the step it belongs to.
         */
        void drain(Sys sys) throws InterruptedException {
            for (int i = 0; i < 5000; i++) {
                long generation = lines.reads();
                if (lines.waiting() && unread(sys) == 0) {
                    // A read(2) that has just returned but not yet been counted shows as
                    // "waiting" with an empty pipe: look again after it had time to count.
                    Thread.sleep(1);
                    if (lines.waiting() && lines.reads() == generation && unread(sys) == 0) {
                        String partial = lines.takePartial();
                        if (partial != null) {
                            sink.accept(partial);
                        }
                        return;
                    }
                } else {
                    Thread.sleep(1);
                }
            }
        }

        private int unread(Sys sys) {
            byte[] n = new byte[4];
            try {
                sys.ioctl(lines.fd, FIONREAD, n, "ioctl(" + lines.fd + ", FIONREAD)");
            } catch (SyscallException e) {
                return 0;
            }
            return (n[0] & 0xff) | (n[1] & 0xff) << 8 | (n[2] & 0xff) << 16 | (n[3] & 0xff) << 24;
        }
    }

    /** {@code FIONREAD} of asm-generic/ioctls.h: the bytes a pipe holds. */
    private static final long FIONREAD = 0x541B;

    private static Pump reader(Sys sys, int fd, Consumer<String> sink, String name) {
        LineReader lines = new LineReader(sys, fd);
        Thread t = new Thread(() -> {
            try {
                for (String l = lines.next(); l != null; l = lines.next()) {
                    sink.accept(l);
                }
            } catch (SyscallException e) {
                sink.accept("nsbox: cannot read the step's output: " + e.getMessage());
            } finally {
                sys.close(fd);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return new Pump(t, lines, sink);
    }

    private static String readAll(FileChannel ch) throws IOException {
        ch.position(0);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        StringBuilder sb = new StringBuilder();
        while (ch.read(buf) > 0) {
            buf.flip();
            sb.append(StandardCharsets.UTF_8.decode(buf));
            buf.clear();
        }
        return sb.toString();
    }

    private static String readFd(Sys sys, int fd) throws SyscallException {
        byte[] buf = new byte[1 << 16];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int n = sys.read(fd, buf, "read(mountinfo)"); n > 0; n = sys.read(fd, buf, "read(mountinfo)")) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Compares the host's mount table after the run with the one before (SPEC.md, "Host
     * effects"): a predicted effect is reported; a change the plan did not predict, in a peer
     * group the sandbox's tree still belonged to once set up, is blamed on the sandbox (an
     * error); any other change is the host's own activity during the run, reported, not blamed.
     * Returns every difference, one line each, and sets {@link #blamed}.
     */
    private List<String> compareHost(String before, String after, List<String> messages) {
        MountTableDiff d;
        try {
            Set<Integer> groups = new LinkedHashSet<>();
            if (sandboxTable != null) {
                groups.addAll(MountTableDiff.peerGroups(sandboxTable));
            } else {
                groups.addAll(MountTableDiff.peerGroups(MountTable.parse(before)));
            }
            if (plan.hostEffects() != null) {
                for (HostEffect e : plan.hostEffects()) {
                    Integer g = peerGroupNumber(e.peerGroup());
                    if (g != null) {
                        groups.add(g);
                    }
                }
            }
            d = MountTableDiff.compare(MountTable.parse(before), MountTable.parse(after), plan.hostEffects(), groups);
        } catch (IllegalArgumentException e) {
            messages.add("error: cannot compare the host's mount table before and after the run: " + e.getMessage());
            blamed = true;
            return List.of(e.getMessage());
        }
        if (!d.blamed().isEmpty()) {
            blamed = true;
            StringBuilder sb = new StringBuilder("error: the sandbox changed the host's mount table, and the plan did "
                    + "not predict it:");
            for (MountTableDiff.Difference x : d.blamed()) {
                sb.append("\n  ").append(x.describe());
            }
            messages.add(sb.toString());
        }
        for (MountTableDiff.Difference x : d.differences()) {
            if (x.verdict() == MountTableDiff.Verdict.PREDICTED) {
                messages.add("note: predicted host effect: " + x.describe());
            } else if (x.verdict() == MountTableDiff.Verdict.HOST) {
                messages.add("note: the host's mount table changed during the run, not through the sandbox: "
                        + x.describe());
            }
        }
        return d.report();
    }

    /** {@code 3} of {@code shared:3}, or {@code null}. */
    private static Integer peerGroupNumber(String group) {
        if (group == null || !group.startsWith("shared:")) {
            return null;
        }
        try {
            return Integer.valueOf(group.substring("shared:".length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void register() {
        if (!options.shutdownHook()) {
            return;
        }
        synchronized (LIVE) {
            LIVE.add(this);
            if (!hookInstalled) {
                hookInstalled = true;
                Runtime.getRuntime().addShutdownHook(new Thread(Sandbox::shutdown, "nsbox-shutdown"));
            }
        }
    }

    private void unregister() {
        synchronized (LIVE) {
            LIVE.remove(this);
        }
    }

    /** The JVM is ending: SIGTERM to every running step, then wait up to the grace period. */
    private static void shutdown() {
        List<Sandbox> running;
        synchronized (LIVE) {
            running = new ArrayList<>(LIVE);
        }
        for (Sandbox s : running) {
            s.cancelled = true;
            s.signal(Sys.SIGTERM);
        }
        for (Sandbox s : running) {
            try {
                if (!s.done.await(s.options.grace().toMillis(), TimeUnit.MILLISECONDS)) {
                    s.closeCommandPipe();
                    s.done.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads lines from a descriptor (UTF-8, without the end of line). */
    private static final class LineReader {
        private final Sys sys;
        private final int fd;
        private final byte[] buf = new byte[8192];
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        private int pos;
        private int len;
        private boolean eof;
        /** Blocked in read(2), every complete line before it returned. */
        private volatile boolean waiting;
        /** How many read(2) calls have returned. */
        private volatile long reads;

        LineReader(Sys sys, int fd) {
            this.sys = sys;
            this.fd = fd;
        }

        boolean waiting() {
            return waiting;
        }

        long reads() {
            return reads;
        }

        /** The bytes of an unfinished line, taken while the reader waits; {@code null} if none. */
        synchronized String takePartial() {
            if (!waiting || pending.size() == 0) {
                return null;
            }
            String s = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
            return s;
        }

        String next() throws SyscallException {
            while (true) {
                synchronized (this) {
                    for (; pos < len; pos++) {
                        if (buf[pos] == '\n') {
                            pos++;
                            String s = pending.toString(StandardCharsets.UTF_8);
                            pending.reset();
                            return s;
                        }
                        pending.write(buf[pos]);
                    }
                    if (eof) {
                        if (pending.size() > 0) {
                            String s = pending.toString(StandardCharsets.UTF_8);
                            pending.reset();
                            return s;
                        }
                        return null;
                    }
                    waiting = true;
                }
                int n = sys.read(fd, buf, "read(" + fd + ")");
                synchronized (this) {
                    waiting = false;
                    reads++;
                    len = Math.max(n, 0);
                    pos = 0;
                    if (n <= 0) {
                        eof = true;
                    }
                }
            }
        }
    }

    /**
     * The sandbox's own thread: unshares, spawns the supervisor, applies the operations, then
     * waits until the run is over. It must outlive the supervisor it spawned, which dies with
     * it (PR_SET_PDEATHSIG is per thread). Everything it needs is loaded before it unshares:
     * after unshare(CLONE_NEWPID) it can create no thread, after pivot_root(2) load no class.
     */
    private static final class SandboxThread extends Thread {
        private final Sys sys;
        private final List<Op> ops;
        private final String[] calls;
        final Applier applier;
        private final Object lock = new Object();
        private boolean ready;
        private boolean released;
        volatile int applied;
        volatile int failedIndex = -1;
        volatile SyscallException failure;
        volatile Throwable crash;
        volatile int procFd = -1;

        SandboxThread(Sys sys, List<Op> ops, int[] initFds) {
            super("nsbox-sandbox");
            setDaemon(true);
            this.sys = sys;
            this.ops = ops;
            this.calls = new String[ops.size()];
            for (int i = 0; i < calls.length; i++) {
                calls[i] = ops.get(i).call();
            }
            this.applier = new Applier(sys, initFds, ops);
        }

        @Override
        public void run() {
            int current = -1;
            try {
                for (Class<?> c : Op.class.getPermittedSubclasses()) {
                    Objects.requireNonNull(c.getName());
                }
                new SyscallException("warm", Errnos.EPERM).getMessage();
                sys.warm();
                procFd = sys.open("/proc/thread-self", Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0,
                        "open(\"/proc/thread-self\", O_RDONLY|O_DIRECTORY|O_CLOEXEC)");
                applier.threadDir(procFd);
                for (current = 0; current < ops.size(); current++) {
                    applier.apply(ops.get(current), calls[current]);
                    applied = current + 1;
                }
            } catch (SyscallException e) {
                failure = e;
                failedIndex = Math.max(current, 0);
                if (current < 0) {
                    crash = e;
                }
            } catch (Throwable t) {
                crash = t;
            }
            synchronized (lock) {
                ready = true;
                lock.notifyAll();
                while (!released) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // Keep the supervisor alive until the run says otherwise.
                    }
                }
            }
        }

        void awaitReady() throws InterruptedException {
            synchronized (lock) {
                while (!ready) {
                    lock.wait();
                }
            }
        }

        void release() {
            synchronized (lock) {
                released = true;
                lock.notifyAll();
            }
        }
    }
}
