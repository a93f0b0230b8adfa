package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cancelled run whose output goes line by line (the Maven plugin's) ends soon after its grace:
 * the supervisor is killed, its pipes reach end of file, and draining them ends there. Before,
 * each of the two pumps was polled 5.5 s at end of file: 12 s instead of about 1.
 */
@Timeout(60)
class CancelledOutputKernelTest {

    @BeforeEach
    void privileged() {
        Privileges.assumeScratchRoot();
    }

    @Test
    void aCancelledRunPastItsGraceEndsWithinSecondsNotTwelve() {
        AtomicLong cancelledAt = new AtomicLong();
        Kernel.Captured c = Kernel.runAllowingHostChanges(
                TestPlans.sandbox(Flags.CLONE_NEWNS | Flags.CLONE_NEWPID).proc("/proc", 0)
                        .shell("trap '' TERM; while :; do echo tick; sleep 0.05; done").build(),
                Duration.ofMillis(300), box -> new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        return;
                    }
                    cancelledAt.set(System.nanoTime());
                    box.cancel();
                }).start());
        long ms = (System.nanoTime() - cancelledAt.get()) / 1_000_000;
        assertEquals(137, c.exit(), c.toString());
        assertTrue(c.out().contains("tick"), c.toString());
        // 300 ms of grace, then the kill: loose for a loaded machine, far under the 11 s of polling.
        assertTrue(ms < 4000, "the run ended " + ms + " ms after the cancellation");
    }
}
