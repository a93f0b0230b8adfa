package dev.nsbox.exec;

import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a sandbox costs from a warm JVM (docs/platform.md measured 9.7 ms for a thread that unshares,
 * mounts a pidns= proc and spawns {@code true}). Prints the median; fails only when a run takes
 * absurdly long, which would mean something waits on a timeout.
 */
@Timeout(120)
class SandboxTimingTest {

    @Test
    void sandboxOfTrueFromAWarmJvm() {
        Privileges.assumeScratchRoot();
        Plan plan = TestPlans.allNamespaces().proc("/proc", 0)
                .op(new Op.SetHostname("t", TestPlans.at(5, "hostname")))
                .op(new Op.LoopbackUp(TestPlans.at(2, "namespaces")))
                .run("true").build();
        for (int i = 0; i < 5; i++) {
            assertEquals(0, once(plan));
        }
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertEquals(0, once(plan));
            micros.add((System.nanoTime() - t0) / 1000);
        }
        Collections.sort(micros);
        long median = micros.get(micros.size() / 2);
        System.out.printf("nsbox: sandbox of `true` (mount pid net uts ipc, rprivate, pidns= proc, hostname, lo, "
                + "verify, host diff): median %.1f ms, min %.1f ms, max %.1f ms over %d runs%n",
                median / 1000.0, micros.get(0) / 1000.0, micros.get(micros.size() - 1) / 1000.0, micros.size());
        assertTrue(median < 1_000_000, "median " + median + " us");
    }

    private static int once(Plan plan) {
        return new Sandbox(plan, StepIO.inherit(), Listener.NONE, new Sandbox.Options(Duration.ofSeconds(1), false))
                .run().exitCode();
    }
}
