package dev.nsbox.cgroups;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real cgroups on this machine, as root: a sandbox cgroup stops a fork loop at pids.max, the
 * memory limit's OOM kill is seen, cpu quota throttles, and nothing is left afterwards. Every
 * cgroup is named {@code nsbox-test-PID-N} and removed in a finally block; writing cgroup files
 * mounts nothing, so these need no scratch mount namespace.
 */
class SandboxCgroupKernelTest {

    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final long MIB = 1L << 20;

    private static Cgroups cgroups() throws IOException {
        Assumptions.assumeTrue(Privileges.euid() == 0, "needs root to make cgroups on this machine");
        Cgroups cg = Cgroups.detect();
        Assumptions.assumeTrue(cg.layout().mode() != CgroupLayout.Mode.NONE, "no cgroup filesystem is mounted");
        return cg;
    }

    private static String uniqueName() {
        return "nsbox-test-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
    }

    /** Starts {@code script} after {@code read go}, so that it runs only once it is in {@code cg}. */
    private static Process startIn(SandboxCgroup cg, String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "read go; " + script).start();
        try {
            cg.addProcess(p.pid());
            OutputStream in = p.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        return p;
    }

    /**
     * Closes {@code cg}, then removes a shared parent the plan made (cgroup v2 only; nothing on
     * v1), and checks that every directory of it is gone.
     */
    private static void closeAndCheckGone(SandboxCgroup cg) throws IOException {
        try {
            cg.close();
        } finally {
            for (CgroupOp op : cg.plan().ops()) {
                if (op instanceof CgroupOp.Mkdir m && m.ifAbsent()) {
                    try {
                        Files.delete(Path.of(m.path()));
                    } catch (IOException busy) {
                        // another sandbox, or this JVM in the caller's leaf, still uses it
                    }
                }
            }
        }
        for (String d : cg.directories()) {
            assertFalse(Files.exists(Path.of(d)), d + " is removed");
        }
    }

    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    @Test
    void aForkLoopStopsAtPidsMax() throws Exception {
        Cgroups cgroups = cgroups();
        SandboxCgroup cg = cgroups.create(uniqueName(), Limits.NONE.withMemory(32 * MIB).withPids(16));
        Set<Long> left;
        try {
            Process p = startIn(cg, "i=0; while [ $i -lt 40 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; "
                    + "echo all started");
            Processes.Result r = Processes.Result.of(p);
            assertNotEquals(0, r.exit(), r.toString());
            assertFalse(r.out().contains("all started"), r.toString());
            assertTrue(r.err().contains("fork"), r.toString());
            left = cg.pids();
            assertTrue(left.size() >= 1 && left.size() <= 15, "the shell's sleeps, fewer than pids.max: " + left);
            String events = Files.readString(Path.of(cg.byController().get("pids"), "pids.events"));
            assertTrue(SandboxCgroup.field(events, "max").orElse(0) > 0, events);
            assertFalse(cg.killedByMemoryLimit());
        } finally {
            closeAndCheckGone(cg);
        }
        for (long pid : left) {
            assertFalse(running(pid), "sleep " + pid + " was killed");
        }
    }

    @Test
    void aMemoryHogIsKilledByTheLimitAndThatIsSeen() throws Exception {
        Cgroups cgroups = cgroups();
        SandboxCgroup cg = cgroups.create(uniqueName(), Limits.NONE.withMemory(32 * MIB).withPids(16));
        try {
            assertFalse(cg.killedByMemoryLimit());
            // tail keeps the whole last line, and /dev/zero has no newline: 100 MiB in tail.
            Process p = startIn(cg, "head -c 100m /dev/zero | tail");
            Processes.Result r = Processes.Result.of(p);
            assertEquals(137, r.exit(), "tail died of SIGKILL: " + r);
            assertTrue(cg.oomKills().orElse(0) >= 1, "oom_kill counted");
            assertTrue(cg.killedByMemoryLimit());
        } finally {
            closeAndCheckGone(cg);
        }
    }

    @Test
    void aCpuQuotaThrottles() throws Exception {
        Cgroups cgroups = cgroups();
        SandboxCgroup cg = cgroups.create(uniqueName(), Limits.NONE.withCpu(new BigDecimal("0.1")));
        try {
            Process p = startIn(cg, "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
            assertEquals(0, Processes.Result.of(p).exit());
            String stat = Files.readString(Path.of(cg.byController().get("cpu"), "cpu.stat"));
            assertTrue(SandboxCgroup.field(stat, "nr_throttled").orElse(0) > 0, stat);
        } finally {
            closeAndCheckGone(cg);
        }
    }

    @Test
    void closeKillsWhatIsStillRunning() throws Exception {
        Cgroups cgroups = cgroups();
        SandboxCgroup cg = cgroups.create(uniqueName(), Limits.NONE.withPids(8));
        Process p = null;
        Set<Long> inside;
        try {
            p = startIn(cg, "sleep 60 & sleep 60 & wait");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (cg.pids().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            inside = cg.pids();
            assertEquals(3, inside.size(), "the shell and two sleeps: " + inside);
        } finally {
            closeAndCheckGone(cg);
        }
        assertEquals(137, Processes.Result.of(p).exit());
        for (long pid : inside) {
            assertFalse(running(pid), pid + " was killed");
        }
    }
}
