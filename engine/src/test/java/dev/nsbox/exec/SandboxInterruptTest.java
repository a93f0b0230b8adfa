package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Plan;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interrupting the thread that called {@link Sandbox#run()} (Maven's {@code -T} and timeouts go
 * through {@code Future.cancel(true)}) cancels the run and waits for it: nothing the sandbox's
 * own thread may still use (the supervisor's descriptors, its {@code /proc/thread-self}, the
 * trees) is released before that thread is done, so no descriptor number reaches another
 * thread's file (close(2): "reuse of the file descriptor"), none leaks, every child of the JVM
 * is reaped (wait(2)), and run() returns a result (issue #18, item 1; issue #12, item 7).
 */
@Timeout(120)
class SandboxInterruptTest {

    private static final int PID = Flags.CLONE_NEWNS | Flags.CLONE_NEWPID | Flags.CLONE_NEWUTS | Flags.CLONE_NEWIPC;

    @TempDir
    Path dir;

    @BeforeEach
    void privileged() {
        Privileges.assumeScratchRoot();
    }

    @Test
    void anInterruptDuringAStepCancelsItAndRunReturnsWithTheInterruptKept() throws Exception {
        Path mark = dir.resolve("term");
        Plan plan = TestPlans.sandbox(PID).proc("/proc", 0)
                .shell("trap 'echo term > " + mark + "; exit 7' TERM; echo ready; while :; do sleep 0.05; done")
                .build();
        warm();
        Snapshot before = Snapshot.take();
        CountDownLatch started = new CountDownLatch(1);
        RunResult[] result = new RunResult[1];
        boolean[] stillInterrupted = new boolean[1];
        Thread caller = new Thread(() -> {
            result[0] = new Sandbox(plan, StepIO.lines(l -> {
                if (l.equals("ready")) {
                    started.countDown();
                }
            }, l -> { }), Listener.NONE, new Sandbox.Options(Duration.ofSeconds(5), false)).run();
            stillInterrupted[0] = Thread.currentThread().isInterrupted();
        }, "interrupted-caller");
        caller.start();
        assertTrue(started.await(30, TimeUnit.SECONDS), "the step never started");
        long t0 = System.nanoTime();
        caller.interrupt();
        caller.join(Duration.ofSeconds(20).toMillis());
        assertFalse(caller.isAlive(), "run() did not return after the interrupt");
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(),
                "the step handles SIGTERM at once: run() must not wait for the grace period");
        assertEquals(7, result[0].exitCode(), result[0].toString());
        assertEquals("term\n", Files.readString(mark), "the step got SIGTERM");
        assertTrue(stillInterrupted[0], "run() keeps the caller's interrupt status");
        before.assertSame(Snapshot.settled(before));
    }

    /**
     * Hundreds of runs, with and without a PID namespace, each interrupted at a random moment
     * (while the sandbox's thread unshares or spawns, while a step runs, while the run ends),
     * while other threads open, write, read back and check files of their own.
     */
    @Test
    void interruptedRunsReleaseNothingStillInUseLeakNothingAndReapEverything() throws Exception {
        List<Plan> plans = List.of(
                TestPlans.sandbox(PID).proc("/proc", 0).run("/bin/true").build(),
                TestPlans.sandbox(Flags.CLONE_NEWNS).run("/bin/true").build(),
                TestPlans.sandbox(PID).proc("/proc", 0).run("/bin/sleep", "0.02").build(),
                TestPlans.sandbox(Flags.CLONE_NEWNS).shell("sleep 0.02 & sleep 0.01").build());
        warm();
        Snapshot before = Snapshot.take();

        AtomicBoolean stop = new AtomicBoolean();
        List<String> victimProblems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger checks = new AtomicInteger();
        List<Thread> victims = new ArrayList<>();
        for (int v = 0; v < 3; v++) {
            int id = v;
            Thread t = new Thread(() -> victim(id, stop, victimProblems, checks), "victim-" + v);
            t.start();
            victims.add(t);
        }

        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        AtomicInteger hung = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        List<Thread> drivers = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            Thread t = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = 0; i < 200 && System.nanoTime() < deadline && hung.get() == 0; i++) {
                    Plan plan = plans.get(rnd.nextInt(plans.size()));
                    RunResult[] r = new RunResult[1];
                    Throwable[] thrown = new Throwable[1];
                    Thread caller = new Thread(() -> {
                        try {
                            r[0] = new Sandbox(plan, StepIO.lines(l -> { }, l -> { }), Listener.NONE,
                                    new Sandbox.Options(Duration.ofSeconds(2), false)).run();
                        } catch (Throwable e) {
                            thrown[0] = e;
                        }
                    }, "caller");
                    caller.start();
                    if (rnd.nextInt(10) > 0) {
                        LockSupport.parkNanos(rnd.nextLong(0, 12_000_000));
                        caller.interrupt();
                        interrupted.incrementAndGet();
                    }
                    try {
                        caller.join(Duration.ofSeconds(15).toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    runs.incrementAndGet();
                    if (caller.isAlive()) {
                        hung.incrementAndGet();
                        problems.add("run() hung after an interrupt: " + stack(caller));
                    } else if (thrown[0] != null) {
                        problems.add("run() threw " + thrown[0]);
                    } else if (r[0].exitCode() != 0 && r[0].exitCode() != 143) {
                        problems.add("an interrupted run ends with its step's status, or 143 when it was "
                                + "cancelled before a step: " + r[0]);
                    }
                }
            }, "driver-" + d);
            t.start();
            drivers.add(t);
        }
        for (Thread t : drivers) {
            t.join();
        }
        stop.set(true);
        for (Thread t : victims) {
            t.join();
        }
        Snapshot after = Snapshot.settled(before);
        assertEquals(List.of(), problems.subList(0, Math.min(5, problems.size())),
                problems.size() + " problems in " + runs + " runs");
        assertEquals(List.of(), victimProblems.subList(0, Math.min(5, victimProblems.size())),
                "other threads' files must stay theirs (" + checks + " checks)");
        assertTrue(interrupted.get() >= 100, "only " + interrupted + " interrupted runs in " + runs);
        before.assertSame(after);
    }

    /** A few uninterrupted runs first, so that what a JVM opens once (the memfd, jnr) is counted before. */
    private static void warm() {
        for (Plan p : List.of(TestPlans.sandbox(PID).proc("/proc", 0).run("/bin/true").build(),
                TestPlans.sandbox(Flags.CLONE_NEWNS).run("/bin/true").build())) {
            RunResult r = new Sandbox(p, StepIO.lines(l -> { }, l -> { }), Listener.NONE,
                    new Sandbox.Options(Duration.ofSeconds(1), false)).run();
            assertEquals(0, r.exitCode(), r.toString());
        }
    }

    /**
     * Writes a file of its own, keeps it open, and checks again and again that reading it back
     * through that descriptor and through a fresh one gives what was written: a descriptor
     * closed by someone else fails (EBADF), and one replaced by another file reads its content.
     */
    private void victim(int id, AtomicBoolean stop, List<String> problems, AtomicInteger checks) {
        byte[] content = ("VICTIM-" + id + "-").repeat(64).getBytes(StandardCharsets.UTF_8);
        Path kept = dir.resolve("kept-" + id);
        try (RandomAccessFile held = new RandomAccessFile(kept.toFile(), "rw")) {
            held.write(content);
            for (int n = 0; !stop.get(); n++) {
                byte[] back = new byte[content.length];
                held.seek(0);
                held.readFully(back);
                if (!java.util.Arrays.equals(back, content) || held.length() != content.length) {
                    problems.add(kept + " read back something else through its open descriptor");
                    return;
                }
                Path f = dir.resolve("v" + id + "-" + (n % 8));
                byte[] mine = (id + ":" + n + ":").repeat(100).getBytes(StandardCharsets.UTF_8);
                try (RandomAccessFile w = new RandomAccessFile(f.toFile(), "rw")) {
                    w.setLength(0);
                    w.write(mine);
                    w.seek(0);
                    byte[] again = new byte[mine.length];
                    w.readFully(again);
                    if (!java.util.Arrays.equals(again, mine) || w.length() != mine.length) {
                        problems.add(f + " read back something else");
                        return;
                    }
                }
                if (!java.util.Arrays.equals(Files.readAllBytes(f), mine)) {
                    problems.add(f + " holds something else after close");
                    return;
                }
                checks.incrementAndGet();
            }
        } catch (IOException e) {
            problems.add("victim " + id + ": " + e);
        }
    }

    private static String stack(Thread t) {
        StringBuilder b = new StringBuilder(t.getName());
        for (StackTraceElement e : t.getStackTrace()) {
            b.append("\n  at ").append(e);
        }
        return b.toString();
    }

    /** This JVM's open descriptors (number to target) and its children, live or not yet reaped. */
    private record Snapshot(Map<Integer, String> fds, TreeSet<Long> children) {

        static Snapshot take() throws IOException {
            Map<Integer, String> fds = new TreeMap<>();
            List<Path> entries;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                entries = s.toList();
            }
            for (Path p : entries) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // The listing's own descriptor, closed by now.
                }
            }
            TreeSet<Long> children = new TreeSet<>();
            List<Path> tasks;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
                tasks = s.toList();
            }
            for (Path t : tasks) {
                try {
                    for (String c : Files.readString(t.resolve("children")).trim().split("\\s+")) {
                        if (!c.isEmpty()) {
                            children.add(Long.parseLong(c));
                        }
                    }
                } catch (IOException e) {
                    // The thread ended meanwhile.
                }
            }
            return new Snapshot(fds, children);
        }

        /**
         * The state once threads that end by themselves (the output pumps, the sandbox threads)
         * had up to 2 s to do so: a run must not need that, but the check must not race them.
         */
        static Snapshot settled(Snapshot like) throws IOException, InterruptedException {
            Snapshot now = take();
            for (int i = 0; i < 40 && !now.sameAs(like); i++) {
                Thread.sleep(50);
                now = take();
            }
            return now;
        }

        boolean sameAs(Snapshot o) {
            return fds.size() == o.fds.size() && children.equals(o.children);
        }

        void assertSame(Snapshot after) {
            Map<Integer, String> added = new TreeMap<>(after.fds);
            added.keySet().removeAll(fds.keySet());
            assertEquals(fds.size(), after.fds.size(), "this JVM's open descriptors before and after; new ones: " + added);
            assertEquals(children, after.children, "this JVM's children (live or zombie) before and after");
        }
    }
}
