package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nsbox run} in a JVM whose {@code os.arch} is one the jar carries no {@code nsbox-init}
 * for (set with {@code -Dos.arch}, which HotSpot lets the command line override): refused with a
 * message naming the architecture, and without running the step. Exit code 3 either way: the
 * machine cannot provide what the spec asks (decision 0019).
 */
@Timeout(120)
class UnsupportedArchitectureTest {

    @TempDir
    Path tmp;

    private Processes.Result run(String spec) throws Exception {
        Path file = Files.writeString(tmp.resolve("spec.yaml"), spec);
        List<String> cmd = new ArrayList<>(Processes.nsbox("run", file.toString()));
        cmd.add(1, "-Dos.arch=riscv64");
        return Processes.Result.of(new ProcessBuilder(cmd).start());
    }

    @Test
    void anUnconfinedSpecIsRefusedWithExitCode3() throws Exception {
        Path marker = tmp.resolve("ran");
        Processes.Result r = run("version: 1\nnamespaces: [mount, pid]\nprocess:\n  seccomp: unconfined\n"
                + "steps:\n  - run: [touch, " + marker + "]\n");
        assertEquals(ExitCode.UNSUPPORTED.code(), r.exit(), r.toString());
        assertTrue(r.err().contains("error: nsbox runs on x86_64 (amd64) and aarch64 (arm64) only; this JVM's "
                + "architecture is \"riscv64\" (os.arch)"), r.toString());
        assertFalse(Files.exists(marker), "the step did not run");
    }

    @Test
    void theDefaultFilterIsRefusedWithExitCode3ForWantOfATableNamingTheArchitectureAndTheFix() throws Exception {
        // A limit of this machine, not a plan that cannot be set up (125): decision 0019.
        Path marker = tmp.resolve("ran");
        Processes.Result r = run("version: 1\nnamespaces: [mount, pid]\nsteps:\n  - run: [touch, " + marker + "]\n");
        assertEquals(ExitCode.UNSUPPORTED.code(), r.exit(), r.toString());
        assertTrue(r.err().contains("error: process.seccomp: nsbox has no system-call table for this machine's "
                + "architecture (riscv64), so it cannot install the filter; nsbox runs on x86_64 (amd64) and aarch64 "
                + "(arm64) only: run it on such a machine"), r.toString());
        assertFalse(r.err().contains("unconfined"), "no advice that cannot work: " + r);
        assertFalse(Files.exists(marker), "the step did not run");
    }
}
