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

/** cgroup v2 against directory trees: every file written and its value, delegation, refusals. */
class CgroupsV2TreeTest {

    private static final String SCOPE_DIR = "/sys/fs/cgroup" + Trees.USER_SCOPE;
    private static final Limits ALL = Limits.NONE.withMemory(256L << 20).withPids(128)
            .withCpu(new BigDecimal("1.5")).withOpenFiles(1024);

    @TempDir
    Path tmp;

    @Test
    void rootOnTheRealRootCgroupUsesAKeptParentBesideSystemdsSlices() throws Exception {
        TreeFs fs = Trees.unified(tmp, 0, "/user.slice/user-0.slice/session-3.scope", 0, "4242\n");
        Cgroups cg = Cgroups.detect(fs);
        CgroupPlan plan = cg.plan("nsbox-7-1", ALL);
        assertEquals(List.of(
                "write(\"/sys/fs/cgroup/cgroup.subtree_control\", \"+cpu\")",
                "mkdir(\"/sys/fs/cgroup/nsbox\", 0755) /* unless it exists */",
                "write(\"/sys/fs/cgroup/nsbox/cgroup.subtree_control\", \"+memory +pids +cpu\")",
                "mkdir(\"/sys/fs/cgroup/nsbox/nsbox-7-1\", 0755)",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/memory.max\", \"268435456\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/memory.swap.max\", \"0\") /* where the kernel has it */",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/pids.max\", \"128\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/cpu.max\", \"150000 100000\")"), plan.describe());
        assertEquals(List.of(), fs.log(), "planning writes nothing");

        SandboxCgroup s = cg.create(plan);
        assertEquals(List.of(
                "write(\"/sys/fs/cgroup/cgroup.subtree_control\", \"+cpu\")",
                "mkdir(\"/sys/fs/cgroup/nsbox\")",
                "write(\"/sys/fs/cgroup/nsbox/cgroup.subtree_control\", \"+memory +pids +cpu\")",
                "mkdir(\"/sys/fs/cgroup/nsbox/nsbox-7-1\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/memory.max\", \"268435456\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/memory.swap.max\", \"0\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/pids.max\", \"128\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/cpu.max\", \"150000 100000\")"), fs.log());
        assertEquals(List.of("/sys/fs/cgroup/nsbox/nsbox-7-1"), s.directories());
        assertEquals(Map.of("memory", "/sys/fs/cgroup/nsbox/nsbox-7-1", "pids", "/sys/fs/cgroup/nsbox/nsbox-7-1",
                "cpu", "/sys/fs/cgroup/nsbox/nsbox-7-1"), s.byController());

        fs.log().clear();
        s.addProcess(5000);
        assertEquals(List.of("write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/cgroup.procs\", \"5000\")"), fs.log());

        // The step left: cgroup.kill, then rmdir; the shared parent stays.
        fs.file("/sys/fs/cgroup/nsbox/nsbox-7-1/cgroup.procs", "");
        fs.log().clear();
        s.close();
        assertEquals(List.of("write(\"/sys/fs/cgroup/nsbox/nsbox-7-1/cgroup.kill\", \"1\")",
                "rmdir(\"/sys/fs/cgroup/nsbox/nsbox-7-1\")"), fs.log());
        assertFalse(fs.exists("/sys/fs/cgroup/nsbox/nsbox-7-1"));
        assertTrue(fs.exists("/sys/fs/cgroup/nsbox"));
        s.close();
        assertEquals(2, fs.log().size(), "a second close does nothing");

        // The second sandbox finds the parent ready.
        fs.log().clear();
        fs.file("/sys/fs/cgroup/cgroup.subtree_control", "cpu memory pids\n");
        fs.file("/sys/fs/cgroup/nsbox/cgroup.subtree_control", "memory pids cpu\n");
        assertEquals(List.of("mkdir(\"/sys/fs/cgroup/nsbox/nsbox-7-2\", 0755)",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-7-2/pids.max\", \"16\")"),
                cg.plan("nsbox-7-2", Limits.NONE.withPids(16)).describe());
    }

    @Test
    void withoutSwapAccountingMemorySwapMaxIsSkipped() throws Exception {
        TreeFs fs = Trees.unified(tmp, 0, "/init.scope", 0, "1\n");
        Map<String, String> files = Trees.v2Files();
        files.remove("memory.swap.max");
        fs.template("/sys/fs/cgroup", files);
        Cgroups cg = Cgroups.detect(fs);
        cg.create("nsbox-1", Limits.NONE.withMemory(1 << 20)).close();
        assertEquals(List.of("mkdir(\"/sys/fs/cgroup/nsbox\")",
                "write(\"/sys/fs/cgroup/nsbox/cgroup.subtree_control\", \"+memory\")",
                "mkdir(\"/sys/fs/cgroup/nsbox/nsbox-1\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-1/memory.max\", \"1048576\")",
                "write(\"/sys/fs/cgroup/nsbox/nsbox-1/cgroup.kill\", \"1\")",
                "rmdir(\"/sys/fs/cgroup/nsbox/nsbox-1\")"), fs.log());
    }

    @Test
    void rootlessInADelegatedScopeMovesItsProcessesToALeafFirst() throws Exception {
        TreeFs fs = Trees.unified(tmp, 1000, Trees.USER_SCOPE, 1000, "4242\n4250\n");
        Cgroups cg = Cgroups.detect(fs);
        assertEquals(java.util.Optional.empty(), cg.notDelegated(SCOPE_DIR));
        SandboxCgroup s = cg.create("nsbox-4242-1", Limits.NONE.withMemory(64L << 20).withPids(32));
        assertEquals(List.of(
                "mkdir(\"" + SCOPE_DIR + "/nsbox-caller\")",
                "write(\"" + SCOPE_DIR + "/nsbox-caller/cgroup.procs\", \"4242\")",
                "write(\"" + SCOPE_DIR + "/nsbox-caller/cgroup.procs\", \"4250\")",
                "write(\"" + SCOPE_DIR + "/cgroup.subtree_control\", \"+memory +pids\")",
                "mkdir(\"" + SCOPE_DIR + "/nsbox-4242-1\")",
                "write(\"" + SCOPE_DIR + "/nsbox-4242-1/memory.max\", \"67108864\")",
                "write(\"" + SCOPE_DIR + "/nsbox-4242-1/memory.swap.max\", \"0\")",
                "write(\"" + SCOPE_DIR + "/nsbox-4242-1/pids.max\", \"32\")"), fs.log());
        assertEquals("", fs.text(SCOPE_DIR + "/cgroup.procs"), "no process is left in the scope itself");
        assertEquals("4242\n4250\n", fs.text(SCOPE_DIR + "/nsbox-caller/cgroup.procs"));
        assertEquals(List.of("write(\"" + SCOPE_DIR + "/nsbox-caller/cgroup.procs\", PID) /* for each PID in "
                + SCOPE_DIR + "/cgroup.procs */"), s.plan().describe().subList(1, 2));
        s.close();
        assertFalse(fs.exists(SCOPE_DIR + "/nsbox-4242-1"));
        assertTrue(fs.exists(SCOPE_DIR + "/nsbox-caller"), "the caller stays in its leaf");

        // The next run starts in the leaf and reuses the scope as it is.
        fs.file("/proc/self/cgroup", "0::" + Trees.USER_SCOPE + "/nsbox-caller\n");
        fs.file(SCOPE_DIR + "/cgroup.subtree_control", "memory pids\n");
        assertEquals(List.of("mkdir(\"" + SCOPE_DIR + "/nsbox-4242-2\", 0755)",
                "write(\"" + SCOPE_DIR + "/nsbox-4242-2/pids.max\", \"8\")"),
                Cgroups.detect(fs).plan("nsbox-4242-2", Limits.NONE.withPids(8)).describe());
    }

    @Test
    void rootlessOutsideADelegatedCgroupIsRefusedWithTheFix() throws Exception {
        TreeFs fs = Trees.unified(tmp, 1000, "/user.slice/user-1000.slice/session-2.scope", 0, "4242\n");
        Cgroups cg = Cgroups.detect(fs);
        CgroupRefusedException e = assertThrows(CgroupRefusedException.class,
                () -> cg.plan("nsbox-1", Limits.NONE.withMemory(1 << 20)));
        assertEquals("limits.memory needs a cgroup of the sandbox's own, and this caller's cgroup "
                + "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope (cgroup2 at /sys/fs/cgroup) is not "
                + "delegated to uid 1000: it is owned by uid 0", e.reason());
        assertEquals("run it under a delegated scope: systemd-run --user --scope -p Delegate=yes nsbox run SPEC",
                e.fix());
        assertEquals(List.of(), fs.log());
    }

    @Test
    void anOwnedCgroupWhoseSubtreeControlIsNotWritableIsNotDelegated() throws Exception {
        TreeFs fs = Trees.unified(tmp, 1000, Trees.USER_SCOPE, 1000, "4242\n")
                .readOnly(SCOPE_DIR + "/cgroup.subtree_control");
        Cgroups cg = Cgroups.detect(fs);
        assertEquals(java.util.Optional.of(SCOPE_DIR + "/cgroup.subtree_control is not writable"),
                cg.notDelegated(SCOPE_DIR));
        assertThrows(CgroupRefusedException.class, () -> cg.plan("nsbox-1", Limits.NONE.withPids(4)));
    }

    @Test
    void aControllerTheCgroupLacksIsRefusedByName() throws Exception {
        TreeFs fs = Trees.unified(tmp, 1000, Trees.USER_SCOPE, 1000, "4242\n");
        fs.file(SCOPE_DIR + "/cgroup.controllers", "memory pids\n");
        CgroupRefusedException e = assertThrows(CgroupRefusedException.class,
                () -> Cgroups.detect(fs).plan("nsbox-1", Limits.NONE.withCpu(BigDecimal.ONE)));
        assertEquals("limits.cpu needs the cgroup v2 controller cpu, which " + SCOPE_DIR
                + " does not have (its cgroup.controllers: memory pids)", e.reason());
    }

    @Test
    void rootInACgroupNamespaceIsTreatedAsDelegated() throws Exception {
        // A container: the visible root is not the machine's root cgroup (it has cgroup.type).
        TreeFs fs = Trees.unified(tmp, 0, "/", 0, "1\n7\n");
        fs.file("/sys/fs/cgroup/cgroup.type", "domain\n").file("/sys/fs/cgroup/cgroup.subtree_control", "");
        fs.file("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n").file("/sys/fs/cgroup/cgroup.procs", "1\n7\n");
        assertEquals(List.of(
                "mkdir(\"/sys/fs/cgroup/nsbox-caller\", 0755) /* unless it exists */",
                "write(\"/sys/fs/cgroup/nsbox-caller/cgroup.procs\", PID) /* for each PID in /sys/fs/cgroup/cgroup.procs */",
                "write(\"/sys/fs/cgroup/cgroup.subtree_control\", \"+pids\")",
                "mkdir(\"/sys/fs/cgroup/nsbox-1\", 0755)",
                "write(\"/sys/fs/cgroup/nsbox-1/pids.max\", \"10\")"),
                Cgroups.detect(fs).plan("nsbox-1", Limits.NONE.withPids(10)).describe());
    }

    @Test
    void oomKillsAreReadFromMemoryEvents() throws Exception {
        TreeFs fs = Trees.unified(tmp, 0, "/init.scope", 0, "1\n");
        SandboxCgroup s = Cgroups.detect(fs).create("nsbox-1", Limits.NONE.withMemory(1 << 20));
        assertEquals(OptionalLong.of(0), s.oomKills());
        assertFalse(s.killedByMemoryLimit());
        fs.file("/sys/fs/cgroup/nsbox/nsbox-1/memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
        assertEquals(OptionalLong.of(1), s.oomKills());
        assertTrue(s.killedByMemoryLimit());
        s.close();

        SandboxCgroup p = Cgroups.detect(fs).create("nsbox-2", Limits.NONE.withPids(3));
        assertEquals(OptionalLong.empty(), p.oomKills(), "no memory limit, no count");
        assertFalse(p.killedByMemoryLimit());
        p.close();
    }

    @Test
    void aFailedStepRemovesWhatWasMade() throws Exception {
        TreeFs fs = Trees.unified(tmp, 0, "/init.scope", 0, "1\n");
        Map<String, String> files = Trees.v2Files();
        files.remove("cpu.max");
        fs.template("/sys/fs/cgroup", files);
        CgroupException e = assertThrows(CgroupException.class,
                () -> Cgroups.detect(fs).create("nsbox-1", Limits.NONE.withPids(3).withCpu(BigDecimal.ONE)));
        assertEquals("write(\"/sys/fs/cgroup/nsbox/nsbox-1/cpu.max\", \"100000 100000\"): No such file or directory",
                e.getMessage());
        assertFalse(fs.exists("/sys/fs/cgroup/nsbox/nsbox-1"));
    }

    @Test
    void aCgroupThatKeepsAProcessIsReportedNotForgotten() throws Exception {
        TreeFs fs = Trees.unified(tmp, 0, "/init.scope", 0, "1\n");
        SandboxCgroup s = Cgroups.detect(fs).create("nsbox-1", Limits.NONE.withPids(3));
        // A pid no process has: the kill cannot empty it, and the fake never does.
        fs.file("/sys/fs/cgroup/nsbox/nsbox-1/cgroup.procs", "2147483646\n");
        CgroupException e = assertThrows(CgroupException.class, s::close);
        assertTrue(e.getMessage().startsWith("kill(PID, SIGKILL) for each PID in [/sys/fs/cgroup/nsbox/nsbox-1]: "
                + "processes remain: [2147483646]"), e.getMessage());
        assertEquals("rmdir(\"/sys/fs/cgroup/nsbox/nsbox-1\"): Device or resource busy",
                e.getSuppressed().length > 0 ? e.getSuppressed()[0].getMessage() : "(nothing suppressed)");
    }

    @Test
    void aNameIsOnePathComponent() throws Exception {
        Cgroups cg = Cgroups.detect(Trees.unified(tmp, 0, "/init.scope", 0, "1\n"));
        assertThrows(IllegalArgumentException.class, () -> cg.plan("../x", Limits.NONE.withPids(1)));
        assertThrows(IllegalArgumentException.class, () -> cg.plan("", Limits.NONE.withPids(1)));
        assertThrows(IllegalArgumentException.class, () -> cg.plan("x", Limits.NONE.withOpenFiles(1)));
    }
}
