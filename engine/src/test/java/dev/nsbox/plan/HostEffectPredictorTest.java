package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.nsbox.plan.Flags.CLONE_NEWNS;
import static dev.nsbox.plan.Flags.CLONE_NEWPID;
import static dev.nsbox.plan.Flags.CLONE_NEWUSER;
import static dev.nsbox.plan.Flags.MNT_DETACH;
import static dev.nsbox.plan.Flags.MS_NODEV;
import static dev.nsbox.plan.Flags.MS_NOEXEC;
import static dev.nsbox.plan.Flags.MS_NOSUID;
import static dev.nsbox.plan.Flags.MS_PRIVATE;
import static dev.nsbox.plan.Flags.MS_REC;
import static dev.nsbox.plan.Flags.MS_SHARED;
import static dev.nsbox.plan.Flags.MS_UNBINDABLE;
import static dev.nsbox.plan.Op.OpenTree.Lookup.NO_SYMLINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-effect prediction of hand-built plans against a captured systemd-like table (every mount shared). */
class HostEffectPredictorTest {

    static final Kernel LINUX_6_18 = Kernel.of(6, 18);
    static final Kernel LINUX_6_1 = Kernel.of(6, 1);

    static MountTable systemdHost() {
        try (InputStream in = HostEffectPredictorTest.class.getResourceAsStream("/dev/nsbox/mounts/systemd-like.mountinfo")) {
            return MountTable.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Origin at(String path, int line) {
        return new Origin("nsbox.yaml", line, 5, path);
    }

    /** A plan of these operations and nothing else. */
    static Plan plan(Op... ops) {
        return new Plan(null, List.of(), List.of(ops), List.of(), null, null, List.of());
    }

    static final Op UNSHARE = new Op.Unshare(CLONE_NEWNS | CLONE_NEWPID, at("namespaces", 3));
    static final Op PROC = new Op.Mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null,
            at("mounts[3]", 20));
    static final Op OPEN_WORK = new Op.OpenTree(0, "/tmp/cap", NO_SYMLINKS, false, false, at("mounts[0].source", 10));
    static final Op MOVE_WORK = new Op.MoveMount(0, "/tmp/cap", at("mounts[0]", 9));

    static Op propagation(long flags) {
        return new Op.SetPropagation("/", flags, at("propagation", 4));
    }

    @Test
    void unchangedPropagationLetsProcAndTheBindReachTheHost() {
        Plan p = HostEffectPredictor.predict(plan(UNSHARE, PROC, OPEN_WORK, MOVE_WORK), systemdHost(), LINUX_6_18);
        List<String> lines = p.hostEffects().stream().map(HostEffect::describe).toList();
        assertEquals(List.of(
                "mounts[3] (proc on /proc) appears in the host at /proc through peer group shared:3",
                "mounts[0] (bind of /tmp/cap on /tmp/cap) appears in the host at /tmp/cap through peer group shared:1"),
                lines);
        HostEffect proc = p.hostEffects().get(0);
        assertEquals(20, proc.origin().line());
        assertEquals("proc", proc.fsType());
        assertEquals("/proc", proc.target());
        assertTrue(proc.rule().contains("sharedsubtree.rst, 2a"), proc.rule());
        assertTrue(p.diagnostics().isEmpty(), p.diagnostics().toString());
    }

    @Test
    void nonRecursivePrivateStopsTheBindButNotProc() {
        Plan p = HostEffectPredictor.predict(plan(UNSHARE, propagation(MS_PRIVATE), PROC, OPEN_WORK, MOVE_WORK),
                systemdHost(), LINUX_6_18);
        assertEquals(List.of("/proc"), p.hostEffects().stream().map(HostEffect::target).toList());
    }

    @Test
    void recursivePrivateSealsTheSandbox() {
        Plan plan = plan(UNSHARE, propagation(MS_REC | MS_PRIVATE), PROC, OPEN_WORK, MOVE_WORK);
        Plan p = HostEffectPredictor.predict(plan, systemdHost(), LINUX_6_18);
        assertEquals(List.of(), p.hostEffects());
        assertTrue(Simulator.simulate(plan, systemdHost(), LINUX_6_18).sealed());
    }

    @Test
    void aUserNamespaceTurnsTheCopiesIntoSlaves() {
        Op unshare = new Op.Unshare(CLONE_NEWNS | CLONE_NEWUSER, at("namespaces", 3));
        Simulation s = Simulator.simulate(plan(unshare, PROC, OPEN_WORK, MOVE_WORK), systemdHost(),
                LINUX_6_18);
        assertEquals(List.of(), s.effects());
        assertTrue(s.sealed());
        assertEquals("master:3", s.sandboxAfter().mountAt("/proc").map(m -> "").isPresent() ? s.sandboxAfter()
                .mounts().stream().filter(m -> m.mountPoint().equals("/proc") && m.fsType().equals("proc")
                        && m.masterGroup() != 0).findFirst().map(m -> "master:" + m.masterGroup()).orElse("none")
                : "none");
    }

    @Test
    void withoutAMountNamespaceEveryMountIsAHostEffect() {
        Plan p = HostEffectPredictor.predict(plan(new Op.Unshare(CLONE_NEWPID, at("namespaces", 3)), PROC), systemdHost(),
                LINUX_6_18);
        assertEquals(1, p.hostEffects().size());
        HostEffect e = p.hostEffects().get(0);
        assertNull(e.peerGroup());
        assertEquals("mounts[3] (proc on /proc) appears in the host at /proc (no new mount namespace: the mount is "
                + "made in the host's own)", e.describe());
    }

    @Test
    void aSharedTreeReachesTheHostAndItsPeersInOtherPlaces() {
        // /tmp/cap/s is shared:21 on the host; a tmpfs on a directory of it appears there too.
        Plan p = HostEffectPredictor.predict(plan(UNSHARE,
                        new Op.Mount("tmpfs", "/tmp/cap/s/pv2", "tmpfs", 0, null, at("mounts[1]", 12))),
                systemdHost(), LINUX_6_18);
        assertEquals(List.of("mounts[1] (tmpfs on /tmp/cap/s/pv2) appears in the host at /tmp/cap/s/pv2 through "
                + "peer group shared:21"), p.hostEffects().stream().map(HostEffect::describe).toList());
    }

    @Test
    void bindingAnUnbindableMountIsRefusedWithTheSpecLine() {
        // Linux 6.18 copies the host's unbindable mount into the sandbox as private: bindable.
        Op open = new Op.OpenTree(0, "/tmp/cap/s/ub", NO_SYMLINKS, true, false, at("mounts[2].source", 15));
        Op move = new Op.MoveMount(0, "/mnt", at("mounts[2]", 14));
        // (make-rprivate would clear the mark on any kernel: change_mnt_propagation.)
        Plan unchanged = plan(UNSHARE, open, move);
        assertEquals(List.of(), HostEffectPredictor.predict(unchanged, systemdHost(), LINUX_6_18).diagnostics());
        // Older kernels (and sharedsubtree.rst) keep it unbindable: EINVAL, and nothing after it runs.
        List<Diagnostic> d = HostEffectPredictor.predict(unchanged, systemdHost(), LINUX_6_1).diagnostics();
        assertEquals(1, d.size(), d.toString());
        assertEquals("nsbox.yaml:15:5: error: mounts[2]: the kernel will refuse open_tree(AT_FDCWD, "
                + "\"/tmp/cap/s/ub\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree0 with EINVAL: the mount "
                + "at /tmp/cap/s/ub is unbindable, and an unbindable mount cannot be bound (sharedsubtree.rst 5b; "
                + "fs/namespace.c __do_loopback)", d.get(0).format());
        // Made unbindable in the sandbox: refused on every kernel.
        Plan made = plan(UNSHARE, propagation(MS_REC | MS_PRIVATE),
                new Op.SetPropagation("/tmp/cap/s/pv", MS_UNBINDABLE, at("mounts[1].propagation", 13)),
                new Op.OpenTree(0, "/tmp/cap/s/pv", NO_SYMLINKS, false, false, at("mounts[2].source", 15)));
        assertEquals(1, HostEffectPredictor.predict(made, systemdHost(), LINUX_6_18).diagnostics().size());
    }

    /** The staging-root sequence the planner emits for {@code root: tmpfs}. */
    static List<Op> tmpfsRoot(long treePropagation) {
        List<Op> ops = new ArrayList<>(List.of(UNSHARE));
        if (treePropagation != 0) {
            ops.add(propagation(treePropagation));
        }
        Origin root = at("root", 6);
        ops.add(new Op.Mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", root));
        ops.add(new Op.Mkdir("/tmp/proc", 0755, at("mounts[0]", 20)));
        ops.add(new Op.Mount("proc", "/tmp/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null, at("mounts[0]", 20)));
        ops.add(new Op.Chdir("/tmp", root));
        ops.add(new Op.PivotRoot(".", ".", root));
        ops.add(new Op.Umount(".", MNT_DETACH, root));
        ops.add(new Op.Chdir("/", root));
        return ops;
    }

    @Test
    void aTmpfsRootBuiltInAPrivateTreeEndsWithOnlyItsOwnMounts() {
        Simulation s = Simulator.simulate(plan(tmpfsRoot(MS_REC | MS_PRIVATE).toArray(Op[]::new)),
                systemdHost(), LINUX_6_18);
        assertEquals(List.of(), s.diagnostics());
        assertEquals(List.of("/ tmpfs private", "/proc proc private"), s.sandboxAfter().mounts().stream()
                .map(m -> m.mountPoint() + " " + m.fsType() + " " + m.propagation()).toList());
        assertTrue(s.sealed());
        assertEquals(systemdHost().toText(), s.hostAfter().toText(), "the host's table is untouched");
    }

    @Test
    void pivotRootIntoASharedTreeIsRefused() {
        Simulation s = Simulator.simulate(plan(tmpfsRoot(0).toArray(Op[]::new)), systemdHost(), LINUX_6_18);
        List<String> errors = s.diagnostics().stream().map(Diagnostic::message).toList();
        assertTrue(errors.get(0).startsWith("root: the kernel will refuse pivot_root(\".\", \".\") with EINVAL: "
                + "the mount at put_old /tmp is shared"), errors.toString());
        // and the staging tmpfs and proc leaked to the host on the way
        assertEquals(List.of("/tmp", "/tmp/proc"), s.effects().stream().map(HostEffect::target).toList());
        assertFalse(s.sealed());
    }

    @Test
    void aSandboxLeftInTheHostsGroupsIsNotSealedEvenWithoutEffects() {
        Simulation s = Simulator.simulate(plan(UNSHARE), systemdHost(), LINUX_6_18);
        assertEquals(List.of(), s.effects());
        assertFalse(s.sealed());
        assertTrue(s.leaks().contains("shared:1 joins / in the sandbox to / in the host"), s.leaks().toString());
    }

    @Test
    void sharingAMountAfterwardsIsNotAHostEffectButKeepsTheGroup() {
        Plan plan = plan(UNSHARE, propagation(MS_REC | MS_PRIVATE), PROC,
                new Op.SetPropagation("/proc", MS_SHARED, at("mounts[3].propagation", 21)));
        Simulation s = Simulator.simulate(plan, systemdHost(), LINUX_6_18);
        assertEquals(List.of(), s.effects());
        assertTrue(s.sealed(), "a new group has no member in the host");
        MountInfo proc = s.sandboxAfter().mountAt("/proc").orElseThrow();
        assertTrue(proc.sharedGroup() > 25, proc.toLine());
    }
}
