package dev.nsbox.exec;

import dev.nsbox.exec.InitDriver.Step;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.Capability;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import static dev.nsbox.exec.TestPlans.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor {@code nsbox-init} confining a step, run for real: the test starts the binary
 * with its command pipe on descriptor 3 and its report pipe on 4, sends one 'R' command, and
 * reads what the kernel says about the step in {@code /proc/self/status}. Runs as root in the
 * test JVM's scratch mount namespace; the supervisor is a subreaper here, not a PID 1.
 */
@Timeout(60)
class NsboxInitConfinementTest {

    private static final String ZERO = "0000000000000000";
    private static final String NET_BIND_SERVICE = "0000000000000400";
    private static final String STATUS = "grep -E '^(Cap|NoNewPrivs|Seccomp|SigIgn)' /proc/self/status";

    @TempDir
    Path tmp;

    private Path binary;

    @BeforeEach
    void setUp() throws IOException {
        Privileges.assumeScratchRoot();
        binary = tmp.resolve("nsbox-init");
        Files.write(binary, InitBinary.image());
        assertTrue(binary.toFile().setExecutable(true, false) && binary.toFile().setReadable(true, false));
    }

    @Test
    void anEmptySetLeavesUidZeroNoCapabilityInAnySetAfterExecve() throws Exception {
        // The shell execs grep: a second execve as uid 0, which gains nothing under SECBIT_NOROOT.
        Step s = run(confined(0), "sh", "-c", STATUS + "; capsh --print | grep '^Securebits:'");
        assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals(ZERO, s.status().get(set), set + "\n" + s);
        }
        assertEquals("1", s.status().get("NoNewPrivs"), s.toString());
        assertEquals("0", s.status().get("Seccomp"), s.toString());
        assertEquals(0, Long.parseLong(s.status().get("SigIgn"), 16) & 1L << (13 - 1),
                "SIGPIPE (13), which the supervisor ignores, is not ignored in the step\n" + s);
        // SECBIT_NOROOT|_LOCKED, NO_SETUID_FIXUP|_LOCKED, KEEP_CAPS_LOCKED, NO_CAP_AMBIENT_RAISE|_LOCKED
        assertTrue(s.output().contains("Securebits: 0357/0xef/"), s.toString());
    }

    @Test
    void aFilterIsInstalledAndShowsAsSeccompMode2() throws Exception {
        Step s = run(new StepSecurity(true, OptionalLong.of(0), List.of(), denyUnshare()), "sh", "-c", STATUS);
        assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
        assertEquals("2", s.status().get("Seccomp"), s.toString());
        assertEquals(ZERO, s.status().get("CapEff"), s.toString());
    }

    @Test
    void aKeptCapabilityIsTheOnlyOneInEverySetAndSurvivesExecveThroughTheAmbientSet() throws Exception {
        Step s = run(confined(Capability.CAP_NET_BIND_SERVICE.mask()), "sh", "-c", STATUS);
        assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals(NET_BIND_SERVICE, s.status().get(set), set + "\n" + s);
        }
    }

    @Test
    void unconfinedStepsKeepTheSupervisorsCapabilities() throws Exception {
        String ours = ownStatus().get("CapEff");
        Step s = run(StepSecurity.basic(false, false), "sh", "-c", STATUS);
        assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
        assertEquals(ours, s.status().get("CapEff"), s.toString());
        assertFalse(ZERO.equals(ours), "the test runs as root with capabilities");
        assertEquals("0", s.status().get("NoNewPrivs"), s.toString());
    }

    @Test
    void theFilterDeniesUnshareWithEpermEvenWithCapSysAdmin() throws Exception {
        // Control: with CAP_SYS_ADMIN kept and no filter, a new mount namespace is allowed.
        long admin = Capability.CAP_SYS_ADMIN.mask();
        Step open = run(confined(admin), "unshare", "-m", "true");
        assertEquals(List.of("started", "exited 0"), open.reports(), open.toString());

        Step denied = run(new StepSecurity(true, OptionalLong.of(admin), List.of(), denyUnshare()),
                "unshare", "-m", "true");
        assertEquals(List.of("started", "exited 1"), denied.reports(), denied.toString());
        assertTrue(denied.output().contains("Operation not permitted"), denied.toString());
    }

    @Test
    void openFilesLimitIsWhatUlimitSees() throws Exception {
        Step s = run(new StepSecurity(true, OptionalLong.of(0),
                List.of(StepSecurity.Rlimit.of(StepSecurity.Resource.RLIMIT_NOFILE, 64)), new byte[0]),
                "sh", "-c", "ulimit -n; ulimit -Hn");
        assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
        assertEquals("64\n64\n", s.output());
    }

    @Test
    void writingPastTheFileSizeLimitGetsSigxfsz() throws Exception {
        Path file = tmp.resolve("big");
        Step s = run(new StepSecurity(true, OptionalLong.of(0),
                List.of(StepSecurity.Rlimit.of(StepSecurity.Resource.RLIMIT_FSIZE, 1024)), new byte[0]),
                "dd", "if=/dev/zero", "of=" + file, "bs=4096", "count=1");
        assertEquals(List.of("started", "signaled 25"), s.reports(), "SIGXFSZ (setrlimit(2))\n" + s);
        assertTrue(Files.size(file) <= 1024, Files.size(file) + " bytes written");
    }

    @Test
    void aLimitTheKernelRefusesStopsTheStepBeforeItRuns() throws Exception {
        // RLIM_INFINITY open files exceeds fs.nr_open: EPERM even with CAP_SYS_RESOURCE.
        Path marker = tmp.resolve("ran");
        Step s = run(new StepSecurity(true, OptionalLong.of(0), List.of(new StepSecurity.Rlimit(
                StepSecurity.Resource.RLIMIT_NOFILE, 64, StepSecurity.Rlimit.INFINITY)), new byte[0]),
                "touch", marker.toString());
        assertEquals(List.of("error setrlimit(RLIMIT_NOFILE) 1"), s.reports(), s.toString());
        assertFalse(Files.exists(marker));
    }

    @Test
    void aFilterWithoutNoNewPrivsOrCapSysAdminIsRefusedAndTheStepDoesNotRun() throws Exception {
        Path marker = tmp.resolve("ran");
        Step s = run(new StepSecurity(false, OptionalLong.of(0), List.of(), denyUnshare()), "touch", marker.toString());
        assertEquals(List.of("error seccomp 13"), s.reports(), "EACCES (seccomp(2))\n" + s);
        assertFalse(Files.exists(marker));
    }

    @Test
    void aSupervisorWithoutCapSetpcapCannotConfineAndRunsNothing() throws Exception {
        Path marker = tmp.resolve("ran");
        try (InitDriver init = start(List.of("setpriv", "--bounding-set", "-setpcap,-sys_admin"))) {
            Step s = run(init, confined(0), "touch", marker.toString());
            assertEquals(List.of("error PR_CAPBSET_DROP 1"), s.reports(), s.toString());
            assertFalse(Files.exists(marker));

            init.send(InitProtocol.cgroupNamespace());
            s = run(init, StepSecurity.basic(true, false), "touch", marker.toString());
            assertEquals(List.of("error unshare(CLONE_NEWCGROUP) 1"), s.reports(), s.toString());
            assertFalse(Files.exists(marker));
        }
    }

    @Test
    void inAUserNamespaceTheSameCallsConfineTheNamespacesCapabilities() throws Exception {
        // Rootless: an unprivileged user maps itself to uid 0 of a new user namespace, which
        // holds every capability of that namespace, and the supervisor runs there.
        assertTrue(tmp.toFile().setExecutable(true, false) && tmp.toFile().setReadable(true, false));
        List<String> rootless = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "unshare", "--user", "--map-root-user");
        try (InitDriver init = start(rootless)) {
            Step s = run(init, new StepSecurity(true, OptionalLong.of(Capability.CAP_NET_BIND_SERVICE.mask()),
                    List.of(StepSecurity.Rlimit.of(StepSecurity.Resource.RLIMIT_NOFILE, 64)), denyUnshare()),
                    "sh", "-c", "id -u; ulimit -n; " + STATUS);
            assertEquals(List.of("started", "exited 0"), s.reports(), s.toString());
            assertTrue(s.output().startsWith("0\n64\n"), s.toString());
            for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
                assertEquals(NET_BIND_SERVICE, s.status().get(set), set + "\n" + s);
            }
            assertEquals("2", s.status().get("Seccomp"), s.toString());
        }
    }

    @Test
    void theCgroupNamespaceMakesTheSupervisorsCgroupTheStepsRoot() throws Exception {
        Path unified = cgroup2Mount();
        String own = ownCgroup2();
        Path box = unified.resolve(own.substring(1)).resolve("nsbox-test-" + ThreadLocalRandom.current().nextInt(1 << 30));
        Files.createDirectory(box);
        try {
            String name = "/" + unified.relativize(box);
            try (InitDriver init = start(List.of())) {
                Files.writeString(box.resolve("cgroup.procs"), Long.toString(init.process().pid()));
                Step before = run(init, StepSecurity.basic(true, true), "cat", "/proc/self/cgroup");
                assertTrue(before.output().lines().anyMatch(("0::" + name)::equals), "control\n" + before);

                init.send(InitProtocol.cgroupNamespace());
                Step after = run(init, StepSecurity.basic(true, true), "cat", "/proc/self/cgroup");
                assertEquals(List.of("started", "exited 0"), after.reports(), after.toString());
                assertTrue(after.output().lines().anyMatch("0::/"::equals), after.toString());
            }
        } finally {
            Files.delete(box);
        }
    }

    private static StepSecurity confined(long capabilities) {
        return new StepSecurity(true, OptionalLong.of(capabilities), List.of(), new byte[0]);
    }

    /**
     * A hand-written filter: a foreign architecture is killed, {@code unshare(2)} fails with
     * EPERM, everything else is allowed. {@code struct sock_filter} is {u16 code, u8 jt, u8 jf,
     * u32 k}; {@code struct seccomp_data} has the call number at offset 0, the arch at 4.
     */
    private static byte[] denyUnshare() {
        String arch = System.getProperty("os.arch");
        int audit;
        int unshare;
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            audit = 0xC000003E; // AUDIT_ARCH_X86_64
            unshare = 272;
        } else if (arch.equals("aarch64")) {
            audit = 0xC00000B7; // AUDIT_ARCH_AARCH64
            unshare = 97;
        } else {
            Assumptions.abort("no hand-written filter for " + arch);
            return null;
        }
        int ldAbs = 0x20;      // BPF_LD | BPF_W | BPF_ABS
        int jeq = 0x15;        // BPF_JMP | BPF_JEQ | BPF_K
        int ret = 0x06;        // BPF_RET | BPF_K
        ByteBuffer b = ByteBuffer.allocate(7 * 8).order(ByteOrder.nativeOrder());
        insn(b, ldAbs, 0, 0, 4);
        insn(b, jeq, 1, 0, audit);
        insn(b, ret, 0, 0, 0x80000000);       // SECCOMP_RET_KILL_PROCESS
        insn(b, ldAbs, 0, 0, 0);
        insn(b, jeq, 0, 1, unshare);
        insn(b, ret, 0, 0, 0x00050000 | 1);   // SECCOMP_RET_ERRNO | EPERM
        insn(b, ret, 0, 0, 0x7fff0000);       // SECCOMP_RET_ALLOW
        return b.array();
    }

    private static void insn(ByteBuffer b, int code, int jt, int jf, int k) {
        b.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }

    private static Map<String, String> ownStatus() throws IOException {
        return Step.parseStatus(Files.readString(Path.of("/proc/self/status")));
    }

    /** Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup/unified on a hybrid host. */
    private static Path cgroup2Mount() throws IOException {
        for (MountEntry e : MountEntry.parse(Files.readString(Path.of("/proc/self/mountinfo")))) {
            if (e.fstype().equals("cgroup2")) {
                return Path.of(e.mountPoint());
            }
        }
        Assumptions.abort("no cgroup2 hierarchy is mounted");
        return null;
    }

    private static String ownCgroup2() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (l.startsWith("0::")) {
                return l.substring(3);
            }
        }
        throw new IOException("no cgroup2 line in /proc/self/cgroup");
    }

    private Step run(StepSecurity security, String... argv) throws Exception {
        try (InitDriver init = start(List.of())) {
            return run(init, security, argv);
        }
    }

    /** nsbox-init behind {@code wrapper} (setpriv, unshare), or alone when it is empty. */
    private InitDriver start(List<String> wrapper) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(binary.toString());
        return new InitDriver(command, tmp);
    }

    private static Step run(InitDriver init, StepSecurity security, String... argv) throws IOException {
        StepLaunch launch = new StepLaunch("t", List.of(argv), List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), "/",
                Duration.ofSeconds(30), at(1, "steps[0]"));
        return init.run(launch, security, Duration.ofSeconds(1));
    }
}
