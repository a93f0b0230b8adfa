package dev.nsbox.cgroups;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cgroup v1 and hybrid against directory trees imitating this build machine. */
class CgroupsV1TreeTest {

    private static final String MEM = "/sys/fs/cgroup/memory/process_api/abc/nsbox-7-1";

    @TempDir
    Path tmp;

    @Test
    void oneDirectoryPerHierarchyBelowTheCallersOwnCgroup() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 0, true);
        Cgroups cg = Cgroups.detect(fs);
        assertEquals(CgroupLayout.Mode.HYBRID, cg.layout().mode());
        Limits limits = Limits.NONE.withMemory(256L << 20).withPids(128).withCpu(new BigDecimal("0.5"))
                .withFileSize(1 << 20);
        CgroupPlan plan = cg.plan("nsbox-7-1", limits);
        assertEquals(List.of(
                "mkdir(\"" + MEM + "\", 0755)",
                "mkdir(\"/sys/fs/cgroup/pids/nsbox-7-1\", 0755)",
                "mkdir(\"/sys/fs/cgroup/cpu/nsbox-7-1\", 0755)",
                "write(\"" + MEM + "/memory.limit_in_bytes\", \"268435456\")",
                "write(\"" + MEM + "/memory.memsw.limit_in_bytes\", \"268435456\") /* where the kernel has it */",
                "write(\"/sys/fs/cgroup/pids/nsbox-7-1/pids.max\", \"128\")",
                "write(\"/sys/fs/cgroup/cpu/nsbox-7-1/cpu.cfs_period_us\", \"100000\")",
                "write(\"/sys/fs/cgroup/cpu/nsbox-7-1/cpu.cfs_quota_us\", \"50000\")"), plan.describe());

        SandboxCgroup s = cg.create(plan);
        assertEquals(List.of(
                "mkdir(\"" + MEM + "\")",
                "mkdir(\"/sys/fs/cgroup/pids/nsbox-7-1\")",
                "mkdir(\"/sys/fs/cgroup/cpu/nsbox-7-1\")",
                "write(\"" + MEM + "/memory.limit_in_bytes\", \"268435456\")",
                "write(\"" + MEM + "/memory.memsw.limit_in_bytes\", \"268435456\")",
                "write(\"/sys/fs/cgroup/pids/nsbox-7-1/pids.max\", \"128\")",
                "write(\"/sys/fs/cgroup/cpu/nsbox-7-1/cpu.cfs_period_us\", \"100000\")",
                "write(\"/sys/fs/cgroup/cpu/nsbox-7-1/cpu.cfs_quota_us\", \"50000\")"), fs.log());
        assertEquals("268435456", fs.text(MEM + "/memory.memsw.limit_in_bytes"));
        assertEquals(List.of(MEM, "/sys/fs/cgroup/pids/nsbox-7-1", "/sys/fs/cgroup/cpu/nsbox-7-1"), s.directories());

        fs.log().clear();
        s.addProcess(4242);
        assertEquals(List.of("write(\"" + MEM + "/cgroup.procs\", \"4242\")",
                "write(\"/sys/fs/cgroup/pids/nsbox-7-1/cgroup.procs\", \"4242\")",
                "write(\"/sys/fs/cgroup/cpu/nsbox-7-1/cgroup.procs\", \"4242\")"), fs.log());
        assertEquals("1\n", fs.text("/sys/fs/cgroup/pids/cgroup.procs"), "moved out of the hierarchy's root");

        // Empty again (the fake does not run processes): v1 has no cgroup.kill, rmdir last made first.
        for (String d : s.directories()) {
            fs.file(d + "/cgroup.procs", "");
        }
        fs.log().clear();
        s.close();
        assertEquals(List.of("rmdir(\"/sys/fs/cgroup/cpu/nsbox-7-1\")", "rmdir(\"/sys/fs/cgroup/pids/nsbox-7-1\")",
                "rmdir(\"" + MEM + "\")"), fs.log());
        assertTrue(fs.exists("/sys/fs/cgroup/memory/process_api/abc"));
    }

    @Test
    void withoutSwapAccountingOnlyTheMemoryLimitIsWritten() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 0, false);
        Cgroups.detect(fs).create("nsbox-7-1", Limits.NONE.withMemory(32L << 20)).close();
        assertEquals(List.of("mkdir(\"" + MEM + "\")", "write(\"" + MEM + "/memory.limit_in_bytes\", \"33554432\")",
                "rmdir(\"" + MEM + "\")"), fs.log());
    }

    @Test
    void coMountedCpuAndCpuacctGetOneDirectory() throws Exception {
        TreeFs fs = new TreeFs(tmp, 0);
        fs.file("/proc/self/mountinfo", "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n")
                .file("/proc/self/cgroup", "2:cpu,cpuacct:/build\n")
                .cgroup("/sys/fs/cgroup/cpu,cpuacct/build", Map.of("cgroup.procs", "4242\n"))
                .template("/sys/fs/cgroup/cpu,cpuacct", Map.of("cgroup.procs", "", "cpu.cfs_period_us", "100000",
                        "cpu.cfs_quota_us", "-1"));
        assertEquals(List.of("mkdir(\"/sys/fs/cgroup/cpu,cpuacct/build/nsbox-1\", 0755)",
                "write(\"/sys/fs/cgroup/cpu,cpuacct/build/nsbox-1/cpu.cfs_period_us\", \"100000\")",
                "write(\"/sys/fs/cgroup/cpu,cpuacct/build/nsbox-1/cpu.cfs_quota_us\", \"200000\")"),
                Cgroups.detect(fs).plan("nsbox-1", Limits.NONE.withCpu(new BigDecimal("2"))).describe());
    }

    @Test
    void aControllerWithoutAHierarchyIsRefused() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 0, true);
        fs.file("/proc/self/mountinfo", Trees.HYBRID_MOUNTINFO.replace(
                "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n", ""));
        CgroupRefusedException e = assertThrows(CgroupRefusedException.class,
                () -> Cgroups.detect(fs).plan("nsbox-1", Limits.NONE.withPids(3)));
        assertEquals("limits.pids needs the cgroup v1 controller pids, and no hierarchy of it is mounted", e.reason());
        assertEquals("mount it (mount -t cgroup -o pids cgroup /sys/fs/cgroup/pids), or drop the limit", e.fix());
    }

    @Test
    void rootlessOnV1IsNotDelegatedAndIsRefused() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 1000, true);
        CgroupRefusedException e = assertThrows(CgroupRefusedException.class,
                () -> Cgroups.detect(fs).plan("nsbox-1", Limits.NONE.withMemory(1 << 20)));
        assertEquals("limits.memory needs a cgroup of the sandbox's own, and this caller's cgroup "
                + "/sys/fs/cgroup/memory/process_api/abc (cgroup v1 memory hierarchy at /sys/fs/cgroup/memory) is not "
                + "delegated to uid 1000: it is owned by uid 0", e.reason());
        assertEquals("cgroup v1 limits need root here: run nsbox as root, or on a cgroup v2 host under a delegated "
                + "scope: systemd-run --user --scope -p Delegate=yes nsbox run SPEC", e.fix());
    }

    @Test
    void rootlessOnV1WithOwnedCgroupsIsAllowed() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 1000, true).owner("/sys/fs/cgroup/memory/process_api/abc", 1000);
        assertEquals(List.of("mkdir(\"" + MEM + "\", 0755)",
                "write(\"" + MEM + "/memory.limit_in_bytes\", \"1048576\")",
                "write(\"" + MEM + "/memory.memsw.limit_in_bytes\", \"1048576\") /* where the kernel has it */"),
                Cgroups.detect(fs).plan("nsbox-7-1", Limits.NONE.withMemory(1 << 20)).describe());
    }

    @Test
    void oomKillsFromOomControlAndOnOldKernelsFromFailcnt() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 0, true);
        SandboxCgroup s = Cgroups.detect(fs).create("nsbox-7-1", Limits.NONE.withMemory(1 << 20));
        assertEquals(OptionalLong.of(0), s.oomKills());
        assertFalse(s.killedByMemoryLimit());
        fs.file(MEM + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        assertEquals(OptionalLong.of(2), s.oomKills());
        assertTrue(s.killedByMemoryLimit());

        // Before Linux 4.13 memory.oom_control has no oom_kill line.
        fs.file(MEM + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
        assertEquals(OptionalLong.empty(), s.oomKills());
        assertFalse(s.killedByMemoryLimit());
        fs.file(MEM + "/memory.failcnt", "3\n");
        assertTrue(s.killedByMemoryLimit());
        fs.file(MEM + "/memory.failcnt", "0\n").file(MEM + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 1\n");
        assertTrue(s.killedByMemoryLimit());
        s.close();
    }

    @Test
    void doctorOnThisMachinesLayout() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 0, true);
        List<Cgroups.DoctorLine> lines = Cgroups.detect(fs).doctor();
        assertEquals(List.of(
                new Cgroups.DoctorLine(true, "version: cgroup v1 with a cgroup2 beside it (hybrid)", null),
                new Cgroups.DoctorLine(true, "mounted: cgroup2 at /sys/fs/cgroup/unified; name=systemd at "
                        + "/sys/fs/cgroup/systemd; pids at /sys/fs/cgroup/pids; blkio at /sys/fs/cgroup/blkio; freezer at "
                        + "/sys/fs/cgroup/freezer; devices at /sys/fs/cgroup/devices; memory at /sys/fs/cgroup/memory; "
                        + "cpuset at /sys/fs/cgroup/cpuset; cpuacct at /sys/fs/cgroup/cpuacct; cpu at /sys/fs/cgroup/cpu",
                        null),
                new Cgroups.DoctorLine(true, "controllers: v1 cpuset cpu cpuacct blkio memory devices freezer pids "
                        + "(not mounted: net_cls perf_event); cgroup2: hugetlb", null),
                new Cgroups.DoctorLine(true, "caller's cgroup /sys/fs/cgroup/memory/process_api/abc: delegated to uid 0",
                        null),
                new Cgroups.DoctorLine(true, "caller's cgroup /sys/fs/cgroup/pids: delegated to uid 0", null),
                new Cgroups.DoctorLine(true, "caller's cgroup /sys/fs/cgroup/cpu: delegated to uid 0", null),
                new Cgroups.DoctorLine(true, "limits.memory: works here", null),
                new Cgroups.DoctorLine(true, "limits.pids: works here", null),
                new Cgroups.DoctorLine(true, "limits.cpu: works here", null),
                new Cgroups.DoctorLine(true, "limits.openFiles, limits.fileSize: work everywhere (rlimits)", null)),
                lines);
        assertEquals(List.of(), fs.log(), "doctor writes nothing");
    }

    @Test
    void doctorRootlessSaysWhatIsRefusedAndTheFix() throws Exception {
        TreeFs fs = Trees.hybrid(tmp, 1000, true);
        List<Cgroups.DoctorLine> lines = Cgroups.detect(fs).doctor();
        assertEquals(new Cgroups.DoctorLine(false, "caller's cgroup /sys/fs/cgroup/pids: not delegated to uid 1000 "
                + "(it is owned by uid 0)", Cgroups.V1_FIX), lines.get(4));
        Cgroups.DoctorLine pids = lines.get(7);
        assertFalse(pids.ok());
        assertTrue(pids.text().startsWith("limits.pids: refused: limits.pids needs a cgroup of the sandbox's own"),
                pids.text());
        assertEquals(Cgroups.V1_FIX, pids.fix());
        assertTrue(lines.get(9).ok());
    }
}
