package dev.nsbox.exec;

import dev.nsbox.cgroups.CgroupRefusedException;
import dev.nsbox.cgroups.Cgroups;
import dev.nsbox.cgroups.Limits;
import dev.nsbox.cgroups.SandboxCgroup;
import dev.nsbox.mounts.MountTableDiff;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.HostEffect;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.NativeArch;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Applies a {@link Plan} for real and runs its steps: the only part of nsbox that touches the
 * kernel.
 *
 * <p>How (docs/decisions/0001-a-sandbox-is-a-jvm-thread.md): a fresh platform thread unshares the
 * plan's namespaces, spawns the supervisor {@code nsbox-init} from a memfd, and applies the plan's
 * operations in order; the JVM's other threads never see any of it. This thread then reads the
 * sandbox's mount table back and checks every {@link dev.nsbox.plan.Expectation} (exit 125 on a
 * mismatch, before any step), hands the steps to the supervisor one by one (the first failing one
 * stops the run), and finally compares the host's mount table with the one it saw before. The
 * supervisor's descriptors, its protocol and its end are {@link Supervisor}'s.
 *
 * <p>Limits on memory, pids or cpu: before anything else the run makes the sandbox's own cgroup
 * ({@code nsbox-PID-N}, see {@link Cgroups}), moves the supervisor into it once spawned and has
 * it enter a new cgroup namespace, so that each step sees that cgroup as its root; at the end
 * the cgroup is emptied and removed, whatever happened. A step the memory limit killed is
 * reported as such ({@link StepResult#KILLED_BY_MEMORY}), at the spec's {@code limits.memory}.
 *
 * <pre>{@code
 * RunResult r = new Sandbox(plan, StepIO.lines(log::info, log::warn), listener, Sandbox.Options.defaults()).run();
 * }</pre>
 *
 * <p>Cancellation: {@link #cancel()} (from any thread) or the end of the JVM: a shutdown hook
 * sends SIGTERM to the running step and waits up to the grace period; when the JVM dies the
 * supervisor's control pipe closes and it kills everything in the sandbox, and as PID 1 it dies
 * with the sandbox thread in any case ({@code PR_SET_PDEATHSIG}). No sandbox process outlives
 * the JVM. Interrupting the thread in {@link #run()} cancels the run too, and run() returns once
 * the run is over (docs/decisions/0025-robust-a-keeper-for-runs-without-a-pid-namespace.md).
 *
 * <p>One run per instance. {@link #run()} is called on one thread; {@link #signal(int)} and
 * {@link #cancel()} may be called on any.
 */
public final class Sandbox {

    /**
     * The sandbox's mount table once set up, as {@link #verify} read it; parsed only when the
     * host's table changed during the run ({@link #compareHost}), the one place that needs it.
     */
    private volatile String sandboxText;
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

    private static final int SETUP_FAILED = ExitCode.SETUP_FAILED.code();
    private static final int UNSUPPORTED = ExitCode.UNSUPPORTED.code();
    private static final Set<Sandbox> LIVE = new LinkedHashSet<>();
    /** Numbers the cgroups this JVM makes: {@code nsbox-PID-N}. */
    private static final AtomicInteger CGROUPS = new AtomicInteger();
    private static boolean hookInstalled;

    private final Plan plan;
    private final StepIO io;
    private final Listener listener;
    private final Options options;
    private final CountDownLatch done = new CountDownLatch(1);
    private final CallerRelay relay = new CallerRelay();

    /** The supervisor's side of the run, from the start of {@link #execute()} to its end. */
    private volatile Supervisor supervisor;
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
     * SIGQUIT). Sent while no step runs, the signal is held for the next step, from its start.
     */
    public void signal(int sig) {
        Supervisor s = supervisor;
        if (s != null) {
            s.signal(sig);
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

    private void closeCommandPipe() {
        Supervisor s = supervisor;
        if (s != null) {
            s.closeCommandPipe();
        }
    }

    /**
     * Applies the plan and runs its steps; never throws for what the kernel or a step does. The
     * work happens on a thread of the run's own ({@link CallerRelay}); this thread runs the
     * listener's calls. Interrupting this thread cancels the run ({@link #cancel()}) and this
     * method still returns only once the run is over and everything it held is released, with
     * the interrupt status set.
     */
    public RunResult run() {
        if (started) {
            throw new IllegalStateException("a Sandbox runs once");
        }
        started = true;
        register();
        try {
            Thread worker = new Thread(() -> {
                RunResult r = null;
                Throwable thrown = null;
                try {
                    r = execute();
                } catch (RuntimeException e) {
                    r = failure(SETUP_FAILED, "error: internal error while running the sandbox: " + e);
                } catch (Error e) {
                    thrown = e;
                } finally {
                    done.countDown();
                }
                relay.finish(r, thrown);
            }, "nsbox-run");
            worker.setDaemon(true);
            worker.start();
            return relay.serve(this::cancel);
        } finally {
            unregister();
        }
    }

    /** Has the listener hear {@code call} on the thread that called {@link #run()}. */
    private void tell(Runnable call) {
        if (listener != Listener.NONE) {
            relay.call(call);
        }
    }

    private RunResult execute() {
        // Before the native layer: its library is picked by os.arch too.
        if (NativeArch.current().isEmpty()) {
            return failure(UNSUPPORTED, "error: " + NativeArch.refusal(NativeArch.osArch()));
        }
        Sys sys;
        try {
            sys = Sys.get();
        } catch (LinkageError | RuntimeException e) {
            return failure(UNSUPPORTED, "error: cannot load the native layer (libnsbox-sys.so, libc): " + e.getMessage()
                    + "\n  hint: nsbox needs Linux with glibc on x86_64 or aarch64; java.io.tmpdir must allow executables");
        }
        Limits limits = plan.launch().confinement().limits();
        if (!limits.needsCgroup()) {
            return execute(sys, null);
        }
        SandboxCgroup cgroup;
        Optional<String> closed;
        try {
            cgroup = Cgroups.detect().create("nsbox-" + ProcessHandle.current().pid() + "-" + CGROUPS.incrementAndGet(),
                    limits);
        } catch (CgroupRefusedException e) {
            return failure(UNSUPPORTED, limitsOrigin() + ": error: " + e.reason() + "\n  hint: " + e.fix());
        } catch (IOException | RuntimeException e) {
            return failure(SETUP_FAILED, limitsOrigin() + ": error: cannot make the sandbox's cgroup: "
                    + e.getMessage());
        }
        RunResult r;
        try {
            r = execute(sys, cgroup);
        } finally {
            closed = close(cgroup);
        }
        if (closed.isEmpty()) {
            return r;
        }
        // A cgroup left behind is a change to the host: the run says so, and fails if it had not.
        List<String> messages = new ArrayList<>(r.messages());
        messages.add(closed.get());
        return new RunResult(r.exitCode() == 0 ? SETUP_FAILED : r.exitCode(), r.steps(), messages, r.hostChanges());
    }

    /** Kills whatever the run left in its cgroup and removes it; a message when that failed. */
    private static Optional<String> close(SandboxCgroup cgroup) {
        try {
            cgroup.close();
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("error: cannot remove the sandbox's cgroup " + String.join(", ", cgroup.directories())
                    + ": " + e.getMessage());
        }
    }

    /** The spec value of {@code limits} (or of the given field) for a message about the cgroup. */
    private String limitsOrigin(String... field) {
        var origins = plan.spec().limits().origins();
        return (field.length > 0 && origins.has(field[0]) ? origins.of(field[0]) : origins.self()).location();
    }

    private RunResult execute(Sys sys, SandboxCgroup cgroup) {
        List<String> messages = new ArrayList<>();
        List<StepResult> results = new ArrayList<>();
        // The host's mount table, through a descriptor opened before the run: a proc mounted
        // over the host's /proc (the pitfall) breaks /proc/self afterwards.
        try (FileChannel hostTable = FileChannel.open(Path.of("/proc/self/mountinfo"), StandardOpenOption.READ);
             Supervisor sup = Supervisor.open(sys, io)) {
            supervisor = sup;
            String hostBefore = readAll(hostTable);
            SandboxThread thread = new SandboxThread(sys, plan.ops(), sup.initFds());
            int exit;
            try {
                exit = runIn(sys, sup, thread, cgroup, results, messages);
            } finally {
                end(sys, sup, thread);
            }
            String hostAfter = readAll(hostTable);
            List<String> changes = compareHost(hostBefore, hostAfter, messages);
            if (!changes.isEmpty() && exit == 0 && blamed) {
                exit = SETUP_FAILED;
            }
            return new RunResult(exit, results, messages, changes);
        } catch (SyscallException e) {
            messages.add(e.format());
            return new RunResult(e.exitCode().code(), results, messages, List.of());
        } catch (NativeArch.UnsupportedArchitectureException e) {
            messages.add("error: " + e.getMessage());
            return new RunResult(UNSUPPORTED, results, messages, List.of());
        } catch (IOException e) {
            messages.add("error: " + e.getMessage());
            return new RunResult(SETUP_FAILED, results, messages, List.of());
        }
    }

    /**
     * Starts the sandbox's thread, then sets up, checks and runs the steps; returns the exit
     * code. Whatever happens here, {@link #end} ends the thread afterwards.
     */
    private int runIn(Sys sys, Supervisor sup, SandboxThread thread, SandboxCgroup cgroup, List<StepResult> results,
                      List<String> messages) {
        try {
            thread.start();
            thread.awaitReady();
            sup.spawned(thread.applier.initPid());
            int exit = setUp(sys, thread, messages);
            if (exit == 0 && sup.pid() > 0 && cgroup != null) {
                exit = enterCgroup(sup, cgroup, messages);
            }
            if (exit == 0 && sup.pid() > 0) {
                exit = runSteps(sup, cgroup, results, messages);
            }
            return exit;
        } catch (SyscallException e) {
            messages.add(e.format());
            return e.exitCode().code();
        } catch (RuntimeException e) {
            messages.add("error: internal error while running the sandbox: " + e);
            return SETUP_FAILED;
        }
    }

    /**
     * Ends the run in the one order that releases nothing still in use: the supervisor is told
     * to quit and reaped (it kills whatever is left first), the sandbox's thread is released and
     * joined, and only then are the descriptors that thread used closed, since until it is done
     * the spawn may still dup2(2) them and their numbers must not name another thread's file
     * (close(2), "reuse of the file descriptor"). Then the output is awaited to its end.
     */
    private void end(Sys sys, Supervisor sup, SandboxThread thread) {
        sup.stop();
        thread.release();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (thread.procFd >= 0) {
            sys.close(thread.procFd);
            thread.procFd = -1;
        }
        thread.applier.closeTrees();
        sup.dropItsSide();
        interrupted |= sup.awaitOutput();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What the sandbox thread did, told: each operation it applied as a trace line, then its
     * failure or the checks of the mount table it left. Returns the exit code so far.
     */
    private int setUp(Sys sys, SandboxThread thread, List<String> messages) throws SyscallException {
        if (listener != Listener.NONE) {
            // Formatted only for a listener: a warm run formats each call once, for the thread.
            List<String> trace = new ArrayList<>();
            for (int i = 0; i < thread.applied && i < plan.ops().size(); i++) {
                trace.add(plan.ops().get(i).call());
            }
            if (thread.crash == null && thread.failure != null) {
                trace.add(plan.ops().get(thread.failedIndex).call() + " = -1 " + Errnos.name(thread.failure.errno()));
            }
            tell(() -> trace.forEach(listener::trace));
        }
        if (thread.crash != null) {
            messages.add("error: internal error while setting up the sandbox: " + thread.crash);
            return SETUP_FAILED;
        } else if (thread.failure != null) {
            Op op = plan.ops().get(thread.failedIndex);
            SyscallException placed = placed(op, thread.failure);
            messages.add(placed.format());
            return placed.exitCode().code();
        } else if (thread.applier.initPid() < 0 && !plan.launch().steps().isEmpty()) {
            messages.add("error: the plan starts no supervisor (no SpawnInit operation); nothing can run");
            return SETUP_FAILED;
        }
        List<String> problems = verify(sys, thread.procFd);
        messages.addAll(problems);
        return problems.isEmpty() ? 0 : SETUP_FAILED;
    }

    /**
     * A failure of {@code op}, placed at its spec value and saying what was being done. The
     * call is the plan's, without the {@code = treeN} that names the result of an open_tree.
     */
    static SyscallException placed(Op op, SyscallException e) {
        SyscallException named = e;
        String result = op instanceof Op.OpenTree t ? " = tree" + t.tree() : null;
        if (result != null && e.call().endsWith(result)) {
            named = e.printedAs(e.call().substring(0, e.call().length() - result.length()));
        }
        return named.at(op.origin(), Applier.doing(op));
    }

    private RunResult failure(int code, String message) {
        return new RunResult(code, List.of(), List.of(message), List.of());
    }

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
        sandboxText = text;
        if (plan.expectations().isEmpty()) {
            return List.of();
        }
        return Verifier.check(plan.expectations(), MountEntry.parse(text));
    }

    /**
     * Moves the supervisor (its pid in this JVM's PID namespace) into the sandbox's cgroup, and
     * has it enter a cgroup namespace there, before any step: every step is forked from it, so
     * each starts in the cgroup and sees it as its root (cgroup_namespaces(7)).
     */
    private int enterCgroup(Supervisor sup, SandboxCgroup cgroup, List<String> messages) throws SyscallException {
        try {
            // Without a PID namespace this is nsbox-init's keeper, which forks the supervisor
            // proper only at the first command: born in the cgroup (cgroups(7)).
            cgroup.addProcess(sup.pid());
        } catch (IOException e) {
            messages.add(limitsOrigin() + ": error: cannot move the supervisor nsbox-init into the sandbox's cgroup: "
                    + e.getMessage());
            return SETUP_FAILED;
        }
        sup.enterCgroupNamespace();
        return 0;
    }

    /** Hands the steps to the supervisor one by one; the first that fails ends the run. */
    private int runSteps(Supervisor sup, SandboxCgroup cgroup, List<StepResult> results, List<String> messages)
            throws SyscallException {
        List<StepLaunch> steps = plan.launch().steps();
        for (int i = 0; i < steps.size(); i++) {
            StepLaunch step = steps.get(i);
            if (cancelled) {
                messages.add("error: the run was cancelled before " + label(step));
                return ExitCode.forSignal(Sys.SIGTERM);
            }
            int index = i;
            tell(() -> listener.stepStarted(index, step));
            OptionalLong oomBefore = oomKills(cgroup);
            StepResult result = sup.run(i, step, StepSecurity.of(plan.launch()), options.grace(), () -> cancelled);
            if (result == null) {
                messages.add("error: the run was cancelled");
                return ExitCode.forSignal(Sys.SIGTERM);
            }
            boolean oom = killedByMemoryLimit(cgroup, result, oomBefore);
            if (oom) {
                result = result.killedBy(StepResult.KILLED_BY_MEMORY, "killed by the memory limit (limits.memory: "
                        + size(plan.launch().confinement().limits().memory().getAsLong()) + ")");
            }
            results.add(result);
            StepResult finished = result;
            tell(() -> listener.stepFinished(finished));
            if (!result.succeeded()) {
                messages.add((oom ? limitsOrigin("memory") : step.origin().location()) + ": error: " + label(step)
                        + ": " + result.message());
                return result.exitCode() == 0 ? SETUP_FAILED : result.exitCode();
            }
        }
        return 0;
    }

    /** The memory limit's kills so far, where the kernel counts them; empty without a count. */
    private static OptionalLong oomKills(SandboxCgroup cgroup) {
        if (cgroup == null) {
            return OptionalLong.empty();
        }
        try {
            return cgroup.oomKills();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Whether the memory limit is what killed a step that died of SIGKILL: the kernel's count of
     * the cgroup's OOM kills grew while it ran, or, where the kernel keeps no count, the cgroup
     * hit its limit ({@link SandboxCgroup#killedByMemoryLimit()}). Read before the cgroup is
     * closed, which kills what is left and forgets the count.
     */
    private static boolean killedByMemoryLimit(SandboxCgroup cgroup, StepResult result, OptionalLong before) {
        if (cgroup == null || result.outcome() != StepResult.Outcome.SIGNALED || result.signal() != Sys.SIGKILL
                || cgroup.plan().limits().memory().isEmpty()) {
            return false;
        }
        try {
            OptionalLong after = cgroup.oomKills();
            if (before.isPresent() && after.isPresent()) {
                return after.getAsLong() > before.getAsLong();
            }
            return cgroup.killedByMemoryLimit();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A size as the spec writes it: {@code 256m}, {@code 2g}, {@code 512k}, or bytes. */
    static String size(long bytes) {
        String[] units = {"g", "m", "k"};
        long[] scale = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes % scale[i] == 0) {
                return bytes / scale[i] + units[i];
            }
        }
        return Long.toString(bytes);
    }

    private static String label(StepLaunch step) {
        String path = step.origin().path();
        return path.isEmpty() ? step.name() : path + " (" + step.name() + ")";
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
     * Compares the host's mount table after the run with the one before
     * (docs/decisions/0006-read-back-and-compare.md): a predicted effect is reported; a change the
     * plan did not predict, in a peer group the sandbox's tree still belonged to once set up, is
     * blamed on the sandbox (an error); any other change is the host's own activity during the run,
     * reported, not blamed. Returns every difference, one line each, and sets {@link #blamed}.
     */
    private List<String> compareHost(String before, String after, List<String> messages) {
        MountTableDiff d;
        try {
            MountTable hostBefore = MountTable.parse(before);
            if (after.equals(before)) {
                // The same text is the same table: no mount differs, nothing to report or blame
                // (MountTableDiff.compare finds a difference only in a mount that differs).
                return List.of();
            }
            Set<Integer> groups = new LinkedHashSet<>();
            MountTable sandboxTable = sandboxTable();
            if (sandboxTable != null) {
                groups.addAll(MountTableDiff.peerGroups(sandboxTable));
            } else {
                groups.addAll(MountTableDiff.peerGroups(hostBefore));
            }
            if (plan.hostEffects() != null) {
                for (HostEffect e : plan.hostEffects()) {
                    Integer g = peerGroupNumber(e.peerGroup());
                    if (g != null) {
                        groups.add(g);
                    }
                }
            }
            d = MountTableDiff.compare(hostBefore, MountTable.parse(after), plan.hostEffects(), groups);
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

    /** The sandbox's table as {@link #verify} read it, or null when unread or unreadable. */
    private MountTable sandboxTable() {
        String text = sandboxText;
        if (text == null) {
            return null;
        }
        try {
            return MountTable.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
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
}
