package dev.nsbox.mounts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountTableTest {

    static String resource(String name) {
        try (InputStream in = MountTableTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void parsesTheExampleOfProc5() {
        MountInfo m = MountTable.parseLine(
                "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue");
        assertEquals(36, m.id());
        assertEquals(35, m.parentId());
        assertEquals(98, m.major());
        assertEquals(0, m.minor());
        assertEquals("/mnt1", m.root());
        assertEquals("/mnt2", m.mountPoint());
        assertEquals(List.of("rw", "noatime"), m.options());
        assertEquals(1, m.masterGroup());
        assertEquals(0, m.sharedGroup());
        assertEquals("slave", m.propagation());
        assertEquals("ext3", m.fsType());
        assertEquals("/dev/root", m.source());
        assertEquals("rw,errors=continue", m.superOptions());
    }

    @Test
    void keepsEveryOptionalFieldIncludingUnknownOnes() {
        MountInfo m = MountTable.parseLine(
                "40 30 0:5 / /a ro shared:7 master:3 propagate_from:2 unbindable future:9 - tmpfs none rw");
        assertEquals(List.of("shared:7", "master:3", "propagate_from:2", "unbindable", "future:9"), m.optionalFields());
        assertEquals(7, m.sharedGroup());
        assertEquals(3, m.masterGroup());
        assertEquals(2, m.propagateFrom());
        assertTrue(m.unbindable());
        assertTrue(m.readOnly());
        assertEquals("shared,slave", m.propagation());
        assertEquals("shared:7 master:3 propagate_from:2 unbindable", m.propagationFields());
    }

    @Test
    void decodesTheKernelsOctalEscapesInPathsAndSources() {
        MountTable t = MountTable.parse(resource("systemd-like.mountinfo"));
        assertTrue(t.mountAt("/tmp/cap/s/with space").isPresent());
        assertEquals("a b", t.mountAt("/tmp/cap/s/with space").orElseThrow().source());
        assertTrue(t.mountAt("/tmp/cap/s/new\nline").isPresent());
        assertTrue(t.mountAt("/tmp/cap/s/back\\slash").isPresent());
        assertTrue(t.mountAt("/tmp/cap/s/tab\tx").isPresent());
        for (MountInfo m : t.mounts()) {
            assertEquals(m, MountTable.parseLine(m.toLine()), "round trip of " + m);
        }
        assertEquals(resource("systemd-like.mountinfo"), t.toText());
    }

    @Test
    void aSystemdLikeHostHasEveryMountSharedButTheOnesMadeOtherwise() {
        MountTable t = MountTable.parse(resource("systemd-like.mountinfo"));
        assertEquals("shared", t.root().orElseThrow().propagation());
        assertEquals(1, t.root().orElseThrow().sharedGroup());
        assertEquals("unbindable", t.mountAt("/tmp/cap/s/ub").orElseThrow().propagation());
        assertEquals("private", t.mountAt("/tmp/cap/s/pv").orElseThrow().propagation());
        // --make-slave of a mount whose peer group had no other member leaves it private
        // (fs/pnode.c do_make_slave: no peer and no master)
        assertEquals("private", t.mountAt("/tmp/cap/s/sl").orElseThrow().propagation());
    }

    @Test
    void stackedMountsResolveToTheTopmost() {
        MountTable t = MountTable.parse(resource("systemd-like.mountinfo"));
        // /dev/shm and /dev/pts are each mounted twice; the second is on top of the first
        MountInfo shm = t.mountAt("/dev/shm").orElseThrow();
        assertEquals(60, shm.id());
        assertEquals(59, shm.parentId());
        assertEquals(60, t.covering("/dev/shm/x/y").orElseThrow().id());
        assertEquals(2, t.children(58).size());
    }

    @Test
    void coveringIsTheLongestReachablePrefix() {
        MountTable t = MountTable.parse(resource("systemd-like.mountinfo"));
        assertEquals("/tmp/cap/s", t.covering("/tmp/cap/s/plain/file").orElseThrow().mountPoint());
        assertEquals("/", t.covering("/tmp/cap").orElseThrow().mountPoint());
        assertEquals("/", t.covering("/tmp/cap/ss").orElseThrow().mountPoint());
        assertFalse(t.mountAt("/tmp").isPresent());
    }

    @Test
    void aMountOnAShorterPrefixHidesEarlierMountsBelowIt() {
        MountTable t = MountTable.parse("""
                1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
                2 1 0:10 / /a/b rw - tmpfs first rw
                3 1 0:11 / /a rw - tmpfs second rw
                """);
        assertEquals(3, t.covering("/a/b").orElseThrow().id());
        assertFalse(t.mountAt("/a/b").isPresent());
        assertEquals(List.of(2, 3), t.children(1).stream().map(MountInfo::id).toList());
    }

    @Test
    void aContainerHasAnOverlayRootWhoseMasterIsOutsideIt() {
        MountTable t = MountTable.parse(resource("container.mountinfo"));
        MountInfo root = t.root().orElseThrow();
        assertEquals("overlay", root.fsType());
        assertEquals("slave", root.propagation());
        assertTrue(t.byId(root.parentId()).isEmpty(), "the parent is outside the container's root");
        assertEquals("/etc/hostname", t.mountAt("/etc/hostname").orElseThrow().root());
        assertTrue(t.mountAt("/etc/hostname").orElseThrow().readOnly());
    }

    @Test
    void nestedNamespacesShowSlavesOfTheOuterGroups() {
        MountTable t = MountTable.parse(resource("nested-slave.mountinfo"));
        assertEquals("slave", t.root().orElseThrow().propagation());
        // unbindable copied into a new mount namespace comes out private on Linux 6.18
        assertEquals("private", t.mountAt("/tmp/cap/s/ub").orElseThrow().propagation());
        assertEquals("proc", t.mountAt("/tmp/cap/s/pv").orElseThrow().fsType());
    }

    @Test
    void inAChrootASlaveWhoseMasterIsOutOfSightShowsTheDominatingGroup() {
        // captured with chroot(8): /b is a slave of group 23, whose only mount lies outside the
        // root; the nearest master group with a mount under the root is 22 (fs/pnode.c
        // get_dominating_id).
        MountTable t = MountTable.parse(resource("chroot-propagate-from.mountinfo"));
        assertTrue(t.root().isEmpty(), "nothing is mounted on the chroot's / itself");
        MountInfo b = t.mountAt("/b").orElseThrow();
        assertEquals(23, b.masterGroup());
        assertEquals(22, b.propagateFrom());
        assertEquals("slave", b.propagation());
        assertEquals(22, t.mountAt("/d").orElseThrow().sharedGroup());
        assertEquals("/b", t.covering("/b/x/y").orElseThrow().mountPoint());
        assertTrue(t.covering("/etc").isEmpty(), "the chroot's own directory is no mount of the table");
    }

    @Test
    void parsesTheTableOfThisCiMachine() {
        MountTable t = MountTable.parse(resource("ci-private.mountinfo"));
        assertEquals(20, t.size());
        assertEquals("ext4", t.root().orElseThrow().fsType());
        assertTrue(t.mounts().stream().allMatch(m -> m.propagation().equals("private")));
        assertEquals("cgroup2", t.covering("/sys/fs/cgroup/unified/x").orElseThrow().fsType());
    }

    @Test
    void malformedLinesAreRejectedNamingTheLine() {
        String ok = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n";
        assertEquals("mountinfo line 2: no \"-\" separator before the filesystem type: \"2 1 0:3 / /x rw tmpfs t rw\"",
                assertThrows(IllegalArgumentException.class,
                        () -> MountTable.parse(ok + "2 1 0:3 / /x rw tmpfs t rw\n")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MountTable.parse(ok + "x 1 0:3 / /x rw - tmpfs t rw")).getMessage()
                .startsWith("mountinfo line 2: mount ID \"x\" is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MountTable.parse(ok + "2 1 03 / /x rw - tmpfs t rw")).getMessage()
                .startsWith("mountinfo line 2: device \"03\" is not major:minor"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MountTable.parse(ok + "2 1 0:3 / /x rw - tmpfs t")).getMessage()
                .startsWith("mountinfo line 2: expected 3 fields after"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MountTable.parse(ok + "2 1 0:3 / x rw - tmpfs t rw")).getMessage()
                .startsWith("mountinfo line 2: mount point \"x\" is not an absolute path"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MountTable.parse(ok + ok)).getMessage().contains("mount ID 1 appears twice"));
    }
}
