package dev.nsbox.cgroups;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Directory trees that imitate the cgroup layouts nsbox meets, for {@link TreeFs}. */
final class Trees {

    /** This build machine's mountinfo lines for cgroups: v1 controllers, and cgroup2 at unified. */
    static final String HYBRID_MOUNTINFO = """
            22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    /** This build machine's /proc/self/cgroup: only memory places the caller below the root. */
    static final String HYBRID_CGROUP = """
            9:name=systemd:/
            8:pids:/
            7:blkio:/
            6:freezer:/
            5:devices:/
            4:memory:/process_api/abc
            3:cpuset:/
            2:cpuacct:/
            1:cpu:/
            0::/
            """;

    static final String PROC_CGROUPS = """
            #subsys_name\thierarchy\tnum_cgroups\tenabled
            cpuset\t3\t1\t1
            cpu\t1\t1\t1
            cpuacct\t2\t1\t1
            blkio\t7\t1\t1
            memory\t4\t20\t1
            devices\t5\t1\t1
            freezer\t6\t1\t1
            net_cls\t0\t1\t1
            perf_event\t0\t1\t1
            pids\t8\t1\t1
            """;

    /** A systemd host on cgroup v2 only. */
    static final String UNIFIED_MOUNTINFO = """
            22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            """;

    static final String USER_SCOPE = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope";

    private Trees() {
    }

    /** The hybrid layout of this build machine; {@code memsw} says whether swap is accounted. */
    static TreeFs hybrid(Path root, int uid, boolean memsw) throws IOException {
        TreeFs fs = new TreeFs(root, uid);
        fs.file("/proc/self/mountinfo", HYBRID_MOUNTINFO)
                .file("/proc/self/cgroup", HYBRID_CGROUP)
                .file("/proc/cgroups", PROC_CGROUPS);
        Map<String, String> memory = new LinkedHashMap<>();
        memory.put("cgroup.procs", "");
        memory.put("memory.limit_in_bytes", "9223372036854771712");
        if (memsw) {
            memory.put("memory.memsw.limit_in_bytes", "9223372036854771712");
        }
        memory.put("memory.failcnt", "0");
        memory.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        fs.cgroup("/sys/fs/cgroup/memory", Map.of("cgroup.procs", "1\n"))
                .cgroup("/sys/fs/cgroup/memory/process_api/abc", memory)
                .template("/sys/fs/cgroup/memory", memory);
        Map<String, String> pids = Map.of("cgroup.procs", "", "pids.max", "max", "pids.current", "0");
        fs.cgroup("/sys/fs/cgroup/pids", Map.of("cgroup.procs", "1\n4242\n")).template("/sys/fs/cgroup/pids", pids);
        Map<String, String> cpu = Map.of("cgroup.procs", "", "cpu.cfs_period_us", "100000",
                "cpu.cfs_quota_us", "-1");
        fs.cgroup("/sys/fs/cgroup/cpu", Map.of("cgroup.procs", "1\n4242\n")).template("/sys/fs/cgroup/cpu", cpu);
        fs.cgroup("/sys/fs/cgroup/cpuacct", Map.of("cgroup.procs", "1\n4242\n"));
        fs.cgroup("/sys/fs/cgroup/unified", Map.of("cgroup.procs", "1\n4242\n", "cgroup.controllers", "hugetlb\n",
                "cgroup.subtree_control", ""));
        return fs;
    }

    /** The interface files of a new cgroup v2 directory with memory, pids and cpu enabled. */
    static Map<String, String> v2Files() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("cgroup.procs", "");
        f.put("cgroup.type", "domain\n");
        f.put("cgroup.controllers", "cpu memory pids\n");
        f.put("cgroup.subtree_control", "");
        f.put("cgroup.kill", "");
        f.put("memory.max", "max\n");
        f.put("memory.swap.max", "max\n");
        f.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        f.put("pids.max", "max\n");
        f.put("cpu.max", "max 100000\n");
        return f;
    }

    /**
     * A systemd host on cgroup v2, the caller in {@code cgroupPath}, whose directory has
     * {@code callerProcs} and is owned by {@code owner}.
     */
    static TreeFs unified(Path root, int uid, String cgroupPath, int owner, String callerProcs) throws IOException {
        TreeFs fs = new TreeFs(root, uid);
        fs.file("/proc/self/mountinfo", UNIFIED_MOUNTINFO).file("/proc/self/cgroup", "0::" + cgroupPath + "\n");
        fs.cgroup("/sys/fs/cgroup", Map.of("cgroup.procs", "1\n", "cgroup.controllers",
                "cpuset cpu io memory hugetlb pids rdma misc\n", "cgroup.subtree_control", "memory pids\n"));
        Map<String, String> caller = v2Files();
        caller.put("cgroup.procs", callerProcs);
        fs.cgroup("/sys/fs/cgroup" + cgroupPath, caller).owner("/sys/fs/cgroup" + cgroupPath, owner);
        fs.template("/sys/fs/cgroup", v2Files());
        return fs;
    }
}
