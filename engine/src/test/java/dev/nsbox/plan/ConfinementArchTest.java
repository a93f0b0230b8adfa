package dev.nsbox.plan;

import dev.nsbox.seccomp.SeccompArch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The plan compiles the step's filter for the architecture the JVM runs on: the supervisor
 * installs it there, and the kernel checks {@code seccomp_data.arch} against it.
 */
class ConfinementArchTest {

    private static SeccompArch planned() {
        Plan plan = Planner.plan(new TestSpecs().build(), new FakeHost());
        return plan.launch().confinement().seccomp().orElseThrow().arch();
    }

    @Test
    void theFilterIsForTheRunningArchitecture() {
        assertEquals(SeccompArch.current().orElseThrow(), planned());
        String saved = System.getProperty("os.arch");
        // What an arm64 JVM reports; the planner reads os.arch on every plan.
        try {
            System.setProperty("os.arch", "aarch64");
            assertEquals(SeccompArch.AARCH64, planned());
            System.setProperty("os.arch", "amd64");
            assertEquals(SeccompArch.X86_64, planned());
        } finally {
            System.setProperty("os.arch", saved);
        }
    }
}
