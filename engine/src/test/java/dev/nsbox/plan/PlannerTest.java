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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {

    private static List<String> calls(Plan plan) {
        return plan.ops().stream().map(Op::call).toList();
    }

    /** The notes other than those that name a default mount. */
    private static List<String> notDefaults(Plan plan) {
        return plan.notes().stream().filter(n -> !n.startsWith("default: ")).toList();
    }

    private static List<String> errors(Plan plan) {
        return plan.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format).toList();
    }

    @Test
    void treePropagationComesBeforeAnyMountAndProcSeesTheNewPidNamespace() {
        Plan plan = Planner.plan(new TestSpecs().ns(Namespace.PID).mount(MountType.PROC, "/proc").build(), new FakeHost());
        List<String> calls = calls(plan);
        assertEquals(List.of(
                "unshare(CLONE_NEWNS|CLONE_NEWPID)",
                "posix_spawn(&init, \"nsbox-init\", {chdir(\"/\"), closefrom(5)}, {\"nsbox-init\", \"--pid1\"}, envp)",
                "mount(\"none\", \"/\", NULL, MS_REC|MS_PRIVATE, NULL)"), calls.subList(0, 3));
        assertTrue(calls.contains("fsopen(\"proc\", FSOPEN_CLOEXEC) = fs; fsconfig(fs, FSCONFIG_SET_STRING, \"source\", "
                + "\"proc\", 0); fsconfig(fs, FSCONFIG_SET_FD, \"pidns\", NULL, pid_for_children); "
                + "fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0); "
                + "fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC) = mnt; "
                + "move_mount(mnt, \"\", AT_FDCWD, \"/proc\", MOVE_MOUNT_F_EMPTY_PATH)"), calls.toString());
        assertEquals(List.of(), errors(plan));
        assertTrue(plan.launch().pidNamespace());
    }

    @Test
    void procWithoutAPidNamespaceIsAPlainMountThatShowsTheHostsProcesses() {
        // /proc/42 is a host process's directory: a proc of the host's PID namespace has it,
        // a proc of the sandbox's own does not, so a mount on it is refused there.
        FakeHost host = new FakeHost().dir("/proc/42");
        Plan hosts = Planner.plan(new TestSpecs().mount(MountType.PROC, "/proc").mount(MountType.TMPFS, "/proc/42")
                .build(), host);
        assertTrue(calls(hosts).contains("mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)"));
        assertFalse(hosts.ops().stream().anyMatch(op -> op instanceof Op.MountProc));
        assertEquals(List.of(), errors(hosts));

        Plan own = Planner.plan(new TestSpecs().ns(Namespace.PID).mount(MountType.PROC, "/proc")
                .mount(MountType.TMPFS, "/proc/42").build(), host);
        assertTrue(own.ops().stream().anyMatch(op -> op instanceof Op.MountProc));
        assertEquals(List.of("t.yaml:11:3: error: mounts[1].target /proc/42 does not exist: it lies in a proc mount "
                + "where nsbox cannot create it"), errors(own));
    }

    @Test
    void unchangedPropagationMakesNoPropagationCall() {
        Plan plan = Planner.plan(new TestSpecs().propagation(Propagation.UNCHANGED).mount(MountType.PROC, "/proc").build(),
                new FakeHost());
        assertFalse(calls(plan).stream().anyMatch(c -> c.contains("MS_PRIVATE") || c.contains("MS_SHARED")));
    }

    @Test
    void readOnlyBindSetsTheAttributeOnTheWholeDetachedTreeAndNeverPassesMsRdonlyWithMsBind() {
        Plan plan = Planner.plan(new TestSpecs().bind("/work/project", "/work/project", true).build(), new FakeHost());
        assertEquals(List.of(
                "open_tree(AT_FDCWD, \"/work/project\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree0",
                "mount_setattr(tree0, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NODEV, "
                        + "attr_clr=0, propagation=0}, 32)",
                "move_mount(tree0, \"\", AT_FDCWD, \"/work/project\", MOVE_MOUNT_F_EMPTY_PATH)"),
                calls(plan).stream().filter(c -> c.contains("tree0")).toList());
        assertFalse(calls(plan).stream().anyMatch(c -> c.contains("MS_BIND")));
        Expectation e = plan.expectations().stream().filter(x -> x.label().equals("mounts[0]")).findFirst().orElseThrow();
        assertEquals("/work/project", e.target());
        assertTrue(e.readOnly());
        assertTrue(e.submountsReadOnly());
    }

    @Test
    void everySourceIsOpenedBeforeTheFirstMountSoATmpfsCannotHideALaterSource() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, "/tmp")
                .bind("/tmp", "/work/project/target", false).build(), new FakeHost().dir("/tmp"));
        List<String> calls = calls(plan);
        int open = indexOf(calls, "open_tree(AT_FDCWD, \"/tmp\"");
        int tmpfs = indexOf(calls, "mount(\"tmpfs\", \"/tmp\"");
        assertTrue(open >= 0 && open < tmpfs, calls.toString());
    }

    @Test
    void aMissingTargetOnTheHostIsAnErrorBecauseNsboxNeverCreatesMountPointsThere() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.TMPFS, "/nonexistent").build(), new FakeHost());
        assertEquals(List.of("t.yaml:10:3: error: mounts[0].target /nonexistent does not exist: nsbox never creates "
                + "mount points on the host; create it, or mount a tmpfs on a parent first"), errors(plan));
    }

    @Test
    void aTargetInsideATmpfsOfTheSpecIsCreatedThere() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, "/tmp")
                .bind("/etc", "/tmp/a/etc", true).build(), new FakeHost());
        List<String> calls = calls(plan);
        assertTrue(calls.containsAll(List.of("mkdir(\"/tmp/a\", 0755)", "mkdir(\"/tmp/a/etc\", 0755)")), calls.toString());
        assertTrue(indexOf(calls, "mkdir(\"/tmp/a/etc\"") < indexOf(calls, "move_mount(tree0"));
        assertEquals(List.of(), errors(plan));
    }

    @Test
    void aFileBindIntoATmpfsCreatesAFileMountPoint() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, "/tmp")
                .bind("/home/dev/.m2/settings.xml", "/tmp/settings.xml", true).build(), new FakeHost());
        assertTrue(calls(plan).contains("open(\"/tmp/settings.xml\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0644)"));
    }

    @Test
    void aTargetWhosePathContainsASymlinkIsAnErrorNamingWhereItLeads() {
        FakeHost host = new FakeHost().symlink("/work/link", "/work/project");
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.TMPFS, "/work/link/target").build(), host);
        assertEquals(List.of("t.yaml:10:3: error: mounts[0].target /work/link/target contains a symlink (/work/link); "
                + "a mount target must be the mount point itself: it resolves to /work/project/target, write that "
                + "instead"), errors(plan));
        assertFalse(calls(plan).stream().anyMatch(c -> c.startsWith("mount(\"tmpfs\", \"/work")));
    }

    @Test
    void aMissingBindSourceIsReportedWithItsLineAndEnoent() {
        Plan plan = Planner.plan(new TestSpecs().bind("/work/nope", "/work/project", false).build(), new FakeHost());
        assertEquals(List.of("t.yaml:10:3: error: mounts[0]: cannot bind /work/nope on /work/project: "
                + "open_tree(AT_FDCWD, \"/work/nope\", ...): ENOENT (No such file or directory)"), errors(plan));
    }

    @Test
    void anOptionalMissingSourceIsSkippedAndThePlanSaysSo() {
        TestSpecs t = new TestSpecs();
        t.add(new MountSpec(0, MountType.BIND, "/work/nope", "/work/project", null, null, null, true, null, null, null,
                null, List.of(), null, null, null, null, Origins.of(TestSpecs.origin(10, "mounts[0]"))));
        Plan plan = Planner.plan(t.build(), new FakeHost());
        assertEquals(List.of(), errors(plan));
        assertEquals(List.of("mounts[0]: skipped, its optional source /work/nope does not exist"), notDefaults(plan));
    }

    @Test
    void aTmpfsRootIsBuiltOnAStagingTmpfsAndEnteredWithPivotRoot() {
        Plan plan = Planner.plan(new TestSpecs().root(RootType.TMPFS, false, null)
                .bind("/usr", "/usr", true).mount(MountType.TMPFS, "/tmp").build(), new FakeHost());
        assertEquals(List.of(
                "unshare(CLONE_NEWNS)",
                "posix_spawn(&init, \"nsbox-init\", {chdir(\"/\"), closefrom(5)}, {\"nsbox-init\", \"--subreaper\"}, envp)",
                "mount(\"none\", \"/\", NULL, MS_REC|MS_PRIVATE, NULL)",
                "open_tree(AT_FDCWD, \"/usr\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree0",
                "mount(\"tmpfs\", \"/tmp\", \"tmpfs\", MS_NOSUID|MS_NODEV, \"mode=0755\")",
                "mkdir(\"/tmp/usr\", 0755)",
                "mount_setattr(tree0, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NODEV, "
                        + "attr_clr=0, propagation=0}, 32)",
                "move_mount(tree0, \"\", AT_FDCWD, \"/tmp/usr\", MOVE_MOUNT_F_EMPTY_PATH)",
                "mkdir(\"/tmp/tmp\", 0755)",
                "mount(\"tmpfs\", \"/tmp/tmp\", \"tmpfs\", MS_NOSUID|MS_NODEV, NULL)",
                "chdir(\"/tmp\")",
                "pivot_root(\".\", \".\")",
                "umount2(\".\", MNT_DETACH)",
                "chdir(\"/\")"), calls(plan));
        assertEquals("/", plan.launch().steps().isEmpty() ? "/" : plan.launch().steps().get(0).cwd());
    }

    @Test
    void aReadOnlyHostRootIsMadeReadOnlyBeforeTheSpecsMountsSoWritableBindsStayWritable() {
        Plan plan = Planner.plan(new TestSpecs().root(RootType.HOST, true, null)
                .bind("/work/project/target", "/work/project/target", false).build(), new FakeHost());
        List<String> calls = calls(plan);
        int ro = indexOf(calls, "mount_setattr(AT_FDCWD, \"/\", AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY");
        int bind = indexOf(calls, "move_mount(tree0");
        assertTrue(ro >= 0 && ro < bind, calls.toString());
    }

    @Test
    void aCallerWithoutCapSysAdminGetsAUserNamespaceAndThePlanSaysSo() {
        Plan plan = Planner.plan(new TestSpecs().build(), new FakeHost().unprivileged());
        assertEquals("unshare(CLONE_NEWNS|CLONE_NEWUSER)", calls(plan).get(0));
        assertEquals(List.of("adds a user namespace mapping the caller to uid 0, gid 0: the caller lacks CAP_SYS_ADMIN",
                "CLONE_NEWUSER: a JVM cannot unshare a user namespace; nsbox starts a JVM inside one (unshare --user, "
                        + "uid 0, gid 0), once per nsbox run or once per build, and the other namespaces are unshared "
                        + "per sandbox"),
                notDefaults(plan));
    }

    @Test
    void aJvmInTheUserNamespaceNsboxMadeForItStillPlansOneAndSaysItExists() {
        Plan plan = Planner.plan(new TestSpecs().build(), new FakeHost().inLauncherUserNamespace("0:0"));
        assertEquals("unshare(CLONE_NEWNS|CLONE_NEWUSER)", calls(plan).get(0));
        assertEquals(List.of("adds a user namespace mapping the caller to uid 0, gid 0: the caller lacks CAP_SYS_ADMIN",
                "CLONE_NEWUSER: this JVM already runs in the user namespace (mapping 0:0) that nsbox created for it "
                        + "with unshare --user; the other namespaces are unshared per sandbox"),
                notDefaults(plan));
    }

    @Test
    void hostnameAndLoopbackComeAfterTheMounts() {
        Plan plan = Planner.plan(new TestSpecs().ns(Namespace.NET).hostname("sandbox").build(), new FakeHost());
        List<String> calls = calls(plan);
        assertEquals("sethostname(\"sandbox\", 7)", calls.get(calls.size() - 2));
        assertEquals("ioctl(socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0), SIOCSIFFLAGS, {ifr_name=\"lo\", "
                + "ifr_flags=IFF_UP})", calls.get(calls.size() - 1));
    }

    @Test
    void theEnvironmentStartsEmptyKeepsWhatIsNamedAndSetsTheRest() {
        FakeHost host = new FakeHost().env("PATH", "/usr/bin").env("SECRET", "x").env("LANG", "C.UTF-8");
        Plan plan = Planner.plan(new TestSpecs().env(true, List.of("PATH", "LANG", "ABSENT"), Map.of("HOME", "/tmp"))
                .step("build", "make").build(), host);
        assertEquals(List.of("PATH=/usr/bin", "LANG=C.UTF-8", "NSBOX_SANDBOX=1", "HOME=/tmp"), plan.launch().steps().get(0).env());
        assertEquals("/work/project", plan.launch().steps().get(0).cwd());
    }

    @Test
    void aWorkingDirectoryThatATmpfsOfTheSpecCoversIsAnErrorBeforeAnythingIsApplied() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.TMPFS, "/work").step("build", "make").build(),
                new FakeHost());
        assertEquals(List.of("t.yaml:30:3: error: step build: the working directory /work/project does not exist "
                + "inside the sandbox; the tmpfs on /work covers it; set process.cwd (or the step's cwd) to a "
                + "directory the sandbox has"), errors(plan));
    }

    @Test
    void aCommandAfterDashesReplacesTheSteps() {
        Plan plan = Planner.plan(new TestSpecs().step("a", "true").step("b", "false").build(), new FakeHost(),
                List.of("echo", "hi"));
        assertEquals(1, plan.launch().steps().size());
        assertEquals(List.of("echo", "hi"), plan.launch().steps().get(0).argv());
    }

    @Test
    void hidingADirectoryMountsAnEmptyReadOnlyTmpfsAndHidingAFileBindsDevNull() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.HIDE, "/home/dev/.ssh")
                .mount(MountType.HIDE, "/home/dev/.m2/settings.xml")
                .mount(MountType.HIDE, "/home/dev/.aws").build(), new FakeHost());
        List<String> calls = calls(plan);
        assertTrue(calls.contains("mount(\"tmpfs\", \"/home/dev/.ssh\", \"tmpfs\", "
                + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, \"size=0,mode=0000\")"), calls.toString());
        String move = calls.stream().filter(c -> c.startsWith("move_mount(") && c.contains("\"/home/dev/.m2/settings.xml\""))
                .findFirst().orElseThrow();
        String tree = move.substring("move_mount(".length(), move.indexOf(','));
        assertTrue(calls.contains("open_tree(AT_FDCWD, \"/dev/null\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) = " + tree),
                calls.toString());
        assertTrue(plan.notes().contains("mounts[2]: /home/dev/.aws does not exist, nothing to hide"));
        assertEquals(List.of(), errors(plan));
    }

    @Test
    void remountChangesPerMountFlagsOnlyNeverTheSuperblock() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.REMOUNT, null, "/usr", true, null, null).build(), new FakeHost());
        assertTrue(calls(plan).contains("mount_setattr(AT_FDCWD, \"/usr\", AT_RECURSIVE, {attr_set=MOUNT_ATTR_RDONLY, "
                + "attr_clr=0, propagation=0}, 32)"), calls(plan).toString());
        assertFalse(calls(plan).stream().anyMatch(c -> c.contains("MS_REMOUNT")));
    }

    @Test
    void perMountPropagationIsAppliedAfterTheMountIsMade() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.BIND, "/work/project", "/work/project", null, null,
                Propagation.RSLAVE).build(), new FakeHost());
        List<String> calls = calls(plan);
        int propagation = calls.indexOf("mount(\"none\", \"/work/project\", NULL, MS_REC|MS_SLAVE, NULL)");
        int move = indexOf(calls, "move_mount(tree0");
        assertTrue(move >= 0 && propagation == move + 1, calls.toString());
    }

    @Test
    void aDevMountBindsTheHostsNodesIntoATmpfsWithPtsAndLinks() {
        Plan plan = Planner.plan(new TestSpecs().mount(MountType.DEV, "/dev").build(), new FakeHost());
        List<String> calls = calls(plan);
        assertTrue(calls.contains("mount(\"tmpfs\", \"/dev\", \"tmpfs\", MS_NOSUID|MS_NOEXEC, \"mode=0755,size=65536\")"));
        assertTrue(calls.contains("move_mount(tree0, \"\", AT_FDCWD, \"/dev/null\", MOVE_MOUNT_F_EMPTY_PATH)"));
        assertTrue(calls.contains("mount(\"devpts\", \"/dev/pts\", \"devpts\", MS_NOSUID|MS_NOEXEC, "
                + "\"newinstance,ptmxmode=0666,mode=0620\")"));
        assertTrue(calls.contains("symlink(\"/proc/self/fd\", \"/dev/fd\")"));
        assertTrue(calls.contains("symlink(\"pts/ptmx\", \"/dev/ptmx\")"));
        assertEquals(List.of(), errors(plan));
    }

    @Test
    void aMountPointInAReadOnlyTmpfsIsAnErrorThatNamesTheRemountWay() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, null, "/tmp", true, null, null)
                .bind("/etc", "/tmp/etc", true).build(), new FakeHost());
        assertEquals(1, errors(plan).size(), errors(plan).toString());
        assertTrue(errors(plan).get(0).endsWith("mounts[1].target /tmp/etc does not exist: it lies in a read-only tmpfs "
                + "where nsbox cannot create it; mount that tmpfs writable and make it read-only after this mount with "
                + "{type: remount, target: /tmp, readOnly: true} (bwrap's --remount-ro)"), errors(plan).toString());
    }

    /** bwrap --dev /dev --mqueue /dev/mqueue: the minimal /dev is a tmpfs the plan made, so its mount points are created. */
    @Test
    void aMountInsideADevMountCreatesItsMountPointThereAndKnowsWhatTheDevHolds() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.DEV, "/dev")
                .mount(MountType.MQUEUE, "/dev/mqueue")
                .mount(MountType.TMPFS, "/dev/shm").build(), new FakeHost());
        List<String> calls = calls(plan);
        int mkdir = indexOf(calls, "mkdir(\"/dev/mqueue\", 0755)");
        assertTrue(mkdir >= 0 && mkdir < indexOf(calls, "mount(\"mqueue\", \"/dev/mqueue\""), calls.toString());
        // /dev/shm is one of the dev mount's own directories: nothing to create.
        assertEquals(1, calls.stream().filter(c -> c.startsWith("mkdir(\"/dev/shm\"")).count(), calls.toString());
        assertEquals(List.of(), errors(plan));
    }

    @Test
    void anExpectationOfAMountHiddenByALaterMountOnAParentIsDropped() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, "/tmp")
                .mount(MountType.TMPFS, "/tmp/a")
                .mount(MountType.TMPFS, "/tmp").build(), new FakeHost());
        assertEquals(List.of("propagation", "default /dev", "mounts[2]"), plan.expectations().stream()
                .map(Expectation::label).filter(l -> !l.startsWith("default /proc") && !l.startsWith("default /sys"))
                .toList());
    }

    @Test
    void aLaterMountOnASiblingWithACommonPrefixHidesNothing() {
        Plan plan = Planner.plan(new TestSpecs()
                .mount(MountType.TMPFS, "/tmp")
                .mount(MountType.TMPFS, "/tmp/a")
                .mount(MountType.TMPFS, "/tmp/ab").build(), new FakeHost());
        assertEquals(List.of("propagation", "default /dev", "mounts[0]", "mounts[1]", "mounts[2]"),
                plan.expectations().stream().map(Expectation::label)
                        .filter(l -> !l.startsWith("default /proc") && !l.startsWith("default /sys")).toList());
        assertTrue(Planner.under("/tmp/a/b", "/tmp/a"));
        assertTrue(Planner.under("/tmp/a", "/tmp/a"));
        assertTrue(Planner.under("/tmp", "/"));
        assertFalse(Planner.under("/tmp/ab", "/tmp/a"));
        assertFalse(Planner.under("/tmp", "/tmp/a"));
    }

    private static int indexOf(List<String> calls, String prefix) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
