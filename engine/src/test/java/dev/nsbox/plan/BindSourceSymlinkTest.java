package dev.nsbox.plan;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.RootType;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bind source that is, or passes through, a symlink is resolved once in the host's view when
 * the plan is made: the plan opens the resolved path and a note names both. A symlink that
 * leads nowhere is a missing source. The executor opens a resolved source without following any
 * symlink, so one put on its path since the plan is refused, not followed.
 */
class BindSourceSymlinkTest {

    private static List<String> calls(Plan plan) {
        return plan.ops().stream().map(Op::call).toList();
    }

    /** The notes about bind sources; the plan's other notes (the secure defaults) are not this test's. */
    private static List<String> sourceNotes(Plan plan) {
        return plan.notes().stream().filter(n -> n.startsWith("mounts[")).toList();
    }

    private static List<String> errors(Plan plan) {
        return plan.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format).toList();
    }

    @Test
    void aSymlinkedSourceIsOpenedWhereItLeadsAndThePlanSaysSo() {
        FakeHost host = new FakeHost().dir("/work/real").symlink("/work/link", "/work/real");
        Plan plan = Planner.plan(new TestSpecs().bind("/work/link", "/work/project", true).build(), host);
        assertEquals(List.of(), errors(plan));
        assertEquals(List.of("mounts[0].source /work/link resolves to /work/real"), sourceNotes(plan));
        assertTrue(calls(plan).contains("open_tree(AT_FDCWD, \"/work/real\", "
                + "OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree0"), calls(plan).toString());
        assertTrue(calls(plan).stream().noneMatch(c -> c.contains("/work/link")), calls(plan).toString());
    }

    /** How the executor is told to open each tree, by source. */
    private static Map<String, Op.OpenTree.Lookup> lookups(Plan plan) {
        Map<String, Op.OpenTree.Lookup> out = new LinkedHashMap<>();
        for (Op op : plan.ops()) {
            if (op instanceof Op.OpenTree t) {
                out.put(t.source(), t.lookup());
            }
        }
        return out;
    }

    @Test
    void aResolvedSourceIsOpenedWithoutFollowingSymlinksAndTheHostsDevNodesAsWritten() {
        FakeHost host = new FakeHost().dir("/work/real").symlink("/work/link", "/work/real");
        Plan plan = Planner.plan(new TestSpecs().bind("/work/link", "/work/project", true)
                .mount(MountType.PROC, "/proc").build(), host);
        assertEquals(List.of(), errors(plan));
        Map<String, Op.OpenTree.Lookup> lookups = lookups(plan);
        assertEquals(Op.OpenTree.Lookup.NO_SYMLINKS, lookups.get("/work/real"), lookups.toString());
        assertEquals(Op.OpenTree.Lookup.FOLLOW, lookups.get("/dev/null"), lookups.toString());
        assertEquals(Op.OpenTree.Lookup.NO_SYMLINKS, lookups.get("/proc/sys"),
                "a guard binds a path onto itself, a target the plan checked: " + lookups);
    }

    @Test
    void aDirRootIsOpenedAsWritten() {
        FakeHost host = new FakeHost().dir("/srv/rootfs").dir("/srv/rootfs/work").dir("/srv/rootfs/work/project");
        Plan plan = Planner.plan(new TestSpecs().root(RootType.DIR, false, "/srv/rootfs").build(), host);
        assertEquals(List.of(), errors(plan));
        assertEquals(Op.OpenTree.Lookup.FOLLOW, lookups(plan).get("/srv/rootfs"), lookups(plan).toString());
    }

    @Test
    void aSymlinkInAParentIsResolvedToo() {
        FakeHost host = new FakeHost().dir("/work/real").dir("/work/real/sub").symlink("/work/link", "/work/real");
        Plan plan = Planner.plan(new TestSpecs().bind("/work/link/sub", "/work/project", true).build(), host);
        assertEquals(List.of("mounts[0].source /work/link/sub resolves to /work/real/sub"), sourceNotes(plan));
    }

    @Test
    void aSymlinkToAFileIsBoundAsAFile() {
        FakeHost host = new FakeHost().file("/work/settings.xml").symlink("/work/link.xml", "/work/settings.xml")
                .file("/etc/settings.xml");
        Plan plan = Planner.plan(new TestSpecs().bind("/work/link.xml", "/etc/settings.xml", true).build(), host);
        assertEquals(List.of(), errors(plan));
        assertEquals(List.of("mounts[0].source /work/link.xml resolves to /work/settings.xml"), sourceNotes(plan));
    }

    @Test
    void aSourceWithoutSymlinksHasNoNote() {
        Plan plan = Planner.plan(new TestSpecs().bind("/work/project", "/work/project", true).build(), new FakeHost());
        assertEquals(List.of(), sourceNotes(plan));
    }

    @Test
    void aSymlinkThatLeadsNowhereIsAMissingSource() {
        FakeHost host = new FakeHost().symlink("/work/dangling", "/work/nope");
        Plan plan = Planner.plan(new TestSpecs().bind("/work/dangling", "/work/project", false).build(), host);
        assertEquals(List.of("t.yaml:10:3: error: mounts[0]: cannot bind /work/dangling on /work/project: "
                + "open_tree(AT_FDCWD, \"/work/dangling\", ...): ENOENT (No such file or directory)"), errors(plan));
    }
}
