package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.ExitCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A JVM on an architecture the jar carries no {@code nsbox-init} for is refused before anything
 * is made, with {@link ExitCode#UNSUPPORTED} and a message naming the architecture.
 */
class SandboxArchitectureTest {

    @Test
    void anotherArchitectureIsRefusedWithExitCode3BeforeAnyStepRuns() {
        Plan plan = TestPlans.sandbox(Flags.CLONE_NEWNS).shell("exit 0").build();
        String saved = System.getProperty("os.arch");
        Kernel.Captured c;
        // os.arch is what the JVM reports (HotSpot sets it at start); the sandbox reads it when it runs.
        System.setProperty("os.arch", "riscv64");
        try {
            c = Kernel.runAllowingHostChanges(plan, Duration.ofSeconds(1), null);
        } finally {
            System.setProperty("os.arch", saved);
        }
        assertEquals(ExitCode.UNSUPPORTED.code(), c.exit(), c.toString());
        assertEquals(List.of("error: nsbox runs on x86_64 (amd64) and aarch64 (arm64) only; this JVM's architecture "
                + "is \"riscv64\" (os.arch), for which the jar carries no nsbox-init"), c.result().messages());
        assertEquals(List.of(), c.events(), "no step started");
        assertEquals(List.of(), c.result().hostChanges());
    }
}
