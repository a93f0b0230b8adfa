package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Op;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.FakeLibC;
import dev.nsbox.sys.Hints;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nsbox.exec.TestPlans.at;
import static dev.nsbox.plan.Op.OpenTree.Lookup.FOLLOW;
import static dev.nsbox.plan.Op.OpenTree.Lookup.NO_SYMLINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The executor's operations against a scripted fake of the C library that fails a chosen call
 * with a chosen errno: the messages users see, without privilege.
 */
class ApplierFakeTest {

    private static final int[] FDS = {0, 1, 2, 10, 11, 12};
    private static final String SYMLINK_NOW = "a mount target must be the mount point itself, and a bind source is "
            + "opened where the plan resolved it: its path contains a symlink now; write the path it resolves to";

    private static String failure(FakeLibC fake, Op... ops) {
        Applier a = new Applier(fake.sys(), FDS, List.of(ops));
        for (Op op : ops) {
            try {
                a.apply(op, op.call());
            } catch (SyscallException e) {
                return Sandbox.placed(op, e).format();
            }
        }
        throw new AssertionError("no call failed: " + fake.calls());
    }

    @Test
    void procWithoutPidNamespaceGivesTheSpecLineTheCallAndTheHint() {
        // As non-root every EPERM gets the "needs root" hint instead.
        Assumptions.assumeTrue(Hints.hasSysAdmin(), "needs CAP_SYS_ADMIN for the EPERM hints of a privileged caller");
        Op proc = new Op.Mount("proc", "/proc", "proc", Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, null,
                at(21, "mounts[3]"));
        assertEquals("test.yaml:21:5: error: mounts[3]: cannot mount proc on /proc: "
                        + "fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0): EPERM (Operation not permitted)\n"
                        + "  hint: the kernel refuses a new filesystem of this type here: a fresh proc needs a new PID "
                        + "namespace (add \"pid\" to namespaces), a sysfs a new network namespace (add \"net\")",
                failure(new FakeLibC().failWith("fsconfig", Sys.FSCONFIG_CMD_CREATE, Errnos.EPERM), proc));
    }

    @Test
    void kernelWithoutPidnsOptionIsAMissingAbility() throws Exception {
        Op proc = new Op.Mount("proc", "/proc", "proc", TestPlans.PROC_FLAGS, TestPlans.PIDNS, at(21, "mounts[3]"));
        FakeLibC fake = new FakeLibC().failWith("fsconfig", "pidns", Errnos.EINVAL);
        Applier a = new Applier(fake.sys(), FDS, List.of(proc));
        SyscallException e = assertThrows(SyscallException.class, () -> a.apply(proc, proc.call()));
        assertEquals(ExitCode.UNSUPPORTED, e.exitCode());
        assertEquals("fsconfig(fs, FSCONFIG_SET_STRING, \"pidns\", \"/proc/thread-self/ns/pid_for_children\", 0)",
                e.call());
        assertEquals("this kernel's procfs does not accept pidns (a recent Linux 6.x does); nsbox mounts a "
                + "sandbox's proc with it; upgrade the kernel, or drop the proc mount", e.hint());
    }

    @Test
    void userNamespaceFromAJvmIsAMissingAbility() {
        Op unshare = new Op.Unshare(Flags.CLONE_NEWUSER | Flags.CLONE_NEWNS, at(2, "namespaces"));
        String msg = failure(new FakeLibC().fail("unshare", Errnos.EINVAL), unshare);
        assertEquals("test.yaml:2:5: error: namespaces: cannot create the sandbox's namespaces: "
                + "unshare(CLONE_NEWNS|CLONE_NEWUSER): EINVAL (Invalid argument)\n"
                + "  hint: a JVM is multithreaded and the kernel refuses it a user namespace (unshare(2)); run nsbox "
                + "as root, or start the JVM inside one (unshare --user --map-root-user)", msg);
    }

    @Test
    void missingBindSourceNamesTheSourceWithoutTheTreeNumber() {
        Op open = new Op.OpenTree(0, "/src", FOLLOW, true, false, at(12, "mounts[1].source"));
        assertEquals("test.yaml:12:5: error: mounts[1].source: cannot open bind source /src: "
                        + "open_tree(AT_FDCWD, \"/src\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE): "
                        + "ENOENT (No such file or directory)\n"
                        + "  hint: the bind source does not exist; create it, or add optional: true to skip it when missing",
                failure(new FakeLibC().fail("open_tree", Errnos.ENOENT), open));
    }

    @Test
    void optionalMissingSourceSkipsEveryLaterOperationOnItsTree() throws Exception {
        FakeLibC fake = new FakeLibC().fail("open_tree", Errnos.ENOENT);
        List<Op> ops = List.of(
                new Op.OpenTree(0, "/src", FOLLOW, true, true, at(12, "mounts[1].source")),
                new Op.SetAttr(0, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(12, "mounts[1]")),
                new Op.MoveMount(0, "/dst", at(12, "mounts[1]")));
        Applier a = new Applier(fake.sys(), FDS, ops);
        for (Op op : ops) {
            a.apply(op, op.call());
        }
        assertEquals(List.of("open_tree"), fake.calls());
    }

    @Test
    void readOnlyBindIsSetOnTheDetachedTreeThenAttached() throws Exception {
        FakeLibC fake = new FakeLibC();
        List<Op> ops = List.of(
                new Op.OpenTree(0, "/src", FOLLOW, true, false, at(12, "mounts[1].source")),
                new Op.SetAttr(0, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(12, "mounts[1]")),
                new Op.MoveMount(0, "/dst", at(12, "mounts[1]")));
        Applier a = new Applier(fake.sys(), FDS, ops);
        for (Op op : ops) {
            a.apply(op, op.call());
        }
        assertEquals(List.of("open_tree", "mount_setattr", "openat2", "move_mount", "close", "close"), fake.calls());
    }

    @Test
    void resolvedSourceIsClonedThroughItsCheckedDescriptor() throws Exception {
        FakeLibC fake = new FakeLibC();
        List<Op> ops = List.of(
                new Op.OpenTree(0, "/src", NO_SYMLINKS, true, false, at(12, "mounts[1].source")),
                new Op.MoveMount(0, "/dst", at(12, "mounts[1]")));
        Applier a = new Applier(fake.sys(), FDS, ops);
        for (Op op : ops) {
            a.apply(op, op.call());
        }
        assertEquals(List.of("openat2", "open_tree", "close", "openat2", "move_mount", "close", "close"),
                fake.calls());
    }

    @Test
    void resolvedSourceThatBecameASymlinkIsRefusedAndNothingIsCloned() {
        FakeLibC fake = new FakeLibC().fail("openat2", Errnos.ELOOP);
        Op open = new Op.OpenTree(3, "/src/sub", NO_SYMLINKS, false, true, at(12, "mounts[1].source"));
        assertEquals("test.yaml:12:5: error: mounts[1].source: cannot open bind source /src/sub: "
                        + "openat2(AT_FDCWD, \"/src/sub\", {O_PATH|O_CLOEXEC, "
                        + "RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}) = source: ELOOP (Too many levels of symbolic links)\n"
                        + "  hint: " + SYMLINK_NOW,
                failure(fake, open), "optional skips a missing source, never one that became a symlink");
        assertEquals(List.of("openat2"), fake.calls());
    }

    @Test
    void resolvedSourceThatCannotBeClonedNamesTheCloneWithoutTheTreeNumber() {
        FakeLibC fake = new FakeLibC().fail("open_tree", Errnos.EINVAL);
        Op open = new Op.OpenTree(0, "/src", NO_SYMLINKS, true, false, at(12, "mounts[1].source"));
        assertEquals("test.yaml:12:5: error: mounts[1].source: cannot open bind source /src: "
                        + "open_tree(source, \"\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH|AT_RECURSIVE): "
                        + "EINVAL (Invalid argument)\n"
                        + "  hint: the source is not bindable (an unbindable mount, or outside this mount namespace)",
                failure(fake, open));
        assertEquals(List.of("openat2", "open_tree", "close"), fake.calls());
    }

    @Test
    void optionalResolvedSourceThatWentAwayIsSkipped() throws Exception {
        FakeLibC fake = new FakeLibC().fail("openat2", Errnos.ENOENT);
        List<Op> ops = List.of(
                new Op.OpenTree(0, "/src", NO_SYMLINKS, true, true, at(12, "mounts[1].source")),
                new Op.MoveMount(0, "/dst", at(12, "mounts[1]")));
        Applier a = new Applier(fake.sys(), FDS, ops);
        for (Op op : ops) {
            a.apply(op, op.call());
        }
        assertEquals(List.of("openat2"), fake.calls());
    }

    @Test
    void targetThatBecameASymlinkIsRefusedBeforeTheMount() {
        FakeLibC fake = new FakeLibC().fail("openat2", Errnos.ELOOP);
        Op tmpfs = new Op.Mount("tmpfs", "/x/tmp", "tmpfs", 0, null, at(9, "mounts[0]"));
        assertEquals("test.yaml:9:5: error: mounts[0]: cannot mount tmpfs on /x/tmp: "
                        + "openat2(AT_FDCWD, \"/x/tmp\", {O_PATH|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}): "
                        + "ELOOP (Too many levels of symbolic links)\n"
                        + "  hint: " + SYMLINK_NOW,
                failure(fake, tmpfs));
        assertEquals(List.of("fsopen", "fsconfig", "fsconfig", "fsmount", "openat2", "close", "close"), fake.calls());
    }

    @Test
    void pivotRootOnASharedParentExplainsItself() {
        Op pivot = new Op.PivotRoot(".", ".", at(6, "root"));
        assertEquals("test.yaml:6:5: error: root: cannot make . the root: pivot_root(\".\", \".\"): "
                        + "EINVAL (Invalid argument)\n"
                        + "  hint: pivot_root(2) refuses a new root whose parent mount is shared; keep propagation rprivate",
                failure(new FakeLibC().fail("pivot_root", Errnos.EINVAL), pivot));
    }

    @Test
    void loopbackUpReadsThenSetsTheFlags() throws Exception {
        FakeLibC fake = new FakeLibC();
        Op lo = new Op.LoopbackUp(at(2, "namespaces"));
        new Applier(fake.sys(), FDS, List.of(lo)).apply(lo, lo.call());
        assertEquals(List.of("socket", "ioctl", "ioctl", "close"), fake.calls());
    }
}
