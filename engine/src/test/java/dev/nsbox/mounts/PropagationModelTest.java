package dev.nsbox.mounts;

import dev.nsbox.mounts.PropagationModel.Kernel;
import dev.nsbox.mounts.PropagationModel.Namespace;
import dev.nsbox.mounts.PropagationModel.Refused;
import dev.nsbox.mounts.PropagationModel.Type;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model on its own, without privilege: the worked examples of sharedsubtree.rst, the
 * SPEC.md pitfall, slave chains and rbind. (PropagationKernelTest runs the same kinds of
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

    static String at(PropagationModel m, Namespace ns, String path) {
        PropagationModel.Mount x = m.mountAt(ns, path);
        return x == null ? "nothing" : x.fsType() + " " + x.propagation();
    }

    static List<String> hostEvents(PropagationModel m, Namespace host) {
        return m.events().stream().filter(e -> e.namespace() == host)
                .map(e -> e.kind() + " " + e.fsType() + " " + e.path() + " via " + e.via()).toList();
    }

    @Test
    void thePitfallUnchanged() {
        PropagationModel m = model();
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of("mount proc /proc via shared:3", "mount ext4 /work via shared:1"), hostEvents(m, host));
    }

    @Test
    void thePitfallNonRecursivePrivate() {
        PropagationModel m = model();
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(sbx, "/", Type.PRIVATE, false);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of("mount proc /proc via shared:3"), hostEvents(m, host));
    }

    @Test
    void thePitfallRecursivePrivate() {
        PropagationModel m = model();
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(sbx, "/", Type.PRIVATE, true);
        m.mountFresh(sbx, "proc", "proc", "/proc");
        m.bind(sbx, "/work", "/work", false);
        assertEquals(List.of(), hostEvents(m, host));
        assertEquals(HOST, m.table(host));
    }

    @Test
    void aNewNamespaceCopiesEveryMountIntoItsOriginalsGroup() {
        PropagationModel m = model();
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        assertEquals(List.of("/ shared:1", "/proc shared:3", "/srv private"), m.table(sbx).mounts().stream()
                .map(x -> x.mountPoint() + " " + x.propagationFields()).toList());
        Namespace user = m.unshare(host, "userns", true);
        assertEquals(List.of("/ master:1", "/proc master:3", "/srv private"), m.table(user).mounts().stream()
                .map(x -> x.mountPoint() + " " + x.propagationFields()).toList());
    }

    @Test
    void unbindableIsCopiedAsTheKernelVersionSays() {
        MountTable t = MountTable.parse("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n"
                + "2 1 0:20 / /u rw unbindable - tmpfs u rw\n");
        PropagationModel new618 = new PropagationModel(Kernel.of(6, 18));
        Namespace a = new618.unshare(new618.load("host", t), "s", false);
        assertEquals("tmpfs private", at(new618, a, "/u"));
        PropagationModel old = new PropagationModel(Kernel.of(6, 17));
        Namespace b = old.unshare(old.load("host", t), "s", false);
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
        Namespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", Type.SHARED, false);
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
        Namespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", Type.SHARED, false);
        m.bind(ns, "/mnt", "/tmp", false);
        m.setPropagation(ns, "/tmp", Type.SLAVE, false);
        assertEquals("tmpfs master:1", at(m, ns, "/tmp"));
        m.mountFresh(ns, "ext2", "/dev/sd0", "/mnt/a");
        assertEquals("ext2 master:2", at(m, ns, "/tmp/a"));
        m.mountFresh(ns, "ext3", "/dev/sd1", "/tmp/b");
        assertEquals("nothing", at(m, ns, "/mnt/b"));
    }

    @Test
    void example2dUnbindableMount() {
        PropagationModel m = model();
        Namespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /mnt rw - tmpfs mnt rw
                """));
        m.setPropagation(ns, "/mnt", Type.UNBINDABLE, false);
        assertEquals("EINVAL", assertThrows(Refused.class, () -> m.bind(ns, "/mnt", "/tmp", false)).errno());
        // making it shared clears the mark (set_mnt_shared)
        m.setPropagation(ns, "/mnt", Type.SHARED, false);
        m.bind(ns, "/mnt", "/tmp", false);
        assertEquals("tmpfs shared:1", at(m, ns, "/tmp"));
    }

    @Test
    void makeSlaveOfASharedMountAloneInItsGroupLeavesItPrivateAndItsSlavesFree() {
        PropagationModel m = model();
        Namespace ns = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:5 - tmpfs a rw
                3 1 0:20 / /b rw master:5 - tmpfs a rw
                """));
        m.setPropagation(ns, "/a", Type.SLAVE, false);
        assertEquals("tmpfs private", at(m, ns, "/a"));
        assertEquals("tmpfs private", at(m, ns, "/b"), "do_make_slave: with no master the slaves are released");
    }

    @Test
    void aSlaveChainCarriesMountsDownAndNeverUp() {
        PropagationModel m = model();
        Namespace ns = m.load("host", MountTable.parse("""
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
        Namespace ns = m.load("host", MountTable.parse("""
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
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.bind(sbx, "/srv", "/mnt", false);
        assertEquals("tmpfs shared:4", at(m, sbx, "/mnt"));
        assertEquals("tmpfs shared:4", at(m, host, "/mnt"));
    }

    @Test
    void anUnmountUnderASharedParentPropagatesUnlessSomethingIsMountedOnTheCopy() {
        PropagationModel m = model();
        Namespace host = m.load("host", MountTable.parse("""
                1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
                2 1 0:20 / /a rw shared:2 - tmpfs a rw
                3 1 0:21 / /b rw shared:3 - tmpfs b rw
                """));
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.setPropagation(m.mountAt(host, "/b"), Type.PRIVATE, false);
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
        Namespace host = m.load("host", HOST);
        Namespace sbx = m.unshare(host, "sandbox", false);
        m.mountFresh(sbx, "tmpfs", "root", "/tmp");
        m.chdir(sbx, "/tmp");
        Refused r = assertThrows(Refused.class, () -> m.pivotRoot(sbx, ".", "."));
        assertEquals("EINVAL", r.errno());
        m.setPropagation(sbx, "/", Type.PRIVATE, true);
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
        Namespace host = m.load("host", HOST);
        Namespace tree = m.openTree(host, "/proc", false, "tree0");
        assertEquals(3, m.treeRoot(tree).group());
        m.mountFresh(host, "tmpfs", "x", "/proc/x");
        assertEquals(List.of(), m.table(tree).children(m.treeRoot(tree).id()));
        m.moveMount(tree, host, "/mnt");
        assertEquals("proc shared:3", at(m, host, "/mnt"));
        assertThrows(Refused.class, () -> m.moveMount(tree, host, "/mnt2"));
    }
}
