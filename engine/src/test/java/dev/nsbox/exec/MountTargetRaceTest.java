package dev.nsbox.exec;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.sys.LibC;
import dev.nsbox.sys.Sys;
import dev.nsbox.spec.yaml.Variables;
import dev.nsbox.sys.SyscallException;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.nsbox.exec.TestPlans.at;
import static dev.nsbox.plan.Op.OpenTree.Lookup.NO_SYMLINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A mount target swapped for a symlink between its check and its mount (issue #18.2, #12.6;
 * runc's CVE-2021-30465) never moves the mount to where the symlink points. The swap is a
 * renameat2(2) {@code RENAME_EXCHANGE} of the target's parent directory and a symlink to
 * another directory (see {@link Swap}).
 *
 * <p>First, deterministically, for every kind of operation that mounts or changes a mount by
 * target: the real C library is wrapped so that the exchange happens right after the
 * executor's openat2(2) of the target returns, then the operation goes on. Then, as a host
 * would race it, a thread exchanges the two in a loop while whole runs mount a tmpfs under a
 * shared mount with propagation left unchanged, the case where a misplaced mount stays on
 * the host. Everything mounts in the test JVM's scratch mount namespace, under a tmpfs of this
 * test's own that is unmounted afterwards.
 */
@Timeout(180)
class MountTargetRaceTest {

    private static final int[] FDS = {0, 1, 2, -1, -1, -1};

    @TempDir
    Path tmp;

    private Path area;

    @BeforeEach
    void scratchArea() throws Exception {
        Privileges.assumeScratchRoot();
        area = Files.createDirectory(tmp.resolve("area"));
        Kernel.sh("mount -t tmpfs nsbox-race " + area);
    }

    @AfterEach
    void unmountArea() throws Exception {
        if (area != null) {
            Kernel.sh("umount -R " + area);
        }
    }

    /**
     * One case: the target {@code a/t}; {@code b}, a symlink to {@code c}; the mount a swap
     * would misplace lands on {@code c/t}. The exchange swaps {@code a} and {@code b}: the
     * kernel refuses to rename a mount point itself (EBUSY, rename(2)), not a directory above
     * one, so swapping a parent is what a hostile host can always do.
     */
    private final class Swap {
        final Path dir;
        final Path a;
        final Path b;
        final Path t;
        final Path elsewhere;

        Swap(String name) throws IOException {
            dir = Files.createDirectory(area.resolve(name));
            a = Files.createDirectory(dir.resolve("a"));
            t = Files.createDirectory(a.resolve("t"));
            Path c = Files.createDirectory(dir.resolve("c"));
            elsewhere = Files.createDirectory(c.resolve("t"));
            b = Files.createSymbolicLink(dir.resolve("b"), c);
        }

        /** Swaps {@code a} and {@code b}. */
        void exchange(Sys sys) throws SyscallException {
            sys.renameat2(Flags.AT_FDCWD, a.toString(), Flags.AT_FDCWD, b.toString(), Sys.RENAME_EXCHANGE,
                    "renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)");
        }

        /**
         * Applies {@code ops} with the exchange made once, right after the first openat2(2) of
         * {@code t} returns a descriptor; fails the test if the exchange never happened.
         */
        SyscallException apply(List<Op> ops) {
            AtomicBoolean swapped = new AtomicBoolean();
            LibC real = Sys.realLibC();
            LibC racing = (LibC) Proxy.newProxyInstance(LibC.class.getClassLoader(), new Class<?>[] {LibC.class},
                    (proxy, method, args) -> {
                        Object r;
                        try {
                            r = method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().equals("syscall") && ((Number) args[0]).longValue() == LibC.SYS_OPENAT2
                                && t.toString().equals(args[2]) && ((Number) r).longValue() >= 0
                                && !swapped.getAndSet(true)) {
                            // The openat2 succeeded, so no errno of its is pending; the
                            // exchange's own failure, if any, fails the test.
                            exchange(Sys.over(real, Sys::realErrno));
                        }
                        return r;
                    });
            Sys sys = Sys.over(racing, Sys::realErrno);
            Applier a = new Applier(sys, FDS, ops);
            try {
                for (Op op : ops) {
                    a.apply(op, op.call());
                }
                return null;
            } catch (SyscallException e) {
                return e;
            } finally {
                a.closeTrees();
                assertTrue(swapped.get(), "the exchange was never made: no openat2(2) of " + t);
            }
        }

        /** The test JVM's mounts at {@code elsewhere}: what a misplaced mount would add. */
        List<MountEntry> atElsewhere() throws IOException {
            return mountsAt(elsewhere.toString());
        }

        /** The checked directory, which the exchange moved to {@code b/t}: where the mount belongs. */
        Path checked() {
            assertTrue(Files.isDirectory(b, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the exchange put a at b");
            return b.resolve("t");
        }

        List<MountEntry> onTheCheckedDirectory() throws IOException {
            return mountsAt(checked().toString());
        }
    }

    private static List<MountEntry> mountsAt(String path) throws IOException {
        List<MountEntry> out = new ArrayList<>();
        for (MountEntry e : MountEntry.parse(Files.readString(Path.of("/proc/self/mountinfo")))) {
            if (e.mountPoint().equals(path)) {
                out.add(e);
            }
        }
        return out;
    }

    private static void landedOnTheCheckedDirectory(Swap s, SyscallException e, String fstype) throws IOException {
        assertEquals(null, e, () -> "the operation failed: " + e.format());
        assertEquals(List.of(), s.atElsewhere(), "a mount landed where the symlink points");
        List<MountEntry> there = s.onTheCheckedDirectory();
        assertEquals(1, there.size(), there.toString());
        assertEquals(fstype, there.get(0).fstype());
    }

    @Test
    void aBindLandsOnTheCheckedDirectoryNotWhereTheSymlinkPoints() throws Exception {
        Swap s = new Swap("bind");
        Path src = Files.createDirectory(s.dir.resolve("src"));
        Files.writeString(src.resolve("marker"), "bound");
        SyscallException e = s.apply(List.of(
                new Op.OpenTree(0, src.toString(), NO_SYMLINKS, true, false, at(11, "mounts[0].source")),
                new Op.MoveMount(0, s.t.toString(), at(11, "mounts[0]"))));
        landedOnTheCheckedDirectory(s, e, "tmpfs");
        assertEquals("bound", Files.readString(s.checked().resolve("marker")));
        assertFalse(Files.exists(s.elsewhere.resolve("marker")));
    }

    /**
     * A bind source resolved when the plan was made, its parent exchanged with a symlink before
     * the run: the whole pipeline (spec, planner, executor) refuses with ELOOP at the source's
     * line and binds nothing, neither what the symlink points to nor anything else.
     */
    @Test
    void aBindSourceSwappedForASymlinkAfterPlanningIsRefusedNotFollowed() throws Exception {
        Swap s = new Swap("bindsource");
        Files.writeString(s.t.resolve("marker"), "planned");
        Files.writeString(s.elsewhere.resolve("marker"), "where the symlink points");
        Path dst = Files.createDirectory(s.dir.resolve("dst"));
        Path spec = s.dir.resolve("nsbox.yaml");
        Files.writeString(spec, String.join("\n",
                "version: 1",
                "name: bind-source-race",
                "namespaces: [mount, pid]",
                "propagation: rprivate",
                "root: {type: host}",
                "mounts:",
                "  - {type: proc, target: /proc}",
                "  - {type: bind, source: " + s.t + ", target: " + dst + ", readOnly: true}",
                "steps:",
                "  - {name: read, shell: cat " + dst + "/marker}",
                ""));
        Plan plan = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                Overrides.NONE, NsboxEngine.host()).plan();
        assertTrue(plan.ops().stream().anyMatch(op -> op instanceof Op.OpenTree t && t.source().equals(s.t.toString())
                && t.lookup() == NO_SYMLINKS), "the planner marks the bind source as resolved: " + plan.ops());

        s.exchange(Sys.get());
        Kernel.Captured c = Kernel.run(plan);

        assertEquals(125, c.exit(), c.toString());
        assertEquals(List.of(), c.out(), "the step ran");
        String message = String.join("\n", c.result().messages());
        assertTrue(message.contains("mounts[1].source: cannot open bind source " + s.t + ": openat2(AT_FDCWD, \""
                        + s.t + "\", {O_PATH|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}) = source: ELOOP"),
                message);
        assertTrue(message.contains("hint: a mount target must be the mount point itself, and a bind source is "
                + "opened where the plan resolved it: its path contains a symlink now"), message);
        assertEquals(List.of(), mountsAt(dst.toString()), "something was bound on the target");
        assertEquals(List.of(), s.atElsewhere());
    }

    /**
     * The exchange right after the executor's openat2(2) of the bind source: the clone is taken
     * through the checked descriptor, so the bind shows the planned directory, which the
     * exchange moved to {@code b/t}, never what {@code a/t} names by then.
     */
    @Test
    void aBindSourceSwappedAfterItsCheckIsTheCheckedDirectory() throws Exception {
        Swap s = new Swap("bindsourcecheck");
        Files.writeString(s.t.resolve("marker"), "checked");
        Files.writeString(s.elsewhere.resolve("marker"), "where the symlink points");
        Path dst = Files.createDirectory(s.dir.resolve("dst"));
        SyscallException e = s.apply(List.of(
                new Op.OpenTree(0, s.t.toString(), NO_SYMLINKS, true, false, at(11, "mounts[0].source")),
                new Op.MoveMount(0, dst.toString(), at(11, "mounts[0]"))));
        assertEquals(null, e, () -> "the operation failed: " + e.format());
        assertEquals("checked", Files.readString(dst.resolve("marker")));
        assertEquals(List.of(), s.atElsewhere());
    }

    @Test
    void aTmpfsLandsOnTheCheckedDirectory() throws Exception {
        Swap s = new Swap("tmpfs");
        SyscallException e = s.apply(List.of(new Op.Mount("tmpfs", s.t.toString(), "tmpfs",
                Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0750,size=1m", at(11, "mounts[0]"))));
        landedOnTheCheckedDirectory(s, e, "tmpfs");
        MountEntry m = s.onTheCheckedDirectory().get(0);
        assertEquals("tmpfs", m.source(), "fsconfig(\"source\") names it as mount(8) would");
        assertTrue(m.options().contains("nosuid") && m.options().contains("nodev"), m.options().toString());
    }

    @Test
    void aDevptsWithABareFlagOptionLandsOnTheCheckedDirectory() throws Exception {
        Swap s = new Swap("devpts");
        SyscallException e = s.apply(List.of(new Op.Mount("devpts", s.t.toString(), "devpts",
                Flags.MS_NOSUID | Flags.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", at(11, "mounts[0]"))));
        landedOnTheCheckedDirectory(s, e, "devpts");
    }

    @Test
    void anOverlayLandsOnTheCheckedDirectoryWithItsLayersGivenAsDescriptors() throws Exception {
        Swap s = new Swap("overlay");
        Path lower = Files.createDirectory(s.dir.resolve("lower"));
        Files.writeString(lower.resolve("from-lower"), "lower");
        Path upper = Files.createDirectory(s.dir.resolve("upper"));
        Path work = Files.createDirectory(s.dir.resolve("work"));
        SyscallException e = s.apply(List.of(new Op.Mount("overlay", s.t.toString(), "overlay",
                Flags.MS_NOSUID | Flags.MS_NODEV, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work,
                at(11, "mounts[0]"))));
        landedOnTheCheckedDirectory(s, e, "overlay");
        assertEquals("lower", Files.readString(s.checked().resolve("from-lower")));
        Files.writeString(s.checked().resolve("written"), "up");
        assertEquals("up", Files.readString(upper.resolve("written")), "writes go to the upper layer");
    }

    @Test
    void aReadOnlyChangeReachesOnlyTheCheckedMount() throws Exception {
        Swap s = new Swap("remount");
        Kernel.sh("mount -t tmpfs nsbox-target " + s.t + " && mount -t tmpfs nsbox-elsewhere " + s.elsewhere);
        SyscallException e = s.apply(List.of(new Op.SetAttr(-1, s.t.toString(), false, Flags.MOUNT_ATTR_RDONLY, 0, 0,
                at(11, "mounts[0]"))));
        assertEquals(null, e, () -> "the operation failed: " + e.format());
        List<MountEntry> elsewhere = s.atElsewhere();
        assertEquals(1, elsewhere.size(), elsewhere.toString());
        assertFalse(elsewhere.get(0).readOnly(), "the mount the symlink points to was made read-only");
        assertTrue(s.onTheCheckedDirectory().get(0).readOnly(), "the checked mount stayed writable");
    }

    @Test
    void aPropagationChangeReachesOnlyTheCheckedMount() throws Exception {
        Swap s = new Swap("propagation");
        Kernel.sh("mount -t tmpfs nsbox-target " + s.t + " && mount -t tmpfs nsbox-elsewhere " + s.elsewhere);
        SyscallException e = s.apply(List.of(new Op.SetPropagation(s.t.toString(), Flags.MS_REC | Flags.MS_SHARED,
                at(11, "mounts[0].propagation"))));
        assertEquals(null, e, () -> "the operation failed: " + e.format());
        assertEquals(dev.nsbox.spec.Propagation.Kind.PRIVATE, s.atElsewhere().get(0).propagation(),
                "the mount the symlink points to was made shared");
        assertEquals(dev.nsbox.spec.Propagation.Kind.SHARED, s.onTheCheckedDirectory().get(0).propagation());
    }

    /**
     * Whole runs against a host that exchanges {@code a} and {@code b} in a loop: under a shared
     * mount with propagation unchanged, a tmpfs that landed at {@code elsewhere} would stay in
     * the host's table. Each run either mounts on the checked directory or fails with the
     * error of its check; none mounts at {@code elsewhere}, in the sandbox or on the host.
     */
    @Test
    void racingRenamesNeverMoveARunsMountWhereTheSymlinkPoints() throws Exception {
        Kernel.sh("mount --make-shared " + area);
        Swap s = new Swap("runs");
        Sys sys = Sys.get();
        int runs = 120;
        int mounted = 0;
        int refused = 0;
        List<String> refusals = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Plan plan = racedPlan(s.t);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger swaps = new AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<SyscallException> racerFailed =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread racer = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        s.exchange(sys);
                        swaps.incrementAndGet();
                    } catch (SyscallException e) {
                        racerFailed.set(e);
                        return;
                    }
                }
            }, "nsbox-test-racer");
            racer.start();
            // On two busy cores a short run could end before the racer is first scheduled.
            while (swaps.get() == 0 && racer.isAlive()) {
                Thread.onSpinWait();
            }
            Kernel.Captured c;
            try {
                c = Kernel.runAllowingHostChanges(plan, Duration.ofSeconds(1), null);
            } finally {
                stop.set(true);
                racer.join();
            }
            assertEquals(null, racerFailed.get(), () -> racerFailed.get().format());
            List<MountEntry> hostElsewhere = s.atElsewhere();
            String sandboxTable = c.text();
            if (!hostElsewhere.isEmpty() || sandboxTable.contains(" " + s.elsewhere + " ")) {
                fail("run " + i + ": a mount landed where the symlink points: host " + hostElsewhere
                        + "\nsandbox:\n" + sandboxTable + "\n" + c);
            }
            if (c.exit() == 0) {
                mounted++;
                assertTrue(sandboxTable.contains(" " + s.t + " ") || sandboxTable.contains(" " + s.b + "/t "),
                        "run " + i + " succeeded without its tmpfs on the checked directory:\n" + sandboxTable);
            } else {
                refused++;
                assertEquals(125, c.exit(), c.toString());
                String message = String.join("\n", c.result().messages());
                assertTrue(message.contains("ELOOP (Too many levels of symbolic links)")
                                || message.contains("the sandbox changed the host's mount table"),
                        "run " + i + " failed without saying why:\n" + message);
                if (refusals.size() < 2) {
                    refusals.add(message);
                }
            }
            unmountAll(sys, s);
        }
        assertEquals(runs, mounted + refused);
        System.out.println("racing renames: " + mounted + " runs mounted on the checked directory, " + refused
                + " failed with an error; for example " + refusals);
    }

    /** An unshared mount namespace, propagation left as copied, a tmpfs on {@code t}, a step that prints the table. */
    private Plan racedPlan(Path t) throws IOException {
        Plan base = TestPlans.sandbox(Flags.CLONE_NEWNS).shell("cat /proc/self/mountinfo").build();
        List<Op> ops = new ArrayList<>(base.ops());
        ops.removeIf(o -> o instanceof Op.SetPropagation);
        ops.add(new Op.Mount("tmpfs", t.toString(), "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "size=1m",
                at(11, "mounts[0]")));
        Plan plan = new Plan(base.spec(), List.of(), ops, List.of(), base.launch(), null, List.of());
        return HostEffectPredictor.predict(plan, MountTable.parse(Files.readString(Path.of("/proc/self/mountinfo"))));
    }

    /** Unmounts what the runs left on the host under the case's folder (the propagated tmpfs). */
    private static void unmountAll(Sys sys, Swap s) throws Exception {
        for (String p : List.of(s.t.toString(), s.b + "/t", s.elsewhere.toString())) {
            while (!mountsAt(p).isEmpty()) {
                sys.umount2(p, Flags.MNT_DETACH | Flags.UMOUNT_NOFOLLOW, "umount2(" + p + ")");
            }
        }
    }
}
