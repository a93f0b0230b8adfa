package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.sys.Sys;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nsbox-init's keeper, in a sandbox without a PID namespace: the process the executor spawns
 * forks the supervisor proper and stays its parent, a child subreaper (prctl(2)
 * PR_SET_CHILD_SUBREAPER) that kills and reaps whatever the supervisor leaves when it dies
 * (issue #18, item 3). Against the real kernel, in the test JVM's scratch mount namespace.
 */
@Timeout(60)
class KeeperKernelTest {

    @BeforeEach
    void privileged() {
        Privileges.assumeScratchRoot();
    }

    @Test
    void aStepThatKillsItsSupervisorLeavesNothingOnceRunReturns() throws Exception {
        String marker = "301." + ThreadLocalRandom.current().nextInt(100000, 999999);
        Kernel.Captured c = Kernel.run(TestPlans.sandbox(Flags.CLONE_NEWNS)
                .shell("(setsid sleep " + marker + " &); sleep " + marker + " & kill -9 $PPID; sleep 1; echo still-alive")
                .build());
        List<String> left = Processes.withMarker(marker);
        left.forEach(l -> ProcessHandle.of(Long.parseLong(l.substring(0, l.indexOf(':'))))
                .ifPresent(ProcessHandle::destroyForcibly));
        assertEquals(List.of(), left, "processes of the run outlived run()\n" + c);
        assertEquals(List.of(), c.out(), c.toString());
        assertEquals(125, c.exit(), c.toString());
        assertTrue(String.join("\n", c.result().messages()).contains("the supervisor nsbox-init ended unexpectedly"),
                c.toString());
    }

    @Test
    void aSignalToTheRunReachesTheStepThroughTheKeeper() {
        Kernel.Captured c = Kernel.runAllowingHostChanges(TestPlans.sandbox(Flags.CLONE_NEWNS)
                .shell("trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done").build(),
                Duration.ofSeconds(5), box -> new Thread(() -> {
                    sleepMillis(300);
                    box.signal(Sys.SIGTERM);
                }).start());
        assertEquals(7, c.exit(), c.toString());
        assertEquals(List.of("ready", "got-term"), c.out(), c.toString());
    }

    /**
     * A signal sent before the step started (here as the listener hears it is about to) is held
     * and sent once it started: sent at once, it would reach a supervisor that may not block it
     * yet, and SIGTERM would kill that supervisor (signal(7)) instead of the step.
     */
    @Test
    void aSignalSentBeforeTheStepStartsIsHeldForIt() {
        for (int flags : new int[] {Flags.CLONE_NEWNS, Flags.CLONE_NEWNS | Flags.CLONE_NEWPID}) {
            TestPlans p = TestPlans.sandbox(flags);
            if ((flags & Flags.CLONE_NEWPID) != 0) {
                p.proc("/proc", 0);
            }
            Kernel.Captured c = Kernel.runAllowingHostChanges(p.shell("sleep 30").build(), Duration.ofSeconds(5),
                    box -> box.signal(Sys.SIGTERM));
            assertEquals(143, c.exit(), c.toString());
            assertTrue(c.result().steps().get(0).message().contains("killed by signal 15"), c.toString());
        }
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * With limits the keeper and the supervisor are both in the sandbox's cgroup (the supervisor
     * is forked after the keeper was moved), so the step's parent and grandparent show the same
     * cgroups as the step itself, the root of its cgroup namespace (cgroup_namespaces(7)).
     */
    @Test
    void theKeeperAndTheSupervisorAreBothInTheSandboxsCgroup() {
        Kernel.Captured c = Kernel.run(TestPlans.sandbox(Flags.CLONE_NEWNS).memory(64L << 20)
                .shell("keeper=$(awk '{print $4}' /proc/$PPID/stat); "
                        + "if cmp -s /proc/self/cgroup /proc/$PPID/cgroup && cmp -s /proc/self/cgroup /proc/$keeper/cgroup; "
                        + "then echo same; else cat /proc/self/cgroup /proc/$PPID/cgroup /proc/$keeper/cgroup; fi")
                .build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of("same"), c.out(), c.toString());
    }
}
