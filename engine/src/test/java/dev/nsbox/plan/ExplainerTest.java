package dev.nsbox.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nsbox.plan.HostEffectPredictorTest.LINUX_6_18;
import static dev.nsbox.plan.HostEffectPredictorTest.MOVE_WORK;
import static dev.nsbox.plan.HostEffectPredictorTest.OPEN_WORK;
import static dev.nsbox.plan.HostEffectPredictorTest.PROC;
import static dev.nsbox.plan.HostEffectPredictorTest.UNSHARE;
import static dev.nsbox.plan.HostEffectPredictorTest.plan;
import static dev.nsbox.plan.HostEffectPredictorTest.propagation;
import static dev.nsbox.plan.HostEffectPredictorTest.systemdHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ExplainerTest {

    @Test
    void explainsThePitfallMountByMount() {
        List<String> lines = Explainer.explain(plan(UNSHARE, propagation(Flags.MS_PRIVATE), PROC, OPEN_WORK, MOVE_WORK),
                systemdHost(), LINUX_6_18);
        assertEquals(List.of(
                "namespaces: unshare(CLONE_NEWNS|CLONE_NEWPID)",
                "  " + Explainer.RULE_COPY,
                "propagation: mount(\"none\", \"/\", NULL, MS_PRIVATE, NULL)",
                "  / alone becomes (mounts below it keep theirs) private in the sandbox; a propagation change never "
                        + "propagates itself (sharedsubtree.rst, 2)",
                "mounts[3]: mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
                "  lands on /proc, which is shared:3 in the sandbox before it",
                "  after set-up the new mount is shared:26 at /proc",
                "  rule: " + Explainer.RULE_ON_SHARED,
                "  propagates to host at /proc through shared:3: a mount on a shared mount propagates to every mount "
                        + "of its peer group (sharedsubtree.rst, 2a)",
                "mounts[0]: move_mount(tree0, \"\", AT_FDCWD, \"/tmp/cap\", MOVE_MOUNT_F_EMPTY_PATH)",
                "  lands on /tmp/cap, which is private in the sandbox before it",
                // the clone is of the sandbox's /, which is private by then
                "  after set-up the new mount is private at /tmp/cap",
                "  rule: " + Explainer.RULE_ON_PRIVATE,
                "  propagates nowhere: it stays in the sandbox",
                "",
                "NOT sealed from the host:",
                "  mounts[3] (proc on /proc) appears in the host at /proc through peer group shared:3",
                "  later mounts would still propagate: shared:2 joins /opt/tools in the sandbox to /opt/tools in the host",
                "  later mounts would still propagate: shared:3 joins /proc in the sandbox to /proc in the host",
                "  later mounts would still propagate: shared:4 joins /sys in the sandbox to /sys in the host"),
                lines.subList(0, 20));
    }

    @Test
    void aRecursivelyPrivateTreeIsSealed() {
        List<String> lines = Explainer.explain(plan(UNSHARE, propagation(Flags.MS_REC | Flags.MS_PRIVATE), PROC),
                systemdHost(), LINUX_6_18);
        assertEquals("  after set-up the new mount is private at /proc", lines.get(6));
        assertEquals("  rule: " + Explainer.RULE_ON_PRIVATE, lines.get(7));
        assertEquals("sealed: no mount of the plan reaches another namespace, and no sandbox mount shares a peer group "
                + "with the host in a direction that sends propagation out", lines.get(lines.size() - 1));
    }

    @Test
    void aRefusedCallIsExplained() {
        List<String> lines = Explainer.explain(plan(HostEffectPredictorTest.tmpfsRoot(0).toArray(Op[]::new)), systemdHost(),
                LINUX_6_18);
        assertEquals(List.of("root: pivot_root(\".\", \".\")",
                "  the kernel will refuse it: EINVAL: the mount at put_old /tmp is shared (shared:26); pivot_root(2) "
                        + "refuses a shared put_old"), lines.stream().filter(l -> l.contains("pivot_root")).toList());
    }
}
