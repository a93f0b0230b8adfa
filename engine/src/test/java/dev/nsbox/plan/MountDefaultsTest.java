package dev.nsbox.plan;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mounts a spec gets without asking: the minimal /dev, nodev binds, the proc and sys guards. */
class MountDefaultsTest {

    private static final String DEV_TMPFS = "mount(\"tmpfs\", \"/dev\", \"tmpfs\", MS_NOSUID|MS_NOEXEC, \"mode=0755,size=65536\")";

    private static List<String> calls(Plan plan) {
        return plan.ops().stream().map(Op::call).toList();
    }

    private static List<String> errors(Plan plan) {
        return plan.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format).toList();
    }

    private static int indexOf(List<String> calls, String prefix) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the move_mount(2) that attaches what {@code ops} opened from {@code source} onto {@code target}. */
    private static int bindOf(Plan plan, String source, String target) {
        List<Op> ops = plan.ops();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Op.MoveMount mv && mv.target().equals(target)) {
                for (Op op : ops) {
                    if (op instanceof Op.OpenTree t && t.tree() == mv.tree() && t.source().equals(source)) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    private static MountSpec bindWithNodev(int index, String source, String target, Boolean nodev) {
        return new MountSpec(index, MountType.BIND, source, target, null, null, null, false, null, null, null, null,
                List.of(), null, null, nodev, null, Origins.of(TestSpecs.origin(10 + index, "mounts[" + index + "]")));
    }

    @Test
    void aHostRootGetsTheMinimalDevBeforeTheSpecsMountsAndThePlanSaysItIsADefault() {
        TestSpecs t = new TestSpecs().mount(MountType.TMPFS, "/dev/shm");
        t.add(bindWithNodev(1, "/dev/null", "/dev/kvm", false));
        Plan plan = Planner.plan(t.build(), new FakeHost());
        List<String> calls = calls(plan);
        int dev = calls.indexOf(DEV_TMPFS);
        assertTrue(dev > 0, calls.toString());
        for (String node : MountPlanner.DEV_NODES) {
            assertTrue(bindOf(plan, "/dev/" + node, "/dev/" + node) > dev, node);
        }
        assertTrue(calls.indexOf("mount(\"devpts\", \"/dev/pts\", \"devpts\", MS_NOSUID|MS_NOEXEC, "
                + "\"newinstance,ptmxmode=0666,mode=0620\")") > dev);
        assertTrue(calls.contains("symlink(\"pts/ptmx\", \"/dev/ptmx\")"));
        // The spec's /dev/shm lands in the minimal /dev, whose shm the plan made; /dev/kvm gets
        // its mount point created in that tmpfs, never on the host's /dev.
        int shm = calls.indexOf("mount(\"tmpfs\", \"/dev/shm\", \"tmpfs\", MS_NOSUID|MS_NODEV, NULL)");
        int kvmPoint = calls.indexOf("open(\"/dev/kvm\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644)");
        assertTrue(shm > dev && kvmPoint > dev, calls.toString());
        assertTrue(bindOf(plan, "/dev/null", "/dev/kvm") > kvmPoint);
        assertEquals(List.of(), errors(plan));

        Op tmpfs = plan.ops().get(dev);
        assertEquals("root (default: minimal /dev)", tmpfs.origin().path());
        assertEquals(1, tmpfs.origin().line());
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("default: a minimal /dev")
                && n.contains("a mount of your own on /dev")), plan.notes().toString());
        assertTrue(plan.expectations().stream().anyMatch(e -> e.label().equals("default /dev") && e.target().equals("/dev")
                && "tmpfs".equals(e.fstype())));
        assertTrue(PlanFormat.text(plan).contains("root (default: minimal /dev) */"));
    }

    @Test
    void aMountOfTheSpecOnDevItselfReplacesTheMinimalOne() {
        TestSpecs t = new TestSpecs();
        t.add(bindWithNodev(0, "/dev", "/dev", false));
        Plan plan = Planner.plan(t.build(), new FakeHost());
        assertFalse(calls(plan).contains(DEV_TMPFS), calls(plan).toString());
        assertFalse(plan.notes().stream().anyMatch(n -> n.startsWith("default: a minimal /dev")));
        assertFalse(plan.expectations().stream().anyMatch(e -> e.label().equals("default /dev")));

        // A mount below /dev alone does not.
        Plan below = Planner.plan(new TestSpecs().mount(MountType.TMPFS, "/dev/shm").build(), new FakeHost());
        assertTrue(calls(below).contains(DEV_TMPFS));
    }

    @Test
    void aTmpfsRootGetsNoMinimalDevOfItsOwn() {
        Plan plan = Planner.plan(new TestSpecs().root(RootType.TMPFS, false, null).build(), new FakeHost());
        assertFalse(calls(plan).stream().anyMatch(c -> c.contains("\"/dev\"") || c.contains("/dev/pts")),
                calls(plan).toString());
    }

    @Test
    void bindsAreNodevUnlessTheMountSaysNodevFalse() {
        TestSpecs t = new TestSpecs();
        t.add(bindWithNodev(0, "/usr", "/usr", null));
        t.add(bindWithNodev(1, "/etc", "/etc", false));
        t.add(bindWithNodev(2, "/work/project", "/work/project", true));
        Plan plan = Planner.plan(t.build(), new FakeHost());
        List<String> calls = calls(plan);
        assertTrue(calls.contains("mount_setattr(tree0, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_NODEV, "
                + "attr_clr=0, propagation=0}, 32)"), calls.toString());
        assertFalse(calls.stream().anyMatch(c -> c.startsWith("mount_setattr(tree1,")), calls.toString());
        assertTrue(calls.contains("mount_setattr(tree2, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_NODEV, "
                + "attr_clr=0, propagation=0}, 32)"));
    }

    @Test
    void everyProcOfTheSpecIsGuardedRightAfterItIsMounted() {
        Plan plan = Planner.plan(new TestSpecs().ns(Namespace.PID).mount(MountType.PROC, "/proc")
                .mount(MountType.TMPFS, "/tmp").mount(MountType.PROC, "/tmp/proc").build(), new FakeHost());
        List<String> calls = calls(plan);
        assertEquals(List.of(), errors(plan));
        for (String proc : List.of("/proc", "/tmp/proc")) {
            int mounted = indexOf(calls, "fsopen(\"proc\"");
            if (proc.equals("/tmp/proc")) {
                mounted = calls.lastIndexOf(calls.stream().filter(c -> c.endsWith("\"" + proc + "\", MOVE_MOUNT_F_EMPTY_PATH)")
                        && c.startsWith("fsopen")).findFirst().orElseThrow());
            }
            for (String name : MountDefaults.PROC_READ_ONLY) {
                String path = proc + "/" + name;
                int open = calls.indexOf(calls.stream().filter(c -> c.startsWith("open_tree(AT_FDCWD, \"" + path + "\", "
                        + "OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE)")).findFirst().orElseThrow());
                assertTrue(open > mounted, path + " is copied after its proc is mounted: " + calls);
                String tree = calls.get(open).substring(calls.get(open).lastIndexOf(" = ") + 3);
                assertEquals("mount_setattr(" + tree + ", \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY, "
                        + "attr_clr=0, propagation=0}, 32)", calls.get(open + 1));
                assertEquals("move_mount(" + tree + ", \"\", AT_FDCWD, \"" + path + "\", MOVE_MOUNT_F_EMPTY_PATH)",
                        calls.get(open + 2));
                assertTrue(plan.expectations().stream().anyMatch(e -> e.target().equals(path) && e.readOnly()
                        && e.submountsReadOnly()), path);
            }
            // Files get /dev/null, directories an empty read-only tmpfs; what the kernel lacks
            // (FakeHost: no latency_stats, timer_stats, sched_debug) is skipped.
            assertTrue(bindOf(plan, "/dev/null", proc + "/kcore") > mounted, proc);
            assertTrue(bindOf(plan, "/dev/null", proc + "/keys") > mounted, proc);
            assertTrue(bindOf(plan, "/dev/null", proc + "/interrupts") > mounted, proc);
            assertTrue(calls.indexOf("mount(\"tmpfs\", \"" + proc + "/scsi\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|"
                    + "MS_NOEXEC, \"size=0,mode=0000\")") > mounted, proc);
            assertFalse(calls.stream().anyMatch(c -> c.contains(proc + "/latency_stats") || c.contains(proc + "/sched_debug")));
        }
        // The spec's proc hides the host's /proc: no guard of the host's copy is planned.
        assertEquals(1, plan.ops().stream().filter(op -> op instanceof Op.MoveMount mv
                && mv.target().equals("/proc/kcore")).count());
        assertTrue(plan.ops().stream().filter(op -> op.call().contains("\"/proc/sys\""))
                .allMatch(op -> op.origin().path().equals("mounts[0] (default guard)")));
    }

    @Test
    void aHostRootWithoutAProcOfTheSpecGuardsTheHostsProcAndSys() {
        Plan plan = Planner.plan(new TestSpecs().root(RootType.HOST, true, null).build(), new FakeHost());
        List<String> calls = calls(plan);
        assertEquals(List.of(), errors(plan));
        int sys = indexOf(calls, "open_tree(AT_FDCWD, \"/proc/sys\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree");
        assertTrue(sys > calls.indexOf(DEV_TMPFS), calls.toString());
        assertTrue(bindOf(plan, "/dev/null", "/proc/kcore") > 0);
        assertTrue(bindOf(plan, "/sys", "/sys") > 0);
        int sysRo = bindOf(plan, "/sys", "/sys");
        assertTrue(calls.get(sysRo - 1).contains("AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY,"), calls.get(sysRo - 1));
        assertTrue(calls.indexOf("mount(\"tmpfs\", \"/sys/firmware\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                + "\"size=0,mode=0000\")") > sysRo);
        assertTrue(calls.contains("mount(\"tmpfs\", \"/sys/devices/virtual/powercap\", \"tmpfs\", "
                + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, \"size=0,mode=0000\")"));
        assertTrue(plan.expectations().stream().anyMatch(e -> e.target().equals("/sys") && e.readOnly()
                && e.submountsReadOnly()));
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("default: the host's procfs (/proc)")));
    }

    @Test
    void theGuardsOfTheHostsCopiesComeAfterTheSpecsMountsSoNoRemountOfTheSpecUndoesThem() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.REMOUNT, null, "/", false, true, null).build(),
                new FakeHost());
        List<String> calls = calls(plan);
        int remount = indexOf(calls, "mount_setattr(AT_FDCWD, \"/\", AT_RECURSIVE, {attr_set=0, attr_clr=MOUNT_ATTR_RDONLY");
        assertTrue(remount > 0 && remount < bindOf(plan, "/proc/sys", "/proc/sys"), calls.toString());
        assertTrue(remount < bindOf(plan, "/sys", "/sys"));
    }

    @Test
    void aSysfsOfTheSpecGetsItsMasksAndTheHostsSysIsLeftAlone() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.SYSFS, "/sys").build(), new FakeHost());
        List<String> calls = calls(plan);
        int sysfs = calls.indexOf("mount(\"sysfs\", \"/sys\", \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)");
        assertTrue(sysfs > 0, calls.toString());
        assertTrue(calls.indexOf("mount(\"tmpfs\", \"/sys/firmware\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                + "\"size=0,mode=0000\")") > sysfs);
        assertEquals(-1, bindOf(plan, "/sys", "/sys"));
        assertEquals(List.of(), errors(plan));
    }

    @Test
    void aTreeSharedWithTheHostGetsNoMountDefaultsAndAWarningAtItsPropagation() {
        for (Propagation p : List.of(Propagation.UNCHANGED, Propagation.SHARED, Propagation.RSHARED, Propagation.PRIVATE)) {
            Plan plan = Planner.plan(new TestSpecs().propagation(p).mount(MountType.PROC, "/proc").build(), new FakeHost());
            List<String> calls = calls(plan);
            assertFalse(calls.contains(DEV_TMPFS), p + ": " + calls);
            assertFalse(calls.stream().anyMatch(c -> c.contains("/proc/sys") || c.contains("/proc/kcore")
                    || c.contains("\"/sys\"")), p + ": " + calls);
            List<Diagnostic> warnings = plan.diagnostics().stream().filter(d -> !d.isError()).toList();
            assertEquals(1, warnings.size(), p + ": " + plan.diagnostics());
            assertTrue(warnings.get(0).message().startsWith("propagation: " + p.word() + " keeps the sandbox's mounts "
                    + "shared with the host, so the mount-based defaults are not applied"), warnings.get(0).message());
            assertTrue(warnings.get(0).message().contains("the system-call filter and the limits still apply"));
        }
        for (Propagation p : List.of(Propagation.RPRIVATE, Propagation.RSLAVE, Propagation.RUNBINDABLE)) {
            Plan plan = Planner.plan(new TestSpecs().propagation(p).build(), new FakeHost());
            assertTrue(calls(plan).contains(DEV_TMPFS), p.word());
            assertEquals(List.of(), plan.diagnostics(), p.word());
        }
    }

    private static final String NODEV_NOSUID = "mount_setattr(AT_FDCWD, \"/\", AT_RECURSIVE, "
            + "{attr_set=MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV,";

    @Test
    void aHostRootIsMadeNodevAndNosuidAfterEverySourceIsOpenedAndBeforeTheMinimalDev() {
        Plan plan = Planner.plan(new TestSpecs().root(RootType.HOST, true, null)
                .add(bindWithNodev(0, "/dev", "/work/project/target", false)).build(), new FakeHost());
        List<String> calls = calls(plan);
        assertEquals(List.of(), errors(plan));
        int attr = indexOf(calls, NODEV_NOSUID);
        assertTrue(attr > 0, calls.toString());
        // Every clone (the /dev nodes, the spec's bind) is taken before, so keeps its devices.
        assertTrue(calls.subList(attr, calls.size()).stream().noneMatch(c -> c.startsWith("open_tree(AT_FDCWD, \"/dev")),
                calls.toString());
        assertTrue(attr < calls.indexOf(DEV_TMPFS), calls.toString());
        assertTrue(attr > indexOf(calls, "mount_setattr(AT_FDCWD, \"/\", AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY"));
        assertTrue(attr < bindOf(plan, "/dev", "/work/project/target"), calls.toString());
        // The spec's bind with nodev: false clears nothing of the host root and sets no nodev itself.
        int bind = bindOf(plan, "/dev", "/work/project/target");
        assertFalse(calls.get(bind - 1).contains("MOUNT_ATTR_NODEV"), calls.get(bind - 1));
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("default: every mount of the host root is made "
                + "nodev and nosuid")), plan.notes().toString());
    }

    @Test
    void noNodevOnAnotherRootOrATreeSharedWithTheHost() {
        for (Plan plan : List.of(
                Planner.plan(new TestSpecs().root(RootType.TMPFS, false, null).build(), new FakeHost()),
                Planner.plan(new TestSpecs().propagation(Propagation.SHARED).build(), new FakeHost()))) {
            assertEquals(-1, indexOf(calls(plan), NODEV_NOSUID), calls(plan).toString());
        }
    }

    @Test
    void everyProcfsAndSysfsOfTheHostInSightIsGuarded() {
        FakeHost host = new FakeHost().mount("/", "ext4").mount("/proc", "proc").mount("/sys", "sysfs")
                .mount("/srv/proc", "proc").mount("/srv/sys", "sysfs").mount("/tmp/dev", "devtmpfs")
                // Covered by a later mount of the host: not in sight, not guarded.
                .mount("/srv/hidden", "proc").mount("/srv/hidden", "tmpfs")
                // Under a mount of the spec: the spec's tmpfs hides it.
                .mount("/work/project/target/proc", "proc")
                .dir("/srv").dir("/srv/proc").dir("/srv/proc/sys").file("/srv/proc/sysrq-trigger").file("/srv/proc/kcore")
                .file("/srv/proc/keys").dir("/srv/sys").dir("/srv/sys/firmware").dir("/srv/hidden")
                .dir("/work/project/target/proc");
        Plan plan = Planner.plan(new TestSpecs().root(RootType.HOST, false, null)
                .mount(MountType.TMPFS, "/work/project/target").build(), host);
        List<String> calls = calls(plan);
        assertEquals(List.of(), errors(plan));
        assertTrue(bindOf(plan, "/proc/sys", "/proc/sys") > 0, calls.toString());
        int sys = bindOf(plan, "/srv/proc/sys", "/srv/proc/sys");
        assertTrue(sys > 0, calls.toString());
        assertTrue(calls.get(sys - 1).contains("AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY,"), calls.get(sys - 1));
        assertTrue(bindOf(plan, "/srv/proc/sysrq-trigger", "/srv/proc/sysrq-trigger") > 0);
        assertTrue(bindOf(plan, "/dev/null", "/srv/proc/kcore") > 0);
        assertTrue(bindOf(plan, "/dev/null", "/srv/proc/keys") > 0);
        int sysfs = bindOf(plan, "/srv/sys", "/srv/sys");
        assertTrue(sysfs > 0 && calls.get(sysfs - 1).contains("AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY,"),
                calls.toString());
        assertTrue(calls.contains("mount(\"tmpfs\", \"/srv/sys/firmware\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                + "\"size=0,mode=0000\")"), calls.toString());
        assertTrue(plan.expectations().stream().anyMatch(e -> e.target().equals("/srv/sys") && e.readOnly()
                && e.submountsReadOnly()));
        assertTrue(calls.stream().noneMatch(c -> c.contains("/srv/hidden/") || c.contains("/work/project/target/proc/")),
                calls.toString());
        assertTrue(plan.notes().contains("default: the host's procfs (/proc, /srv/proc), in sight under the host root, "
                + "gets the guards of every proc: read-only sys, sysrq-trigger, irq, bus, fs; kcore, keys and their "
                + "kin masked"), plan.notes().toString());
        assertTrue(plan.notes().stream().anyMatch(n -> n.startsWith("default: the host's sysfs (/sys, /srv/sys)")));
    }

    @Test
    void aProcfsOfTheHostIsNotGuardedWhereTheTreeIsSharedWithTheHost() {
        FakeHost host = new FakeHost().mount("/srv/proc", "proc").dir("/srv").dir("/srv/proc").dir("/srv/proc/sys");
        Plan plan = Planner.plan(new TestSpecs().propagation(Propagation.SHARED).build(), host);
        assertTrue(calls(plan).stream().noneMatch(c -> c.contains("/srv/proc")), calls(plan).toString());
    }

    /**
     * On a systemd-like host (every mount shared, /proc and /sys their own peer groups), the
     * defaults reach the host under no tree propagation: they are planned only where the tree
     * stops propagation, and skipped where it would not.
     */
    @Test
    void noTreePropagationLetsADefaultReachASystemdHost() throws Exception {
        for (Propagation p : Propagation.values()) {
            Plan plan = HostEffectPredictor.predict(Planner.plan(new TestSpecs().propagation(p).ns(Namespace.PID)
                    .mount(MountType.PROC, "/tmp").build(), new FakeHost()), ExampleSpecsTest.systemdHost(),
                    HostEffectPredictorTest.LINUX_6_18);
            assertEquals(List.of(), plan.hostEffects().stream().filter(e -> e.label().contains("default"))
                    .map(e -> e.describe()).toList(), p.word());
        }
    }

    @Test
    void planAndExplainShowTheConfinement() throws Exception {
        Plan plan = Planner.plan(new TestSpecs().build(), new FakeHost());
        String text = PlanFormat.text(plan);
        assertTrue(text.contains("/* confinement of every step, applied by nsbox-init before execve: */\n"
                + "/*   capabilities: none"), text);
        assertTrue(text.contains("/*   seccomp: default filter (Docker's baseline)"), text);
        assertTrue(text.contains("/*   seccomp(SECCOMP_SET_MODE_FILTER"), text);
        assertTrue(PlanFormat.json(plan).contains("\"confinement\""));

        List<String> explained = Explainer.explain(plan, ExampleSpecsTest.systemdHost(), HostEffectPredictorTest.LINUX_6_18);
        int head = explained.indexOf("each step is confined, whatever the mounts (nsbox-init, before execve):");
        assertTrue(head > 0, explained.toString());
        assertTrue(explained.get(head + 1).startsWith("  capabilities: none"), explained.toString());
        assertTrue(explained.stream().anyMatch(l -> l.startsWith("  seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=")));
        // The minimal /dev is explained like any mount, under its default's name.
        assertTrue(explained.contains("root (default: minimal /dev): " + DEV_TMPFS), explained.toString());
    }

    @Test
    void limitsShowAsTheCgroupsValuesAndTheRlimitsAsCalls() {
        Confinement c = new Confinement(java.util.Set.of(), java.util.Optional.empty(), dev.nsbox.cgroups.Limits.NONE
                .withMemory(256L << 20).withPids(128).withCpu(new java.math.BigDecimal("1.5")).withOpenFiles(1024));
        assertEquals(List.of(
                "capabilities: none (every set empty; securebits NOROOT|NO_SETUID_FIXUP|KEEP_CAPS|NO_CAP_AMBIENT_RAISE, locked)",
                "seccomp: unconfined, no filter",
                "setrlimit(RLIMIT_NOFILE, {1024, 1024})",
                "cgroup: memory.max=268435456, pids.max=128, cpu.max=150000 100000 (a cgroup of the sandbox's own, its "
                        + "root in the step's cgroup namespace, removed afterwards)"), c.describe());
    }
}
