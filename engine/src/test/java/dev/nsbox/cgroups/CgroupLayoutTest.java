package dev.nsbox.cgroups;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupLayoutTest {

    @Test
    void thisBuildMachineIsHybridWithMemoryBelowTheRoot() {
        CgroupLayout l = CgroupLayout.parse(Trees.HYBRID_MOUNTINFO, Trees.HYBRID_CGROUP);
        assertEquals(CgroupLayout.Mode.HYBRID, l.mode());
        assertEquals(Optional.of("/sys/fs/cgroup/unified"), l.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
        assertEquals(Optional.of("/sys/fs/cgroup/memory/process_api/abc"),
                l.v1("memory").flatMap(CgroupLayout.Hierarchy::callerDirectory));
        assertEquals(Optional.of("/sys/fs/cgroup/pids"), l.v1("pids").flatMap(CgroupLayout.Hierarchy::callerDirectory));
        assertEquals("/sys/fs/cgroup/cpu", l.v1("cpu").orElseThrow().mountPoint());
        assertEquals("/sys/fs/cgroup/cpuacct", l.v1("cpuacct").orElseThrow().mountPoint());
        assertEquals(Set.of("name=systemd"), l.legacy().get(0).controllers());
        assertEquals(9, l.legacy().size());
    }

    @Test
    void coMountedControllersShareOneHierarchy() {
        String mountinfo = """
                30 22 0:27 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
                31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
                32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                """;
        CgroupLayout l = CgroupLayout.parse(mountinfo, "3:memory:/user.slice\n2:cpu,cpuacct:/user.slice\n");
        assertEquals(CgroupLayout.Mode.LEGACY, l.mode());
        assertEquals(Optional.of("/sys/fs/cgroup/cpu,cpuacct/user.slice"),
                l.v1("cpu").flatMap(CgroupLayout.Hierarchy::callerDirectory));
        assertEquals(l.v1("cpu"), l.v1("cpuacct"));
    }

    @Test
    void unifiedOnly() {
        CgroupLayout l = CgroupLayout.parse(Trees.UNIFIED_MOUNTINFO, "0::" + Trees.USER_SCOPE + "\n");
        assertEquals(CgroupLayout.Mode.UNIFIED, l.mode());
        assertEquals(Optional.of("/sys/fs/cgroup" + Trees.USER_SCOPE),
                l.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
        assertTrue(l.legacy().isEmpty());
    }

    @Test
    void aNamedV1HierarchyBesideCgroup2LeavesLimitsOnV2() {
        String mountinfo = Trees.UNIFIED_MOUNTINFO.replace("/sys/fs/cgroup rw", "/sys/fs/cgroup/unified rw")
                + "41 30 0:40 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n";
        CgroupLayout l = CgroupLayout.parse(mountinfo, "1:name=systemd:/init.scope\n0::/init.scope\n");
        assertEquals(CgroupLayout.Mode.UNIFIED, l.mode());
        assertEquals(Optional.of("/sys/fs/cgroup/unified/init.scope"),
                l.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
    }

    @Test
    void aMountOfACgroupBelowTheRootShowsTheCallersCgroupAtItsMountPoint() {
        // A container without a cgroup namespace: the mount's root is the container's cgroup.
        String mountinfo = "30 22 0:27 /docker/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        CgroupLayout l = CgroupLayout.parse(mountinfo, "0::/docker/c1/app\n");
        assertEquals(Optional.of("/sys/fs/cgroup/app"), l.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
        CgroupLayout outside = CgroupLayout.parse(mountinfo, "0::/docker/other\n");
        assertEquals(Optional.empty(), outside.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
        CgroupLayout above = CgroupLayout.parse("30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/../x\n");
        assertEquals(Optional.empty(), above.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory));
    }

    @Test
    void noCgroupFilesystem() {
        CgroupLayout l = CgroupLayout.parse("22 1 253:0 / / rw - ext4 /dev/vda rw\n", "0::/\n");
        assertEquals(CgroupLayout.Mode.NONE, l.mode());
    }

    @Test
    void aMalformedCgroupLineIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CgroupLayout.parse(Trees.UNIFIED_MOUNTINFO, "garbage\n"));
        assertEquals("/proc/self/cgroup: not \"ID:controllers:path\": \"garbage\"", e.getMessage());
    }
}
