package dev.nsbox.mounts;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model on its own, without privilege: the worked examples of sharedsubtree.rst, the
 * docs/spec.md pitfall, slave chains and rbind. (PropagationKernelTest runs the same kinds of
 * scenario against the real kernel.)
 */
class PropagationModelTest {

    /** A systemd host: / and /proc, both shared, and a private /srv. */
    static final MountTable HOST = MountTable.parse("""
            1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
            2 1 0:3 / /proc rw shared:3 - proc proc rw
            3 1 0:20 / /srv rw - tmpfs srv rw
            """);

    static PropagationModel model() {
        return new PropagationModel(Kernel.of(6, 18));
    }

    static String at(PropagationModel m, MountNamespace ns, String path) {
        Mount x = m.mountAt(ns, path);
        return x == null ? "nothing" : x.fsType() + " " + x.propagation();
    }

    static List<String> hostEvents(PropagationModel m, MountNamespace host) {
        return m.events().stream().filter(e -> e.namespace() == host)
                .map(e -> e.kind().word() + " " + e.fsType() + " " + e.path() + " via " + e.via()).toList();
    }

    @Test
    void thePitfallUnchanged() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of("mount proc /proc via shared:3", "mount ext4 /work via shared:1"), hostEvents(m, host));
    }

    @Test
    void thePitfallNonRecursivePrivate() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(sbx, "/", PropagationType.PRIVATE, false);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of("mount proc /proc via shared:3"), hostEvents(m, host));
    }

    @Test
    void thePitfallRecursivePrivate() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(sbx, "/", PropagationType.PRIVATE, true);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of(), hostEvents(m, host));
        assertEquals(HOST, m.table(host));
    }

    @Test
    void aNewNamespaceCopiesEveryMountIntoItsOriginalsGroup() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        assertEquals(List.of("/ shared:1", "/proc shared:3", "/srv private"), m.table(sbx).mounts().stream()
                .map(x -> x.mountPoint() + " " + x.propagationFields()).toList());
        MountNamespace user = m.unshare(host, "userns", true);
        assertEquals(List.of("/ master:1", "/proc master:3", "/srv private"), m.table(user).mounts().stream()
                .map(x -> x.mountPoint() + " " + x.propagationFields()).toList());
    }

    @Test
    void unbindableIsCopiedAsTheKernelVersionSays() {
        MountTable t = MountTable.parse("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n"
                + "2 1 0:20 / /u rw unbindable - tmpfs u rw\n");
        PropagationModel new618 = new PropagationModel(Kernel.of(6, 18));
        MountNamespace a = new618.unshare(new618.load("host", t), "s", false);
        assertEquals("tmpfs private", at(new618, a, "/u"));
        PropagationModel old = new PropagationModel(Kernel.of(6, 17));
        MountNamespace b = old.unshare(old.load("host", t), "s", false);
        assertEquals("tmpfs unbindable", at(old, b, "/u"));
        assertEquals("EINVAL", assertThrows(Refused.class, () -> old.bind(b, "/u", "/x", false)).errno());
        assertEquals(new Kernel(true), Kernel.ofRelease("6.18.44-fc-v657"));
        assertEquals(new Kernel(false), Kernel.ofRelease("5.15.0-91-generic"));
    }

    // sharedsubtree.rst, section 2 ("Mount propagation ... shared, slave, private, unbindable")

    @Test
    void example2aSharedMount() {
        // mount --make-shared /mnt; mount --bind /mnt /tmp; a mount on /tmp/a shows at /mnt/a too.
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", PropagationType.SHARED, false);
        m.bind(ns, "/mnt", "/tmp", false);
        m.mountFresh(ns, "ext2", "/dev/sd0", "/tmp/a");
        assertEquals("tmpfs shared:1", at(m, ns, "/tmp"));
        assertEquals("ext2 shared:2", at(m, ns, "/mnt/a"));
        // and the other way round
        m.mountFresh(ns, "ext3", "/dev/sd1", "/mnt/b");
        assertEquals("ext3 shared:3", at(m, ns, "/tmp/b"));
    }

    @Test
    void example2bSlaveMount() {
        // mount --make-shared /mnt; mount --bind /mnt /tmp; mount --make-slave /tmp:
        // /mnt/a shows in /tmp/a, /tmp/b does not show in /mnt/b.
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", PropagationType.SHARED, false);
        m.bind(ns, "/mnt", "/tmp", false);
        m.setPropagation(ns, "/tmp", PropagationType.SLAVE, false);
        assertEquals("tmpfs master:1", at(m, ns, "/tmp"));
        m.mountFresh(ns, "ext2", "/dev/sd0", "/mnt/a");
        assertEquals("ext2 master:2", at(m, ns, "/tmp/a"));
        m.mountFresh(ns, "ext3", "/dev/sd1", "/tmp/b");
        assertEquals("nothing", at(m, ns, "/mnt/b"));
    }

    @Test
    void example2dUnbindableMount() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", PropagationType.UNBINDABLE, false);
        assertEquals("EINVAL", assertThrows(Refused.class, () -> m.bind(ns, "/mnt", "/tmp", false)).errno());
        // making it shared clears the mark (set_mnt_shared)
        m.setPropagation(ns, "/mnt", PropagationType.SHARED, false);
        m.bind(ns, "/mnt", "/tmp", false);
        assertEquals("tmpfs shared:1", at(m, ns, "/tmp"));
    }

    @Test
    void makeSlaveOfASharedMountAloneInItsGroupLeavesItPrivateAndItsSlavesFree() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:5 - tmpfs a rw
                3 1 0:20 / /b rw master:5 - tmpfs a rw
                """));
        m.setPropagation(ns, "/a", PropagationType.SLAVE, false);
        assertEquals("tmpfs private", at(m, ns, "/a"));
        assertEquals("tmpfs private", at(m, ns, "/b"), "do_make_slave: with no master the slaves are released");
    }

    @Test
    void aSlaveChainCarriesMountsDownAndNeverUp() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:5 - tmpfs a rw
                3 1 0:20 / /s1 rw shared:6 master:5 - tmpfs a rw
                4 1 0:20 / /s2 rw master:6 - tmpfs a rw
                """));
        m.mountFresh(ns, "tmpfs", "x", "/a/x");
        assertEquals("tmpfs shared:8 master:7", at(m, ns, "/s1/x"));
        assertEquals("tmpfs master:8", at(m, ns, "/s2/x"));
        m.mountFresh(ns, "tmpfs", "y", "/s1/y");
        assertEquals("nothing", at(m, ns, "/a/y"));
        assertEquals("tmpfs master:9", at(m, ns, "/s2/y"));
    }

    @Test
    void rbindPrunesUnbindableSubmountsAndKeepsSharedOnesInTheirGroups() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /t rw - tmpfs t rw
                3 2 0:21 / /t/u rw unbindable - tmpfs u rw
                4 2 0:22 / /t/s rw shared:7 - tmpfs s rw
                5 4 0:23 / /t/s/p rw - tmpfs p rw
                """));
        m.bind(ns, "/t", "/dst", true);
        assertEquals("tmpfs private", at(m, ns, "/dst"));
        assertEquals("nothing", at(m, ns, "/dst/u"));
        assertEquals("tmpfs shared:7", at(m, ns, "/dst/s"));
        assertEquals("tmpfs private", at(m, ns, "/dst/s/p"));
        // a plain bind takes the top only
        m.bind(ns, "/t", "/dst2", false);
        assertEquals("nothing", at(m, ns, "/dst2/s"));
    }

    @Test
    void aBindOntoASharedDestinationBecomesSharedAndIsCopiedToEveryPeer() {
        // sharedsubtree.rst 5b: a private source on a shared destination becomes shared, in a new group.
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.bind(sbx, "/srv", "/mnt", false);
        assertEquals("tmpfs shared:4", at(m, sbx, "/mnt"));
        assertEquals("tmpfs shared:4", at(m, host, "/mnt"));
    }

    @Test
    void anUnmountUnderASharedParentPropagatesUnlessSomethingIsMountedOnTheCopy() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:2 - tmpfs a rw
                3 1 0:21 / /b rw shared:3 - tmpfs b rw
                """));
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(m.mountAt(host, "/b"), PropagationType.PRIVATE, false);
        m.mountFresh(host, "tmpfs", "pin", "/b/pin");
        m.umount(sbx, "/a", false);
        m.umount(sbx, "/b", true);
        assertEquals("nothing", at(m, host, "/a"));
        assertEquals("tmpfs private", at(m, host, "/b"), "the host's /b has a mount of its own on it");
        assertThrows(Refused.class, () -> m.umount(sbx, "/nothing", false));
    }

    @Test
    void pivotRootRefusesSharedMountsAndOtherwiseMovesTheOldRootAway() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.mountFresh(sbx, "tmpfs", "root", "/tmp");
        m.chdir(sbx, "/tmp");
        Refused r = assertThrows(Refused.class, () -> m.pivotRoot(sbx, ".", "."));
        assertEquals("EINVAL", r.errno());
        m.setPropagation(sbx, "/", PropagationType.PRIVATE, true);
        m.pivotRoot(sbx, ".", ".");
        assertEquals("ext4 private", at(m, sbx, "/"), "the old root sits on top of the new one");
        m.umount(sbx, ".", true);
        m.chdir(sbx, "/");
        assertEquals(List.of("/ tmpfs"), m.table(sbx).mounts().stream()
                .map(x -> x.mountPoint() + " " + x.fsType()).toList());
        assertTrue(m.table(host).mountAt("/tmp").isPresent(), "the tmpfs reached the host before the tree was private");
        assertFalse(m.table(host).mountAt("/tmp").orElseThrow().propagation().equals("private"));
    }

    @Test
    void aDetachedCloneJoinsTheSourcesGroupButReceivesNothing() {
        PropagationModel m = model();
        MountNamespace host = m.load("host", HOST);
        MountNamespace tree = m.openTree(host, "/proc", false, "tree0");
        assertEquals(3, m.treeRoot(tree).group());
        m.mountFresh(host, "tmpfs", "x", "/proc/x");
        assertEquals(List.of(), m.table(tree).children(m.treeRoot(tree).id()));
        m.moveMount(tree, host, "/mnt");
        assertEquals("proc shared:3", at(m, host, "/mnt"));
        assertThrows(Refused.class, () -> m.moveMount(tree, host, "/mnt2"));
    }

    // The model's indexes (children by mount point, peer groups) against the list order the
    // kernel keeps: stacks, tucks, moves, unmounts and rbind copies.

    /**
     * "mount point, source" of each mount of the namespace, sorted: which mounts there are. Which
     * of a stack is on top is asked by lookups ({@link #at}) and unmounts, not by the table's
     * order, which the model keeps only for mounts loaded or made one by one.
     */
    static List<String> tableOf(PropagationModel m, MountNamespace ns) {
        return m.table(ns).mounts().stream().map(x -> x.mountPoint() + " " + x.source()).sorted().toList();
    }

    @Test
    void mountsStackedOnOneDirectoryAreFoundTopFirstAndUncoveredOneByOne() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw - tmpfs a1 rw
                3 2 0:21 / /a rw - tmpfs a2 rw
                """));
        m.mountFresh(ns, "tmpfs", "a3", "/a");
        m.mountFresh(ns, "tmpfs", "a3x", "/a/x");
        assertEquals(List.of("/ /dev/sda1", "/a a1", "/a a2", "/a a3", "/a/x a3x"), tableOf(m, ns));
        assertEquals("EBUSY", assertThrows(Refused.class, () -> m.umount(ns, "/a", false)).errno());
        m.umount(ns, "/a", true);
        assertEquals(List.of("/ /dev/sda1", "/a a1", "/a a2"), tableOf(m, ns));
        assertEquals("nothing", at(m, ns, "/a/x"));
        m.umount(ns, "/a", false);
        m.umount(ns, "/a", false);
        assertEquals("nothing", at(m, ns, "/a"));
        m.mountFresh(ns, "tmpfs", "again", "/a");
        assertEquals(List.of("/ /dev/sda1", "/a again"), tableOf(m, ns));
    }

    @Test
    void aMountAlreadyOnTheDirectoryIsTuckedOnTopOfThePropagatedCopy() {
        // mnt_change_mountpoint: the receiver's own mount ends up above the copy, so the
        // receiver's lookup still finds its own, and unmounting it uncovers the copy.
        PropagationModel m = model();
        MountNamespace host = m.load("host", MountTable.parse("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n"));
        MountNamespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(sbx, "/", PropagationType.SLAVE, false);
        m.mountFresh(sbx, "tmpfs", "own", "/m");
        m.mountFresh(sbx, "tmpfs", "own2", "/m/sub");
        m.mountFresh(host, "ext2", "propagated", "/m");
        assertEquals(List.of("/ /dev/sda1", "/m own", "/m propagated", "/m/sub own2"), tableOf(m, sbx));
        assertEquals("tmpfs private", at(m, sbx, "/m"));
        assertEquals("tmpfs private", at(m, sbx, "/m/sub"));
        m.umount(sbx, "/m", true);
        assertEquals("ext2 master:2", at(m, sbx, "/m"));
        assertEquals("nothing", at(m, sbx, "/m/sub"));
        assertEquals(List.of("/ /dev/sda1", "/m propagated"), tableOf(m, host));
    }

    @Test
    void aMovedTreeIsFoundWhereItWasMovedAndOnTopOfWhatWasThere() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /src rw - tmpfs src rw
                3 2 0:21 / /src/in rw - tmpfs in rw
                4 1 0:22 / /dst rw - tmpfs dst rw
                """));
        MountNamespace tree = m.openTree(ns, "/src", true, "tree0");
        assertEquals(List.of("/ src", "/in in"), tableOf(m, tree));
        m.setPropagation(m.treeRoot(tree), PropagationType.SHARED, true);
        m.moveMount(tree, ns, "/dst");
        assertEquals(List.of("/ /dev/sda1", "/dst dst", "/dst src", "/dst/in in", "/src src", "/src/in in"),
                tableOf(m, ns));
        assertEquals("tmpfs shared:1", at(m, ns, "/dst"));
        assertEquals("tmpfs shared:2", at(m, ns, "/dst/in"));
        assertEquals("tmpfs private", at(m, ns, "/src/in"));
        // a bind from the moved tree's inside lands on the same stack, on top
        m.bind(ns, "/dst/in", "/dst", false);
        assertEquals(List.of("/dst dst", "/dst in", "/dst src", "/dst/in in"), tableOf(m, ns).subList(1, 5));
        assertEquals("tmpfs shared:2", at(m, ns, "/dst"));
        assertEquals("nothing", at(m, ns, "/dst/in"));
        m.umount(ns, "/dst", false);
        assertEquals("tmpfs shared:1", at(m, ns, "/dst"));
    }

    @Test
    void anRbindCopiesStacksInOrderAndLookupsGoThroughTheCopies() {
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /t rw - tmpfs t rw
                3 2 0:21 / /t/s rw - tmpfs s1 rw
                4 3 0:22 / /t/s rw shared:4 - tmpfs s2 rw
                5 4 0:23 / /t/s/deep rw - tmpfs deep rw
                6 2 0:24 / /t/u rw unbindable - tmpfs u rw
                7 6 0:25 / /t/u/below rw - tmpfs below rw
                """));
        m.bind(ns, "/t", "/c1", true);
        m.bind(ns, "/c1", "/c2", true);
        assertEquals(List.of("/c2 t", "/c2/s s1", "/c2/s s2", "/c2/s/deep deep"),
                tableOf(m, ns).stream().filter(x -> x.startsWith("/c2")).toList());
        assertEquals("tmpfs shared:4", at(m, ns, "/c2/s"));
        assertEquals("tmpfs private", at(m, ns, "/c2/s/deep"));
        assertEquals("nothing", at(m, ns, "/c2/u"));
        // the copies in group 4 receive what is mounted on the original
        m.mountFresh(ns, "tmpfs", "late", "/t/s/late");
        assertEquals("tmpfs shared:5", at(m, ns, "/c2/s/late"));
        assertEquals("tmpfs shared:5", at(m, ns, "/c1/s/late"));
        // unmounting a copy's stack leaves the original's stack alone, but the unmount of the
        // copy's /late reaches its peers' /late (propagate_umount; sharedsubtree.rst 5c)
        m.umount(ns, "/c1", true);
        assertEquals("nothing", at(m, ns, "/c1/s"));
        assertEquals("tmpfs shared:4", at(m, ns, "/t/s"));
        assertEquals("tmpfs shared:4", at(m, ns, "/c2/s"));
        assertEquals("nothing", at(m, ns, "/t/s/late"));
        assertEquals("nothing", at(m, ns, "/c2/s/late"));
    }

    @Test
    void aPeerGroupThatLosesItsLastMemberHandsItsSlavesOn() {
        // do_make_slave once the group's other member was unmounted: its slaves go to its master.
        PropagationModel m = model();
        MountNamespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:5 master:9 - tmpfs a rw
                3 1 0:20 / /b rw shared:5 - tmpfs a rw
                4 1 0:20 / /c rw master:5 - tmpfs a rw
                """));
        m.setPropagation(ns, "/a", PropagationType.SLAVE, false);
        assertEquals("tmpfs master:5", at(m, ns, "/a"));
        m.umount(ns, "/a", false);
        m.setPropagation(ns, "/b", PropagationType.SLAVE, false);
        assertEquals("tmpfs private", at(m, ns, "/b"));
        assertEquals("tmpfs private", at(m, ns, "/c"));
    }
}
