package dev.nsbox.host;

import dev.nsbox.cgroups.CgroupFs;
import dev.nsbox.cgroups.Cgroups;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What prepare refuses with exit 3 before anything runs: a cgroup the caller may not make, and
 * a kept capability the caller does not hold. Pure: the machine's cgroups and capabilities are
 * passed in.
 */
class HostConfinementTest {

    /** A machine with no cgroup filesystem mounted: only the two files detection reads. */
    private static final HostConfinement.CgroupSource NO_CGROUPS = () -> Cgroups.detect(new CgroupFs() {
        private final Map<String, String> files = Map.of(
                "/proc/self/mountinfo", "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n",
                "/proc/self/cgroup", "");

        @Override
        public String read(String path) throws IOException {
            String s = files.get(path);
            if (s == null) {
                throw new NoSuchFileException(path);
            }
            return s;
        }

        @Override
        public void write(String path, String value) throws IOException {
            throw new IOException("read-only fake: " + path);
        }

        @Override
        public void mkdir(String path) throws IOException {
            throw new IOException("read-only fake: " + path);
        }

        @Override
        public void rmdir(String path) throws IOException {
            throw new IOException("read-only fake: " + path);
        }

        @Override
        public boolean exists(String path) {
            return files.containsKey(path);
        }

        @Override
        public int owner(String path) {
            return 0;
        }

        @Override
        public boolean writable(String path) {
            return false;
        }

        @Override
        public int uid() {
            return 0;
        }
    });

    private static final HostConfinement.CgroupSource UNASKED = () -> {
        throw new AssertionError("the cgroups are asked only for memory, pids or cpu");
    };

    private static Plan plan(String yaml) throws Exception {
        return Planner.plan(SpecLoader.load("version: 1\nnamespaces: [mount]\nroot: {type: host, readOnly: true}\n" + yaml + "steps:\n  - run: [true]\n",
                "s.yaml", Path.of("/project"), Map.of()).spec(), LiveHost.current());
    }

    @Test
    void aMemoryLimitWithoutACgroupFilesystemIsRefusedAtItsLineWithTheFix() throws Exception {
        List<Diagnostic> d = HostConfinement.limits(plan("limits: {memory: 256m}\n"), NO_CGROUPS, OptionalLong.of(-1));
        assertEquals(1, d.size(), d.toString());
        assertEquals("s.yaml:4:18: error: limits.memory needs a cgroup, and no cgroup filesystem is mounted; "
                + "mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or drop the limit",
                d.get(0).format());
    }

    @Test
    void rlimitsNeedNoCgroup() throws Exception {
        assertEquals(List.of(), HostConfinement.limits(plan("limits: {openFiles: 64, fileSize: 1m}\n"), UNASKED,
                OptionalLong.of(-1)));
    }

    @Test
    void aKeptCapabilityTheCallerLacksIsRefusedNamingIt() throws Exception {
        long held = ~Capability.CAP_SYS_RESOURCE.mask();
        List<Diagnostic> d = HostConfinement.limits(
                plan("process: {capabilities: [CAP_NET_BIND_SERVICE, CAP_SYS_RESOURCE]}\n"), UNASKED,
                OptionalLong.of(held));
        assertEquals(1, d.size(), d.toString());
        assertTrue(d.get(0).format().startsWith("s.yaml:4:"), d.toString());
        assertTrue(d.get(0).message().startsWith("process.capabilities keeps CAP_SYS_RESOURCE, which this process "
                + "does not hold"), d.toString());
        assertEquals(List.of(), HostConfinement.limits(plan("process: {capabilities: [CAP_NET_BIND_SERVICE]}\n"),
                UNASKED, OptionalLong.of(held)));
    }

    @Test
    void heldIsThePermittedSetWithinTheBoundingSet() {
        assertEquals(OptionalLong.of(0x1fffeffffffL & 0xffL), HostConfinement.held(
                "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t00000000000000ff\nCapEff:\t00000000000000ff\n"
                        + "CapBnd:\t000001fffeffffff\n"));
        assertEquals(OptionalLong.empty(), HostConfinement.held("Name:\tx\nCapPrm:\t00000000000000ff\n"));
        assertThrows(AssertionError.class, () -> UNASKED.detect());
    }

    @Test
    void aFilterOnAnArchitectureWithoutATableIsThisMachinesLimitAtProcessSeccomp() throws Exception {
        Plan filtered = plan("process:\n  seccomp: default\n");
        List<Diagnostic> d = HostConfinement.architecture(filtered, Optional.empty());
        assertEquals(1, d.size(), d.toString());
        assertTrue(d.get(0).isError());
        assertEquals(5, d.get(0).origin().line(), d.get(0).format());
        assertTrue(d.get(0).message().contains("no system-call table for this machine's architecture ("
                + System.getProperty("os.arch") + ")"), d.get(0).message());
        assertTrue(d.get(0).message().endsWith("run it on such a machine"), d.get(0).message());
        assertEquals(List.of(), HostConfinement.architecture(filtered, SeccompArch.current()), "a table: no limit");
        assertEquals(List.of(), HostConfinement.architecture(plan("process: {seccomp: unconfined}\n"), Optional.empty()),
                "no filter asked: Sandbox refuses the architecture itself");
    }

    @Test
    void aCapabilitySetIsReadByItsNameAsAnUnsignedHexMask() {
        String status = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\tffffffffffffffff\nCapBnd:\t000001ffffffffff\n"
                + "CapAmb:\tnot-hex\n";
        assertEquals(OptionalLong.of(-1L), HostConfinement.capabilitySet(status, "CapEff"), "all 64 bits, unsigned");
        assertEquals(OptionalLong.of(0x1ffffffffffL), HostConfinement.capabilitySet(status, "CapBnd"));
        assertEquals(OptionalLong.of(0), HostConfinement.capabilitySet(status, "CapInh"));
        assertEquals(OptionalLong.empty(), HostConfinement.capabilitySet(status, "CapPrm"), "missing");
        assertEquals(OptionalLong.empty(), HostConfinement.capabilitySet(status, "CapAmb"), "not hexadecimal");
        assertEquals(OptionalLong.empty(), HostConfinement.capabilitySet(status, "Cap"), "a prefix is not a set");
    }

    @Test
    void thisProcesssEffectiveSetIsTheOneProcSelfStatusShows() throws Exception {
        String own = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                .findFirst().orElseThrow().substring("CapEff:".length()).trim();
        assertEquals(OptionalLong.of(Long.parseUnsignedLong(own, 16)), HostConfinement.ownCapabilitySet("CapEff"));
    }

    @Test
    void anRlimitAboveTheCallersHardLimitIsRefusedUnlessItMayRaiseIt() throws Exception {
        Map<Integer, Long> hard = HostConfinement.hardLimits("""
                Limit                     Soft Limit           Hard Limit           Units
                Max file size             unlimited            unlimited            bytes
                Max open files            20000                20000                files
                """);
        assertEquals(Map.of(7, 20000L, 1, -1L), hard);
        long withoutResource = ~Capability.CAP_SYS_RESOURCE.mask();
        Plan above = plan("limits: {openFiles: 65536, fileSize: 1g}\n");
        List<Diagnostic> d = HostConfinement.rlimits(above, hard, OptionalLong.of(withoutResource));
        assertEquals(1, d.size(), d.toString());
        assertEquals("s.yaml:4:21: error: limits.openFiles is 65536, above this process's hard limit of 20000 "
                + "(RLIMIT_NOFILE, /proc/self/limits), which only CAP_SYS_RESOURCE may raise (setrlimit(2): EPERM); "
                + "use at most 20000, or raise the caller's hard limit (ulimit -H, limits.conf, LimitNOFILE=)",
                d.get(0).format());
        assertEquals(List.of(), HostConfinement.rlimits(above, hard, OptionalLong.of(-1)));
        assertEquals(List.of(), HostConfinement.rlimits(plan("limits: {openFiles: 1024}\n"), hard,
                OptionalLong.of(withoutResource)));
    }
}
