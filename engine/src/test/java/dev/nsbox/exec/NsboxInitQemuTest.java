package dev.nsbox.exec;

import dev.nsbox.exec.InitDriver.Step;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.Capability;
import dev.nsbox.testing.Architectures;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static dev.nsbox.exec.TestPlans.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aarch64 {@code nsbox-init} the jar carries, run under qemu-user ({@code qemu-aarch64-static
 * BINARY}, named explicitly: binfmt_misc need not be registered) and spoken to with the same
 * {@link InitProtocol} bytes the executor sends. The supervisor is emulated; the steps it execs
 * are this machine's own programs, which execve(2) runs natively.
 *
 * <p>What qemu-user passes through to the kernel is covered: reading framed commands, running a
 * step with its argv, environment and working directory, the {@code started}, {@code exited},
 * {@code signaled}, {@code exec}, {@code chdir} and {@code timeout} reports, setrlimit(2),
 * no_new_privs, the capability sets (as root), an unknown command, end of file on the command
 * pipe, and 'Q'. Not covered here: the seccomp filter (qemu-user 7.2 answers seccomp(2) with
 * ENOSYS, and the kernel would see the host's ABI anyway), orphan reaping (it answers
 * {@code PR_SET_CHILD_SUBREAPER} with EINVAL), the cgroup namespace and PID 1; those run on the
 * native binary in {@link NsboxInitConfinementTest} and the sandbox tests.
 *
 * <p>Skipped only where qemu-user or the aarch64 binary is missing, and failed instead when
 * every architecture is required ({@code NSBOX_REQUIRE_ALL_ARCHS=true} or {@code CI=true}, as
 * {@code .ci/run} sets).
 */
@Timeout(120)
class NsboxInitQemuTest {

    @TempDir
    Path tmp;

    private Path qemu;
    private Path binary;

    @BeforeEach
    void setUp() throws IOException {
        qemu = Architectures.onPath("qemu-aarch64-static").or(() -> Architectures.onPath("qemu-aarch64")).orElse(null);
        Architectures.requireOrSkip(qemu != null, "no qemu-aarch64-static or qemu-aarch64 on PATH "
                + "(apt-get install qemu-user-static)");
        binary = tmp.resolve("nsbox-init");
        try (InputStream in = InitBinary.class.getResourceAsStream("aarch64/nsbox-init")) {
            Architectures.requireOrSkip(in != null, "this build carries no aarch64 nsbox-init "
                    + "(apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)");
            Files.copy(in, binary);
        }
        assertTrue(binary.toFile().setExecutable(true, false));
    }

    @Test
    void aStepRunsWithItsArgvEnvironmentAndDirectoryAndItsExitCodeIsRelayed() throws Exception {
        try (InitDriver init = start()) {
            Step s = run(init, plain(), "/tmp", List.of("PATH=/usr/bin:/bin", "GREETING=hello"),
                    "sh", "-c", "echo \"$GREETING $0 $1\"; pwd; exit 7", "a b", "c");
            assertEquals(List.of("started", "exited 7"), s.reports(), s.toString());
            assertEquals("hello a b c\n/tmp\n", s.output());

            Step again = run(init, plain(), "/", List.of("PATH=/usr/bin:/bin"), "true");
            assertEquals(List.of("started", "exited 0"), again.reports(), "a second step on the same pipe\n" + again);
        }
    }

    @Test
    void aStepKilledByASignalIsReportedAsSignaled() throws Exception {
        try (InitDriver init = start()) {
            Step s = run(init, plain(), "/", List.of("PATH=/usr/bin:/bin"), "sh", "-c", "kill -TERM $$");
            assertEquals(List.of("started", "signaled 15"), s.reports(), s.toString());
        }
    }

    @Test
    void aMissingCommandOrDirectoryIsReportedWithItsErrno() throws Exception {
        try (InitDriver init = start()) {
            Step noCommand = run(init, plain(), "/", List.of("PATH=/usr/bin:/bin"), "nsbox-no-such-command");
            assertEquals(List.of("exec 2"), noCommand.reports(), "ENOENT\n" + noCommand);
            Step noDirectory = run(init, plain(), "/nsbox-no-such-directory", List.of("PATH=/usr/bin:/bin"), "true");
            assertEquals(List.of("chdir 2"), noDirectory.reports(), "ENOENT\n" + noDirectory);
        }
    }

    @Test
    void limitsAndNoNewPrivsReachTheStep() throws Exception {
        StepSecurity security = new StepSecurity(true, OptionalLong.empty(),
                List.of(StepSecurity.Rlimit.of(StepSecurity.Resource.RLIMIT_NOFILE, 64)), new byte[0]);
        try (InitDriver init = start()) {
            Step s = run(init, security, "/", List.of("PATH=/usr/bin:/bin"),
                    "sh", "-c", "ulimit -n; ulimit -Hn; grep '^NoNewPrivs:' /proc/self/status");
            assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
            assertEquals("64\n64\nNoNewPrivs:\t1\n", s.output());
        }
    }

    @Test
    void confiningCapabilitiesLeavesTheStepOnlyTheKeptOne() throws Exception {
        // prctl(2) and capset(2) pass through qemu-user to the kernel, in the step's child before
        // its execve(2): the native step starts with the sets the emulated supervisor made.
        Privileges.assumeScratchRoot();
        StepSecurity security = new StepSecurity(true, OptionalLong.of(Capability.CAP_NET_BIND_SERVICE.mask()),
                List.of(), new byte[0]);
        try (InitDriver init = start()) {
            Step s = run(init, security, "/", List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                    "sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status");
            assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
            assertEquals("CapInh:\t0000000000000400\nCapPrm:\t0000000000000400\nCapEff:\t0000000000000400\n"
                    + "CapBnd:\t0000000000000400\nCapAmb:\t0000000000000400\n", s.output());
        }
    }

    @Test
    void aTimeoutSendsSigtermAndIsReported() throws Exception {
        try (InitDriver init = start()) {
            Step s = run(init, plain(), Duration.ofMillis(300), "/", List.of("PATH=/usr/bin:/bin"), "sleep", "60");
            assertEquals(List.of("started", "timeout", "signaled 15"), s.reports(), s.toString());
        }
    }

    @Test
    void anUnknownCommandIsAnsweredWithEinval() throws Exception {
        try (InitDriver init = start()) {
            init.send(new byte[] {1, 0, 0, 0, 'X'});
            assertEquals("error command 22", init.readReport());
        }
    }

    @Test
    void endOfFileOnTheCommandPipeKillsTheStepAndEndsTheSupervisor() throws Exception {
        Path pidFile = tmp.resolve("pid");
        InitDriver init = start();
        try {
            init.send(InitProtocol.run(launch(null, "/", List.of("PATH=/usr/bin:/bin"),
                    List.of("sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60")), plain(), Duration.ofSeconds(1)));
            assertTrue(init.readReport().startsWith("started "));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long step = Long.parseLong(Files.readString(pidFile).trim());
            assertTrue(ProcessHandle.of(step).isPresent(), "the step runs");
            init.closeCommands();
            assertTrue(init.process().waitFor(30, TimeUnit.SECONDS), "nsbox-init exits at end of file on fd 3");
            assertEquals(1, init.process().exitValue(), "end of file while a step runs: _exit(1) after killing all");
            assertFalse(ProcessHandle.of(step).map(ProcessHandle::isAlive).orElse(false),
                    "the step was killed before nsbox-init exited");
        } finally {
            init.process().destroyForcibly();
        }
    }

    private static StepSecurity plain() {
        return StepSecurity.basic(false, false);
    }

    private static StepLaunch launch(Duration timeout, String cwd, List<String> env, List<String> argv) {
        return new StepLaunch("t", argv, env, cwd, timeout, at(1, "steps[0]"));
    }

    /** The emulated supervisor: qemu-user runs the aarch64 binary, named explicitly. */
    private InitDriver start() throws IOException {
        return new InitDriver(List.of(qemu.toString(), binary.toString()), tmp);
    }

    private static Step run(InitDriver init, StepSecurity security, String cwd, List<String> env, String... argv)
            throws IOException {
        return run(init, security, Duration.ofSeconds(60), cwd, env, argv);
    }

    private static Step run(InitDriver init, StepSecurity security, Duration timeout, String cwd, List<String> env,
            String... argv) throws IOException {
        return init.run(launch(timeout, cwd, env, List.of(argv)), security, Duration.ofSeconds(5));
    }
}
