package dev.nsbox.security;

import dev.nsbox.security.SystemdLikeHost.Run;
import dev.nsbox.security.SystemdLikeHost.Started;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Escape attempts against a spec with no security key, as root, on a host whose {@code /} is
 * {@code rshared} as systemd leaves it (issue #12). Each test fails when its attempt works. What
 * each one proves about the kernel:
 *
 * <ul>
 *   <li>capabilities: every set in /proc/self/status is empty after execve, so no
 *       CAP_SYS_ADMIN (mount, umount, remount), CAP_MKNOD, CAP_SYS_RAWIO, CAP_DAC_OVERRIDE;
 *       NoNewPrivs 1 (prctl(2) PR_SET_NO_NEW_PRIVS) and Seccomp 2 (a seccomp filter, seccomp(2));
 *       securebits NOROOT and its lock, so uid 0 gains nothing at execve (capabilities(7));</li>
 *   <li>hide: umount(2) and umount2(MNT_DETACH) of a hide mount fail (EPERM without
 *       CAP_SYS_ADMIN), so the file or directory below stays out of reach;</li>
 *   <li>read-only root: mount(2) MS_REMOUNT, with or without MS_BIND, fails, and a write to
 *       /etc fails with EROFS and never reaches the host's /etc;</li>
 *   <li>new mounts and namespaces: mount(2) fails; unshare(2), clone(2) with CLONE_NEWUSER and
 *       clone3(2) fail, so the step cannot regain capabilities in a user namespace of its own
 *       (user_namespaces(7): the creator of a user namespace has every capability in it);</li>
 *   <li>devices: mknod(2) fails; the host's block devices are not reachable (no node in the
 *       minimal /dev, and a uid-0 step would otherwise open a 0600 root-owned disk by owner
 *       permission alone, with no capability at all); /dev holds only the minimal set;</li>
 *   <li>/proc and /sys: in every procfs and sysfs the step can see (the host's copies too),
 *       /proc/sys and its kin are on read-only mounts and /proc/kcore and its kin read as
 *       nothing, as runc's readonlyPaths and maskedPaths make them: owner permission bits let a
 *       uid-0 step with no capability write /proc/sys/vm/swappiness otherwise;</li>
 *   <li>keyctl(2) fails with EPERM (the filter's answer, so programs degrade rather than die);</li>
 *   <li>descriptors: the step starts with 0, 1 and 2 only, and cannot list the supervisor's
 *       (ptrace access mode, proc(5) /proc/PID/fd);</li>
 *   <li>limits: a memory cgroup kills a hog (exit 137 and a line naming the limit), a pids
 *       cgroup refuses fork(2) with EAGAIN, RLIMIT_NOFILE and RLIMIT_FSIZE hold
 *       (setrlimit(2); raising a hard limit needs CAP_SYS_RESOURCE);</li>
 *   <li>an output flood passes through whole; SIGKILL of nsbox leaves no process of the run
 *       (the PID namespace dies with its init, pid_namespaces(7));</li>
 *   <li>after every run the host's mount table (the nested namespace's, and the test JVM's) is
 *       what it was: nothing the step tried propagated.</li>
 * </ul>
 */
@Timeout(300)
class EscapeTest extends EscapeAttempts {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

    private SystemdLikeHost host;

    @BeforeEach
    void setUp() throws IOException {
        Privileges.assumeScratchRoot();
        Assumptions.assumeTrue(Privileges.euid() == 0, "the root escape suite runs as root");
        secrets = DefaultSpec.in(dir);
        host = new SystemdLikeHost(dir);
    }

    /** Runs {@code probe} as the step of {@code spec}, and checks that no mount table around it changed. */
    private Run attempt(SystemdLikeHost on, Path spec, String probe) throws IOException, InterruptedException {
        List<String> jvmBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Run r = on.run(Processes.nsbox("run", spec.toString(), "--", "sh", "-c", probe), RUN_TIMEOUT);
        assertHostUntouched(r, jvmBefore);
        return r;
    }

    @Override
    Run attempt(Path spec, String probe) throws IOException, InterruptedException {
        return attempt(host, spec, probe);
    }

    static void assertHostUntouched(Run r, List<String> jvmBefore) throws IOException {
        assertFalse(r.hostMountsChanged(), "the host's mount table changed:\n" + r.hostMountDiff() + r);
        assertEquals(jvmBefore, Files.readAllLines(Path.of("/proc/self/mountinfo")),
                "the test JVM's mount table changed\n" + r);
    }

    /** The probe ran to its end and printed no escape. */
    static void assertHeld(Run r) {
        assertTrue(r.out().contains(SystemdLikeHost.CONTROL + "\n"), "the probe did not run to its end\n" + r);
        List<String> escapes = r.out().lines().filter(l -> l.contains(SystemdLikeHost.ESCAPED)).toList();
        assertEquals(List.of(), escapes, "escaped\n" + r);
    }

    /** proc(5) status fields printed by {@link Probes#status()}. */
    static Map<String, String> statusFields(Run r) {
        Map<String, String> m = new HashMap<>();
        for (String l : r.out().lines().toList()) {
            int c = l.indexOf(':');
            if (c > 0) {
                m.put(l.substring(0, c), l.substring(c + 1).trim());
            }
        }
        return m;
    }

    static void assertNoCapabilities(Run r) {
        assertTrue(r.out().contains(SystemdLikeHost.CONTROL + "\n"), r.toString());
        Map<String, String> f = statusFields(r);
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals("0000000000000000", f.get(set), set + "\n" + r);
        }
        assertEquals("1", f.get("NoNewPrivs"), "NoNewPrivs\n" + r);
        assertEquals("2", f.get("Seccomp"), "Seccomp (2: a filter)\n" + r);
    }

    @Test
    void theStepHasNoCapabilityNoNewPrivsAndASeccompFilter() throws Exception {
        assertNoCapabilities(attempt(secrets.write(), Probes.status()));
    }

    @Test
    void securebitsKeepUid0FromRegainingCapabilitiesAtExecve() throws Exception {
        Syscalls.here();
        Run r = attempt(secrets.write(), Probes.securebits());
        Matcher m = Pattern.compile("securebits=(-?\\d+)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        int bits = Integer.parseInt(m.group(1));
        // SECBIT_NOROOT (1 << 0) and SECBIT_NOROOT_LOCKED (1 << 1), include/uapi/linux/securebits.h.
        assertEquals(3, bits & 3, "securebits " + bits + "\n" + r);
    }

    @Test
    void aHiddenFileStaysHiddenWhenTheStepUnmountsTheHide() throws Exception {
        Run r = attempt(secrets.write(), Probes.unhide(secrets.secretFile, secrets.token));
        assertHeld(r);
        assertFalse(r.out().contains(secrets.token), r.toString());
    }

    @Test
    void newUserNamespacesThroughCloneAndClone3AreRefused() throws Exception {
        Syscalls.Numbers n = Syscalls.here();
        Run r = attempt(secrets.write(), Probes.cloneNewUser(n));
        assertHeld(r);
        assertTrue(r.out().contains("clone-newuser refused"), r.toString());
    }

    @Test
    void mknodIsRefused() throws Exception {
        assertHeld(attempt(secrets.write(), Probes.mknod()));
    }

    @Test
    void theHostsBlockDevicesCannotBeRead() throws Exception {
        List<String> disks = hostBlockDevices();
        Run r = attempt(secrets.write(), Probes.rawDisks("/dev", disks));
        assertHeld(r);
        assertTrue(r.out().contains("devices-tried: " + String.join(" ", disks)), r.toString());
    }

    /**
     * A devtmpfs the host has elsewhere than /dev (a container runtime's, a chroot's) is in the
     * step's view of a {@code root: host} tree: binds are nodev by default, so its block nodes
     * must not open (mount(2) MS_NODEV) even though a uid-0 step owns them.
     */
    @Test
    void theHostsBlockDevicesCannotBeReadThroughADevtmpfsElsewhere() throws Exception {
        List<String> disks = hostBlockDevices();
        Path hostDev = dir.resolve("hostdev");
        SystemdLikeHost withDev = new SystemdLikeHost(dir,
                List.of("mkdir -p '" + hostDev + "' && mount -t devtmpfs devtmpfs '" + hostDev + "' || exit 98"));
        Run r = attempt(withDev, secrets.write(), Probes.rawDisks(hostDev.toString(), disks));
        assertHeld(r);
    }

    @Test
    void devHoldsOnlyTheMinimalSetAndNoBlockDevice() throws Exception {
        Run r = attempt(secrets.write(), Probes.devListing());
        assertHeld(r);
        Set<String> allowed = Set.of("null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm", "fd",
                "stdin", "stdout", "stderr", "console", "mqueue");
        String listing = r.out().lines().filter(l -> l.startsWith("dev: ")).findFirst().orElseThrow(() ->
                new AssertionError("no listing\n" + r));
        List<String> extra = Arrays.stream(listing.substring(5).trim().split("\\s+")).filter(e -> !allowed.contains(e))
                .toList();
        assertEquals(List.of(), extra, "entries of /dev beyond the minimal set\n" + r);
    }

    /** A second procfs on the host (as a container runtime leaves one), to show the guards reach every copy. */
    private SystemdLikeHost withHostProcAndSys() {
        Path proc = dir.resolve("hostproc");
        Path sys = dir.resolve("hostsys");
        return new SystemdLikeHost(dir, List.of(
                "mkdir -p '" + proc + "' '" + sys + "' || exit 98",
                "mount -t proc proc '" + proc + "' || exit 98",
                "mount -t sysfs sysfs '" + sys + "' || exit 98"));
    }

    @Test
    void procSysAndItsKinAreReadOnlyInEveryProcfs() throws Exception {
        Run r = attempt(withHostProcAndSys(), secrets.write(), Probes.procReadOnly());
        assertHeld(r);
        assertTrue(r.out().contains("procfs: /proc\n"), r.toString());
        assertTrue(r.out().contains("procfs: " + dir.resolve("hostproc") + "\n"), r.toString());
    }

    @Test
    void kcoreKeysAndTimerListAreMaskedInEveryProcfs() throws Exception {
        Run r = attempt(withHostProcAndSys(), secrets.write(), Probes.procMasked());
        assertHeld(r);
        assertTrue(r.out().contains("procfs: /proc\n"), r.toString());
    }

    @Test
    void sysfsIsReadOnlyAndFirmwareMasked() throws Exception {
        Path spec = secrets.write("sysfs.yaml", "  - type: sysfs\n    target: /sys\n", "");
        Run r = attempt(withHostProcAndSys(), spec, Probes.sysfs());
        assertHeld(r);
        assertTrue(r.out().contains("sysfs: /sys\n"), r.toString());
        assertTrue(r.out().contains("sysfs: " + dir.resolve("hostsys") + "\n"), r.toString());
    }

    @Test
    void keyctlFailsWithEperm() throws Exception {
        Syscalls.Numbers n = Syscalls.here();
        Run r = attempt(secrets.write(), Probes.keyctl(n));
        assertTrue(r.out().contains(SystemdLikeHost.CONTROL + "\n"), r.toString());
        assertTrue(r.out().contains("keyctl=-1 errno=1\n"), "keyctl must fail with EPERM (1)\n" + r);
    }

    @Test
    void theStepStartsWithTheStandardDescriptorsOnly() throws Exception {
        Run r = attempt(secrets.write(), Probes.ownDescriptors());
        assertHeld(r);
        assertTrue(r.out().contains("fds: 0 1 2 3 \n"), "0, 1, 2, and ls's own directory (3)\n" + r);
    }

    @Test
    void theSupervisorsDescriptorsAreOutOfReach() throws Exception {
        Run r = attempt(secrets.write(), Probes.supervisorDescriptors());
        assertHeld(r);
        assertTrue(r.out().contains("step pid "), r.toString());
    }

    @Test
    void theMemoryLimitKillsAHogWith137AndNamesTheLimitAndItsLine() throws Exception {
        Syscalls.here();
        Path spec = secrets.write("memory.yaml", "", "limits: {memory: 64m, pids: 64}\n");
        int line = DefaultSpec.lineOf(spec, "limits:");
        Run r = attempt(spec, Probes.memoryHog());
        assertTrue(r.out().contains(SystemdLikeHost.CONTROL + "\n"), r.toString());
        assertFalse(r.out().contains(SystemdLikeHost.ESCAPED), r.toString());
        assertEquals(137, r.exit(), r.toString());
        Pattern named = Pattern.compile(Pattern.quote(spec.toString()) + ":" + line + ":\\d+: .*memory.*");
        assertTrue(r.err().lines().anyMatch(l -> named.matcher(l).matches()),
                "a line naming the memory limit at " + spec + ":" + line + "\n" + r);
    }

    @Test
    void thePidsLimitBoundsAForkBomb() throws Exception {
        Syscalls.here();
        String marker = "600." + ThreadLocalRandom.current().nextInt(100000, 999999);
        Path spec = secrets.write("pids.yaml", "", "limits: {memory: 64m, pids: 64}\nprocess: {timeout: 60s}\n");
        Run r;
        List<String> survivors;
        try {
            r = attempt(spec, Probes.forkBomb(marker));
        } finally {
            survivors = killSurvivors(marker);
        }
        assertHeld(r);
        Matcher m = Pattern.compile("fork-refused-after (\\d+) errno 11").matcher(r.out());
        assertTrue(m.find(), "fork(2) must fail with EAGAIN under the pids limit\n" + r);
        assertTrue(Integer.parseInt(m.group(1)) < 64, r.toString());
        assertEquals(List.of(), survivors, "processes of the bomb outlived the run");
    }

    @Test
    void theOpenFilesLimitIsAHardRlimit() throws Exception {
        Path spec = secrets.write("nofile.yaml", "", "limits: {openFiles: 32}\n");
        Run r = attempt(spec, Probes.openFiles());
        assertHeld(r);
        assertTrue(r.out().contains("nofile soft=32 hard=32\n"), r.toString());
    }

    @Test
    void theFileSizeLimitStopsABigWrite() throws Exception {
        Path spec = secrets.write("fsize.yaml", "", "limits: {fileSize: 1m}\n");
        Run r = attempt(spec, Probes.fileSize());
        assertHeld(r);
        Matcher m = Pattern.compile("size=(\\d+)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        assertTrue(Long.parseLong(m.group(1)) <= 1 << 20, r.toString());
    }

    @Test
    void anOutputFloodPassesThroughWhole() throws Exception {
        List<String> jvmBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Started s = host.start(Processes.nsbox("run", secrets.write().toString(), "--", "sh", "-c",
                "yes | head -c 209715200"), false);
        Run r = s.finish(Duration.ofSeconds(240));
        assertHostUntouched(r, jvmBefore);
        assertFalse(r.timedOut(), r.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(209715200L, r.outBytes(), r.toString());
    }

    @Test
    void sigkillOfNsboxLeavesNoProcessOfTheRun() throws Exception {
        String marker = "300." + ThreadLocalRandom.current().nextInt(100000, 999999);
        List<String> jvmBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Started s = host.start(Processes.nsbox("run", secrets.write().toString(), "--", "sh", "-c",
                "setsid sleep " + marker + " & echo ready; sleep 1" + marker), true);
        Run r;
        List<String> survivors;
        try {
            assertTrue(s.awaitLine("ready", Duration.ofSeconds(60)), "the step never started");
            for (int i = 0; i < 100 && Processes.sleepsWith(marker).size() < 2; i++) {
                Thread.sleep(50);
            }
            assertEquals(2, Processes.sleepsWith(marker).size(), "both sleeps run");
            ProcessHandle nsbox = s.nsbox().orElseThrow(() -> new AssertionError("no nsbox process"));
            assertTrue(nsbox.destroyForcibly(), "SIGKILL to nsbox " + nsbox.pid());
            r = s.finish(Duration.ofSeconds(60));
        } finally {
            survivors = killSurvivors(marker);
        }
        assertEquals(List.of(), survivors, "processes of the run outlived nsbox");
        assertEquals(137, r.exit(), "the nested shell reports nsbox's SIGKILL\n" + r);
        assertHostUntouched(r, jvmBefore);
    }

    /** Umounts, remounts and mounts everything it can see, then checks that the host saw none of it. */
    @Test
    void theHostsMountTableIsUnchangedAfterAnAllOutAttempt() throws Exception {
        Run r = attempt(secrets.write(), "for m in $(awk '{print $5}' /proc/self/mountinfo | sort -r); do\n"
                + "  umount -l \"$m\" 2>/dev/null && echo \"ESCAPED-umount $m\"\n"
                + "done\n"
                + "mount --make-rshared / 2>/dev/null && echo ESCAPED-make-rshared\n"
                + "mount -t tmpfs nsbox-escape /mnt 2>/dev/null && echo ESCAPED-mount-mnt\n"
                + "echo " + SystemdLikeHost.CONTROL + "\n");
        assertHeld(r);
    }

    /** The host's block devices, from /sys/block as the test (outside the sandbox) sees it. */
    private static List<String> hostBlockDevices() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
        }
        Assumptions.assumeFalse(names.isEmpty(), "this host has no block device to try");
        return names;
    }

    /**
     * Waits up to 5 s for every process whose argv holds {@code marker} to be gone, then kills
     * (by PID) any that are left, so that a failing test leaves nothing running; returns those.
     */
    static List<String> killSurvivors(String marker) throws IOException, InterruptedException {
        List<String> left = Processes.withMarker(marker);
        for (int i = 0; i < 50 && !left.isEmpty(); i++) {
            Thread.sleep(100);
            left = Processes.withMarker(marker);
        }
        for (String l : left) {
            ProcessHandle.of(Long.parseLong(l.substring(0, l.indexOf(':')))).ifPresent(ProcessHandle::destroyForcibly);
        }
        return left;
    }
}
