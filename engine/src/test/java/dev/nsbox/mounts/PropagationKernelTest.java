package dev.nsbox.mounts;

import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nsbox.mounts.KernelTruth.bind;
import static dev.nsbox.mounts.KernelTruth.cloneAndMove;
import static dev.nsbox.mounts.KernelTruth.fresh;
import static dev.nsbox.mounts.KernelTruth.make;
import static dev.nsbox.mounts.KernelTruth.umount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The propagation model measured against the kernel of this machine. Each test builds a host
 * state in a nested scratch mount namespace (with {@code /} made rshared there, as systemd does),
 * runs operations in a sandbox namespace copied from it, and compares the mount tables the
 * kernel produced, in both namespaces, with the model's prediction. Nothing mounted here
 * survives the test: every mount is made inside a further {@code unshare --mount} of its own.
 */
class PropagationKernelTest {

    @BeforeEach
    void scratch() {
        Privileges.assumeScratchRoot();
    }

    private static KernelTruth.Outcome check(List<String> setup, List<KernelTruth.Op> ops) throws Exception {
        return check(setup, ops, false);
    }

    private static KernelTruth.Outcome check(List<String> setup, List<KernelTruth.Op> ops, boolean userNs)
            throws Exception {
        KernelTruth.Outcome o = KernelTruth.run(setup, ops, userNs);
        assertEquals(o.kernelOk(), o.modelOk(), "which operations the kernel refused");
        assertEquals(String.join("\n", o.kernelHost()), String.join("\n", o.modelHost()),
                "host table: kernel (expected) vs model");
        assertEquals(String.join("\n", o.kernelSandbox()), String.join("\n", o.modelSandbox()),
                "sandbox table: kernel (expected) vs model");
        return o;
    }

    private static boolean hostHas(KernelTruth.Outcome o, String line) {
        return o.kernelHost().stream().anyMatch(l -> l.startsWith(line));
    }

    // docs/spec.md, "Why a spec, and not just unshare": the pitfall in its three forms.

    @Test
    void unchangedPropagationLetsProcAndBindReachTheHost() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir -p $D/work"), List.of(
                fresh("proc", "proc", "/proc"),
                bind("$D/work", "$D/work", false)));
        assertTrue(hostHas(o, "/proc on /proc proc proc / shared:"), String.join("\n", o.kernelHost()));
        assertTrue(hostHas(o, "$D/work on / ext4") || hostHas(o, "$D/work on /"), String.join("\n", o.kernelHost()));
    }

    @Test
    void nonRecursivePrivateStopsTheBindButNotProc() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir -p $D/work"), List.of(
                make("/", PropagationType.PRIVATE, false),
                fresh("proc", "proc", "/proc"),
                bind("$D/work", "$D/work", false)));
        assertTrue(hostHas(o, "/proc on /proc proc proc / shared:"), String.join("\n", o.kernelHost()));
        assertFalse(hostHas(o, "$D/work on"), String.join("\n", o.kernelHost()));
    }

    @Test
    void recursivePrivateSealsTheSandbox() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir -p $D/work"), List.of(
                make("/", PropagationType.PRIVATE, true),
                fresh("proc", "proc", "/proc"),
                bind("$D/work", "$D/work", false)));
        assertEquals(o.canonicalBefore(), o.kernelHost(), "the host's table is unchanged");
    }

    // Slave chains (sharedsubtree.rst 2b, 3).

    @Test
    void mountsTravelDownASlaveChainAndNeverUp() throws Exception {
        KernelTruth.Outcome o = check(List.of(
                        "mkdir $B/a $B/s1 $B/s2",
                        "mount -t tmpfs a $B/a", "mkdir $B/a/x $B/a/y $B/a/z",
                        "mount --bind $B/a $B/s1", "mount --make-slave $B/s1", "mount --make-shared $B/s1",
                        "mount --bind $B/s1 $B/s2", "mount --make-slave $B/s2"),
                List.of(fresh("tmpfs", "x", "$B/a/x"), fresh("tmpfs", "y", "$B/s1/y"), fresh("tmpfs", "z", "$B/s2/z")));
        assertTrue(hostHas(o, "$B/s2/x on $B/s2 tmpfs x"), String.join("\n", o.kernelHost()));
        assertTrue(hostHas(o, "$B/s2/y on $B/s2 tmpfs y"), String.join("\n", o.kernelHost()));
        assertFalse(hostHas(o, "$B/a/y"), String.join("\n", o.kernelHost()));
        assertFalse(hostHas(o, "$B/s2/z"), String.join("\n", o.kernelHost()));
    }

    @Test
    void makeSlaveOfASharedMountWithPeersMakesItASlaveOfThatGroup() throws Exception {
        check(List.of("mkdir $B/a $B/b", "mount -t tmpfs a $B/a", "mkdir $B/a/x", "mount --bind $B/a $B/b"),
                List.of(make("$B/b", PropagationType.SLAVE, false), fresh("tmpfs", "x", "$B/a/x"), fresh("tmpfs", "w", "$B/b")));
    }

    @Test
    void makeSlaveOfAMountAloneInItsGroupLeavesItPrivate() throws Exception {
        check(List.of("mkdir $B/a", "mount -t tmpfs a $B/a", "mount --make-private $B/a", "mount --make-shared $B/a"),
                List.of(make("/", PropagationType.PRIVATE, true), make("$B/a", PropagationType.SHARED, false),
                        make("$B/a", PropagationType.SLAVE, false)));
    }

    // rbind of trees with unbindable and shared submounts (sharedsubtree.rst 5b, 8).

    @Test
    void rbindCopiesSharedSubmountsIntoTheirGroupsAndPrunesUnbindableOnes() throws Exception {
        KernelTruth.Outcome o = check(List.of(
                        "mkdir $B/t $B/dst", "mount -t tmpfs t $B/t", "mkdir $B/t/u $B/t/s $B/t/p",
                        "mount -t tmpfs u $B/t/u", "mount --make-unbindable $B/t/u",
                        "mount -t tmpfs s $B/t/s", "mount -t tmpfs p $B/t/p", "mount --make-private $B/t/p"),
                List.of(make("$B/t/s", PropagationType.UNBINDABLE, false), bind("$B/t", "$B/dst", true)));
        // On Linux 6.18 the host's unbindable u reached the sandbox as private, so it is bound.
        assertTrue(hostHas(o, "$B/dst/u on $B/dst tmpfs u"), String.join("\n", o.kernelHost()));
        assertFalse(hostHas(o, "$B/dst/s"), String.join("\n", o.kernelHost()));
    }

    @Test
    void bindingAnUnbindableMountIsRefused() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/u $B/dst", "mount -t tmpfs u $B/u"),
                List.of(make("$B/u", PropagationType.UNBINDABLE, false), bind("$B/u", "$B/dst", false),
                        bind("$B/u", "$B/dst", true)));
        assertEquals(List.of(true, false, false), o.kernelOk());
    }

    // The worked examples of sharedsubtree.rst, with /mnt, /tmp, /root under $B.

    @Test
    void sharedSubtreeExampleSharedMount() throws Exception {
        // 2a: mount --make-shared /mnt; mount --bind /mnt /tmp; a mount on /tmp/a shows in /mnt/a.
        check(List.of("mkdir $B/mnt $B/tmp", "mount -t tmpfs mnt $B/mnt", "mkdir $B/mnt/a $B/mnt/b"),
                List.of(make("/", PropagationType.PRIVATE, true), make("$B/mnt", PropagationType.SHARED, false),
                        bind("$B/mnt", "$B/tmp", false), fresh("tmpfs", "sd0", "$B/tmp/a"),
                        // 2b: make-slave /mnt; a mount on /tmp/b shows in /mnt/b, not the other way
                        make("$B/mnt", PropagationType.SLAVE, false), fresh("tmpfs", "sd1", "$B/tmp/b"),
                        fresh("tmpfs", "sd2", "$B/mnt/a")));
    }

    @Test
    void sharedSubtreeExampleRbindOfUnbindable() throws Exception {
        // 2d and section 8 ("the rbind explosion"): with /root/tmp unbindable, rbinding /root
        // repeatedly under /root/tmp does not multiply mounts.
        check(List.of("mkdir $B/root", "mount -t tmpfs root $B/root", "mkdir $B/root/tmp"),
                List.of(bind("$B/root/tmp", "$B/root/tmp", false), make("$B/root", PropagationType.SHARED, true),
                        make("$B/root/tmp", PropagationType.UNBINDABLE, false),
                        fresh("tmpfs", "m", "$B/root/tmp"),
                        bind("$B/root", "$B/root/tmp", true)));
    }

    @Test
    void sharedSubtreeExampleMoveOfASharedSourceOntoASharedDestination() throws Exception {
        // 5b: bind of a shared source onto a shared destination; copies go to every peer of
        // the destination, joined to the source's group.
        check(List.of("mkdir $B/A $B/B $B/C", "mount -t tmpfs A $B/A", "mkdir $B/A/a", "mount -t tmpfs B $B/B",
                        "mkdir $B/B/b", "mount --bind $B/B $B/C", "mkdir $B/A/a/x"),
                List.of(bind("$B/A/a", "$B/B/b", false), fresh("tmpfs", "x", "$B/C/b/x")));
    }

    // What the executor does: open_tree clones moved with move_mount.

    @Test
    void aDetachedCloneOfASharedTreeMovedOntoASharedMountReachesTheHost() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/src $B/dst $B/src/u", "mount -t tmpfs u $B/src/u",
                        "mount --make-unbindable $B/src/u"),
                List.of(cloneAndMove("$B/src", "$B/dst", true)));
        assertTrue(hostHas(o, "$B/dst on $B tmpfs base /src shared:"), String.join("\n", o.kernelHost()));
    }

    @Test
    void aDetachedTreeWithAnUnbindableMountCannotGoOntoASharedMount() throws Exception {
        // A detached tree may go onto a shared mount (and propagates from there). A recursive
        // open_tree prunes unbindable submounts as rbind does, so the only way to hold one is to
        // mark the detached tree unbindable itself: that tree is refused on a shared mount
        // (fs/namespace.c do_move_mount) and accepted on a private one.
        KernelTruth.Outcome o = check(List.of("mkdir $B/src $B/dst $B/dst2 $B/p $B/src/u", "mount -t tmpfs u $B/src/u",
                        "mount -t tmpfs p $B/p", "mount --make-private $B/p", "mkdir $B/p/dst"),
                List.of(make("$B/src/u", PropagationType.UNBINDABLE, false), cloneAndMove("$B/src", "$B/dst", true),
                        KernelTruth.cloneSetAndMove("$B/src", "$B/dst2", true, PropagationType.UNBINDABLE),
                        KernelTruth.cloneSetAndMove("$B/src", "$B/p/dst", true, PropagationType.UNBINDABLE)));
        assertEquals(List.of(true, true, false, true), o.kernelOk());
        assertFalse(hostHas(o, "$B/dst/u"), String.join("\n", o.kernelHost()));
    }

    @Test
    void anUnmountUnderASharedMountPropagatesToTheHost() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/a $B/b", "mount -t tmpfs a $B/a", "mount -t tmpfs b $B/b",
                        "mkdir $B/b/c", "mount -t tmpfs c $B/b/c"),
                List.of(umount("$B/a", false), umount("$B/b", true)));
        assertFalse(hostHas(o, "$B/a on"), String.join("\n", o.kernelHost()));
    }

    @Test
    void aNamespaceOwnedByANewUserNamespaceGetsSlaves() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/a", "mkdir $D/w"),
                List.of(fresh("tmpfs", "x", "$B/a"), bind("$D/w", "$D/w", false)), true);
        assertEquals(o.canonicalBefore(), o.kernelHost(), "nothing reaches the host");
    }

    @Test
    void aDetachedTreeMadePrivateStillBecomesSharedOnASharedDestination() throws Exception {
        // sharedsubtree.rst 5b: "dest shared" makes the source shared whatever it was; the
        // executor's mount_setattr on the detached tree does not stop the propagation.
        KernelTruth.Outcome o = check(List.of("mkdir $B/src $B/dst $B/src/sub", "mount -t tmpfs sub $B/src/sub"),
                List.of(KernelTruth.cloneSetAndMove("$B/src", "$B/dst", true, PropagationType.PRIVATE)));
        assertTrue(hostHas(o, "$B/dst/sub on $B/dst tmpfs sub / shared:"), String.join("\n", o.kernelHost()));
    }

    @Test
    void aDetachedTreeMadeSlaveOnAPrivateDestinationReceivesFromTheHostAndSendsNothing() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/src $B/p", "mkdir $B/src/x", "mount -t tmpfs p $B/p",
                        "mount --make-private $B/p", "mkdir $B/p/dst"),
                List.of(KernelTruth.cloneSetAndMove("$B/src", "$B/p/dst", false, PropagationType.SLAVE),
                        fresh("tmpfs", "y", "$B/p/dst/x")));
        assertTrue(o.kernelSandbox().stream().anyMatch(l -> l.startsWith("$B/p/dst on $B/p tmpfs base /src master:21")
                || l.matches("\\$B/p/dst on \\$B/p tmpfs base /src master:\\d+")), String.join("\n", o.kernelSandbox()));
    }

    @Test
    void aDetachedTreeMadeSlaveOnASharedDestinationIsSharedAgainAndReachesTheHost() throws Exception {
        check(List.of("mkdir $B/src $B/dst", "mkdir $B/src/x"),
                List.of(KernelTruth.cloneSetAndMove("$B/src", "$B/dst", false, PropagationType.SLAVE)));
    }

    @Test
    void pivotRootInAPrivateTreeAndTheOldRootsDetach() throws Exception {
        check(List.of("mkdir $B/nr"), List.of(
                make("/", PropagationType.PRIVATE, true),
                bind("/", "$B/nr", true),
                KernelTruth.chdir("$B/nr"),
                KernelTruth.pivotRootDot(),
                umount(".", true),
                KernelTruth.chdir("/")));
    }

    @Test
    void pivotRootIsRefusedWhileTheTreeIsShared() throws Exception {
        KernelTruth.Outcome o = check(List.of("mkdir $B/nr"), List.of(
                bind("/", "$B/nr", true),
                KernelTruth.chdir("$B/nr"),
                KernelTruth.pivotRootDot()));
        assertEquals(List.of(true, true, false), o.kernelOk());
    }

    @Test
    void aCopyLandingWhereTheReceiverHasAMountIsTuckedUnderIt() throws Exception {
        // The host keeps /a/x (it has /a/x/y on it) when the sandbox's lazy unmount propagates;
        // the sandbox's next mount on /a/x reaches the host's /a underneath the host's own x
        // (fs/namespace.c attach_recursive_mnt, "tuck" the existing mount on top).
        KernelTruth.Outcome o = check(List.of("mkdir $B/a", "mount -t tmpfs a $B/a", "mkdir $B/a/x",
                        "mount -t tmpfs x $B/a/x", "mount --make-private $B/a/x", "mkdir $B/a/x/y",
                        "mount -t tmpfs y $B/a/x/y"),
                List.of(umount("$B/a/x", true), fresh("tmpfs", "new", "$B/a/x")));
        assertTrue(hostHas(o, "$B/a/x on $B/a/x tmpfs x / private"), String.join("\n", o.kernelHost()));
    }

    @Test
    void aPeerThatDoesNotShowTheDirectoryGetsNoCopy() throws Exception {
        // fs/pnode.c need_secondary: $B/c shows only /sub of the shared tmpfs.
        KernelTruth.Outcome o = check(List.of("mkdir $B/a $B/c", "mount -t tmpfs a $B/a", "mkdir $B/a/sub $B/a/other",
                        "mkdir $B/a/sub/s $B/a/other/o", "mount --bind $B/a/sub $B/c"),
                List.of(fresh("tmpfs", "o", "$B/a/other/o"), fresh("tmpfs", "s", "$B/a/sub/s")));
        assertTrue(hostHas(o, "$B/c/s on $B/c tmpfs s"), String.join("\n", o.kernelHost()));
    }
}
