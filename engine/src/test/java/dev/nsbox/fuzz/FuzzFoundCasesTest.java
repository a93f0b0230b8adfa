package dev.nsbox.fuzz;

import dev.nsbox.fuzz.SpecShape.MountShape;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smallest cases {@link DifferentialFuzzTest} found where nsbox's prediction differed from
 * the kernel, each replayed for real (a host tree in a mount namespace of its own, the spec run
 * by the executor) and named for the kernel behaviour it pins. Each passes only when the
 * prediction, the run and the host's table after it all agree.
 */
class FuzzFoundCasesTest {

    @TempDir
    Path tmp;

    private Differential fuzz;

    @BeforeEach
    void scratch() throws Exception {
        Privileges.assumeScratchRoot();
        fuzz = new Differential(Files.createDirectories(tmp.resolve("b")));
    }

    // mount_setattr(2) works on a mount: on a directory that is not one it is EINVAL, and the
    // plan says so instead of predicting success (fuzz seed 9).
    @Test
    void aRemountOfADirectoryThatIsNoMountPointIsRefusedWithEinval() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false, remount("$B/c", true, null)));
    }

    // do_make_slave: make-slave turns only a shared mount into a slave; a private tree stays
    // private, so "rslave" on a host whose / is private is not a verification failure (seed 127).
    @Test
    void rslaveOfATreeCopiedFromAPrivateHostLeavesItPrivate() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rslave", false));
    }

    // change_mnt_propagation(MS_SLAVE) keeps the unbindable mark; the expectation of the earlier
    // remount is what the later one leaves.
    @Test
    void makeSlaveOfAnUnbindableMountLeavesItUnbindable() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false,
                remount("$B", null, "unbindable"), remount("$B", null, "slave")));
    }

    // A read-only bind stacked on a mount hides that mount's submounts: nothing can write there,
    // and the verifier does not ask them to be read-only (seed 236).
    @Test
    void aReadOnlyBindOverAMountWithSubmountsLeavesTheHiddenSubmountsAlone() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.tmpfs("$B/a")),
                spec("private", false, bind("$B/a", "$B", null, true, null)));
    }

    // The same for a writable tmpfs of the spec covered by a later read-only bind on the same
    // target, under a read-only root (seed 195).
    @Test
    void aWritableTmpfsCoveredByALaterReadOnlyBindIsHidden() {
        agrees(List.of(), spec("slave", true, fresh("tmpfs", "$B"), bind("$B", "$B", false, true, null)));
    }

    // attach_recursive_mnt tucks the host's mount on $B under the copy that propagates onto the
    // same place (mnt_change_mountpoint): its new parent is the predicted mount, not a leak
    // (seed 25).
    @Test
    void aHostMountTuckedUnderAPropagatedCopyIsPartOfThePredictedEffect() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.bind("$B", "$B", true)),
                spec("slave", false, bind("$B", "$B", null, null, null)));
    }

    // pivot_root(".", ".") + umount2(".", MNT_DETACH) with only / made private: the old root's
    // submounts are still shared, and their unmounts propagate to the host (propagate_umount).
    // A host mount reached from two unmounted peers goes once, and is one predicted effect, not
    // two (seed 307).
    @Test
    void anUnmountReachingOneHostMountFromTwoPeersIsOneEffect() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B", "$B/a", true),
                HostSetup.tmpfs("$B/a/a")), new SpecShape("private", false, "tmpfs", false, List.of()));
    }

    // propagate_mnt copies the whole tree onto each receiver: a recursive bind landing on a
    // shared mount brings its submounts into the host too, and each is a predicted effect
    // (seed 1283).
    @Test
    void theSubmountsOfATreePropagatedToTheHostAreEffectsToo() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.make("$B", "shared", false), HostSetup.tmpfs("$B/b")),
                new SpecShape("unchanged", false, "host", true, List.of(bind("$B", "$B", true, null, null))));
    }

    // A bind on $B/b under stacked peers on $B propagates a copy onto the covered lower one too,
    // at the same mount point: the verifier checks the mount a process reaches, not that copy
    // (seed 1536).
    @Test
    void theVerifierChecksTheReachableMountNotACopyUnderAStack() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B", "$B", false)),
                new SpecShape("shared", true, "host", true, List.of(bind("$B/c", "$B/b", true, null, "rprivate"))));
    }

    // procfs resolves a string pidns= with filp_open in the caller's context: once a proc of the
    // sandbox's PID namespace covers /proc, /proc/thread-self names no task there (the sandbox's
    // thread has no pid in it) and a second proc mount with the path would be ENOENT. The
    // namespace is passed as a descriptor opened before any mount (fsconfig FSCONFIG_SET_FD
    // "pidns") (seeds 40, 331, 1397).
    @Test
    void aProcMountedAfterAProcOnProcGetsItsPidNamespaceFromADescriptor() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false, fresh("proc", "/proc"), fresh("proc", "$B/a")));
    }

    // A proc of the sandbox's PID namespace holds the entries every procfs has
    // (proc_root_init) and the pid directories of that namespace alone: none of the host's
    // pids, nor anything else the host's directory had. A target missing there is a plan error
    // with the spec line, as docs/spec.md says of a missing target, not an ENOENT at run time (seeds
    // 298, 771, 1089).
    @Test
    void aTargetMissingInsideAProcOfTheSpecIsAPlanError() {
        refused(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false, fresh("proc", "$B"), bind("$B/c", "$B/a", null, null, null)),
                "mounts[1].target $B/a does not exist: it lies in a proc mount where nsbox cannot create it");
    }

    // ... and a target that every procfs has, such as sys, is a mount point like any other.
    @Test
    void aTargetThatEveryProcHasIsAMountPointInsideAProcOfTheSpec() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false, fresh("proc", "$B/a"), fresh("tmpfs", "$B/a/sys")));
    }

    // propagate_mnt gives each copy the flags of the mount it copies, not those of where it
    // lands: a tmpfs the spec mounts on $B/a of a tree still shared with itself ($B rbound on
    // $B/c) puts a writable copy under the read-only bind of $B/c. The plan warns, naming both
    // spec lines, and the verifier expects that copy instead of failing the run (seeds 228,
    // 306, 509, 600, 656, 888).
    @Test
    void aLaterMountPropagatesAWritableCopyIntoARecursivelyReadOnlyBind() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.make("$B", "shared", false), HostSetup.bind("$B", "$B/c", true)),
                new SpecShape("unchanged", false, "host", false, List.of(bind("$B/c", "$B/c", true, true, null),
                        fresh("tmpfs", "$B/a"))));
    }

    // The same copy lands on the read-only target itself when a peer of the target's parent
    // receives the later mount on the target's root: $B/c is a bind of $B/a, a peer of $B, so a
    // bind on $B/a stacks a writable copy on $B/c, which is what a process reaches there
    // (seed 600).
    @Test
    void aLaterMountPropagatesAWritableCopyOnTopOfAReadOnlyBind() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B")),
                spec("shared", false, bind("$B/a", "$B/c", null, true, null), bind("$B/b", "$B/a", null, null, null)));
    }

    // A tmpfs on $B/b, whose mount is a peer of $B (an rbind of $B on $B/b, / rshared), lands
    // on $B too, inside the sandbox as well (sharedsubtree.rst 2a): the copy's empty root covers
    // $B/b, and the mkdir of a mount point inside the spec's tmpfs is ENOENT. plan predicts that
    // refusal with the spec line (seed 608).
    @Test
    void aCopyOfTheSpecsTmpfsCoveringItMakesTheMkdirOfAMountPointFail() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B", "$B/b", true)),
                new SpecShape("slave", false, "host", false, List.of(fresh("tmpfs", "$B/b"),
                        bind("$B/c", "$B/b/a/c", null, null, null))));
    }

    // A file hidden under /dev/null is still a file: hiding it again binds /dev/null again,
    // since a tmpfs on a file is ENOTDIR (mount(2)) (seed 1976).
    @Test
    void aFileHiddenTwiceIsHiddenWithDevNullTwice() {
        agrees(List.of(HostSetup.tmpfs("$B")), spec("rprivate", false, fresh("hide", "$B/f"), fresh("hide", "$B/f")));
    }

    // A tmpfs on $B/b/c propagates copies of itself (sharedsubtree.rst 2a, propagate_mnt) onto
    // every peer of the mount below it, inside the sandbox too: one covers $B/c/b with the new
    // tmpfs's empty root, so the later bind's target $B/c/b/a is no longer there and the
    // openat2(2) of it is ENOENT. plan predicts it at mounts[1] (seed 2178).
    @Test
    void aCopyOfTheSpecsTmpfsCoveringALaterBindTargetMakesTheAttachFailWithEnoent() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B/c", "$B/b", true),
                        HostSetup.bind("$B", "$B/c", true), HostSetup.tmpfs("$B/b/c")),
                spec("shared", false, fresh("tmpfs", "$B/b/c"), bind("$B/c/b/a", "$B/c/b/a", null, null, null)));
    }

    // An rbind of the empty directory $B/c/b on $B/c/a propagates a copy onto $B/a, a peer's
    // place (sharedsubtree.rst 2a): $B/a now shows that empty directory, and the later bind on
    // $B/a/b is ENOENT, though the host had $B/a/b. The simulation finds where the host showed
    // the directory $B/a now reaches and asks the host's files (seed 2628).
    @Test
    void aPropagatedBindCoveringALaterTargetWithAnEmptyDirectoryMakesTheAttachFailWithEnoent() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B/b", "$B/c", false),
                        HostSetup.bind("$B", "$B/b", false), HostSetup.tmpfs("$B/c/a")),
                new SpecShape("shared", true, "host", true, List.of(bind("$B/c/b", "$B/c/a", true, null, "shared"),
                        bind("$B/a", "$B/a/b", null, true, null))));
    }

    // A bind of a shared host mount, made slave in the sandbox, is a slave of that peer group.
    // pivot_root's umount2(".", MNT_DETACH) unmounts the sandbox's copy and, propagated, the
    // host's own mount on $B: the group loses its last peer, and umount_tree's
    // change_mnt_propagation leaves the slave with no master, private (seed 957).
    @Test
    void aSlaveWhosePeerGroupIsUnmountedEverywhereBecomesPrivate() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.tmpfs("$B")),
                new SpecShape("slave", true, "tmpfs", false, List.of(bind("$B/a", "$B/b", false, null, "slave"))));
    }

    // The second rbind of $B lands on the first, a peer of the host's shared mounts on $B and
    // $B/a: copies propagate to the host (sharedsubtree.rst 2a), and to the sandbox's own
    // copies of those mounts in the old root, whose umount2(".", MNT_DETACH) then takes the
    // host's copies away again (propagate_umount). The plan names both; the host's table after
    // the run cannot show either, and the differential no longer counts them as missing
    // (seed 2343).
    @Test
    void aCopyPropagatedToTheHostAndUnmountedAgainBySetUpLeavesNoTrace() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.bind("$B/c", "$B/a", false),
                        HostSetup.make("$B/a", "shared", false), HostSetup.bind("$B/a", "$B", false)),
                new SpecShape("unbindable", true, "tmpfs", false,
                        List.of(bind("$B", "$B", true, null, null), bind("$B", "$B", true, null, null))));
    }

    // pivot_root's umount2(".", MNT_DETACH) propagates to the host's bind on $B (a peer of the
    // sandbox's copy), which a private tmpfs covers entirely: propagate_umount still takes the
    // bind, and the covering "topper" drops onto its place (find_topper,
    // mnt_change_mountpoint). The host loses a mount and one changes its parent, both
    // predicted (seed 4451).
    @Test
    void aPropagatedUnmountTakesAMountCoveredByATopperAndDropsTheTopperInItsPlace() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B/a", "$B", false),
                        HostSetup.tmpfs("$B"), HostSetup.make("$B", "private", true),
                        HostSetup.bind("$B/a", "$B/c", true)),
                new SpecShape("slave", false, "tmpfs", false, List.of()));
    }

    // A non-recursive bind of "/" on $B joins the peer group of the sandbox's "/" (rshared); a
    // bind on $B then lands on it and propagates a copy onto the sandbox's "/" itself. A path
    // walk starts at the process's root mount and crosses mounts only at the components it
    // steps into (fs/namei.c path_init, step_into), so $B still leads where it did, and the
    // tmpfs on $B goes on top of the second bind (seed 4093).
    @Test
    void aCopyStackedOnTheSandboxsRootDoesNotChangeWhereAbsolutePathsLead() {
        agrees(List.of(), spec("rshared", false, bind("/", "$B", false, null, null),
                bind("$B", "$B", null, true, null), fresh("tmpfs", "$B")));
    }

    // A non-recursive bind of $B leaves out the tmpfs on $B/c: $B/c/f is then the hidden
    // directory c of $B's own tmpfs, where f never was, and the later bind on $B/c/f is ENOENT.
    // The host's files are asked beneath the mounts on $B through a detached non-recursive
    // clone (open_tree(2) without AT_RECURSIVE) (seed 4545).
    @Test
    void aNonRecursiveBindLeavesOutTheMountThatHeldALaterTarget() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.tmpfs("$B/c")),
                new SpecShape("rshared", true, "host", true, List.of(bind("$B", "$B", false, true, "runbindable"),
                        bind("$B/c/f", "$B/c/f", true, null, "shared"))));
    }

    // mount_setattr(2) MOUNT_ATTR_RDONLY on the spec's own tmpfs makes the mkdir(2) of a later
    // mount point in it EROFS; plan refuses that mount with the spec line (seed 4904).
    @Test
    void aTmpfsRemountedReadOnlyTakesNoLaterMountPoint() {
        refused(List.of(), new SpecShape("shared", true, "host", false, List.of(fresh("tmpfs", "$B"),
                        remount("$B", true, "slave"), fresh("tmpfs", "$B/a"))),
                "mounts[2].target $B/a does not exist: it lies in a read-only tmpfs where nsbox cannot create it; "
                        + "an earlier remount made that tmpfs read-only: put the remount after this mount");
    }

    // A later tmpfs on $B/a/c lands on the copy of the proc of $B/b/b that $B/a/c (a peer of
    // $B/b's tmpfs rooted at its b) received; the proc is shared, so the tmpfs propagates back
    // onto the proc's root at $B/b/b (sharedsubtree.rst 2a, propagate_mnt). The sandbox then
    // reads tmpfs at $B/b/b, and the expectation asks for the copy's filesystem (seed 3135).
    @Test
    void aCopyPropagatedOnTopOfAProcTargetCoversIt() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.make("$B", "shared", false), HostSetup.tmpfs("$B/a"),
                        HostSetup.tmpfs("$B/b"), HostSetup.bind("$B/b/b", "$B/a/c", true)),
                new SpecShape("unchanged", true, "host", true, List.of(fresh("proc", "$B/b/b"),
                        fresh("tmpfs", "$B/a/c"))));
    }

    // The same with $B runbindable on the host: open_tree(2) cannot clone an unbindable mount
    // (__do_loopback: EINVAL), so the host's files beneath $B are read through a clone made in a
    // namespace of a thread of its own, where $B's copy is made private first; $B/a/b is not
    // there, and the later bind on it is ENOENT (seed 4552).
    @Test
    void aNonRecursiveBindOfAnUnbindableHostMountLeavesOutTheMountThatHeldALaterTarget() {
        agrees(List.of(HostSetup.tmpfs("$B"), HostSetup.make("$B", "unbindable", true), HostSetup.tmpfs("$B/a")),
                new SpecShape("rshared", true, "tmpfs", false, List.of(bind("$B", "$B", false, true, null),
                        bind("$B/b", "$B/a/b", false, null, null))));
    }

    // pivot_root's umount2(".", MNT_DETACH) propagates to the host's bind on $B/a, which the
    // tmpfs on it covers entirely: the bind goes and that topper drops onto its place, $B/a in
    // the second tmpfs on $B (mnt_change_mountpoint). The propagated unmount of that tmpfs then
    // finds a child below its root: it is no leaf, and propagate_umount keeps it (seed 4677).
    @Test
    void aTopperDroppedBelowTheRootOfAPropagatedUnmountsParentKeepsTheParent() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.tmpfs("$B"),
                        HostSetup.bind("$B/c", "$B/a", true), HostSetup.make("$B/a", "unbindable", true),
                        HostSetup.tmpfs("$B/a")),
                new SpecShape("slave", true, "tmpfs", false, List.of()));
    }

    // A proc of the spec, mounted on a peer of $B, propagates onto $B itself (sharedsubtree.rst
    // 2a): $B/b is then "/b" of a procfs, which no procfs holds, and the later bind's target is
    // gone (openat2 ENOENT). The plan says so at the bind's line (seed 7739; 10300 the same).
    @Test
    void aProcCopyPropagatedOverALaterTargetLeavesItMissing() {
        agrees(List.of(HostSetup.rshareRoot(), HostSetup.tmpfs("$B"), HostSetup.bind("$B", "$B/c", true)),
                spec("unchanged", false, fresh("proc", "$B/c"), bind("$B/b", "$B/b", false, null, "rshared")));
    }

    private void agrees(List<HostSetup> host, SpecShape spec) {
        Differential.Outcome o = fuzz.replay(0, new Differential.Case(host, spec));
        assertEquals(Differential.Status.OK, o.status(), fuzz.report(o));
    }

    private void refused(List<HostSetup> host, SpecShape spec, String error) {
        Differential.Outcome o = fuzz.replay(0, new Differential.Case(host, spec));
        assertEquals(Differential.Status.INVALID, o.status(), fuzz.report(o));
        assertTrue(o.detail().replace(fuzz.base(), "$B").contains(error), fuzz.report(o));
    }

    private static SpecShape spec(String propagation, boolean rootReadOnly, MountShape... mounts) {
        return new SpecShape(propagation, true, "host", rootReadOnly, List.of(mounts));
    }

    private static MountShape bind(String source, String target, Boolean recursive, Boolean readOnly,
                                   String propagation) {
        return new MountShape("bind", source, target, recursive, readOnly, propagation);
    }

    private static MountShape remount(String target, Boolean readOnly, String propagation) {
        return new MountShape("remount", null, target, null, readOnly, propagation);
    }

    private static MountShape fresh(String type, String target) {
        return new MountShape(type, null, target, null, null, null);
    }
}
