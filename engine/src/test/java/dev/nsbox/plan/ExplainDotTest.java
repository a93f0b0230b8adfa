package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code explain --format dot} on the examples, against the systemd-like host where / is shared. */
class ExplainDotTest {

    private static String dot(String spec) throws Exception {
        Plan plan = HostEffectPredictor.predict(Planner.plan(
                ExampleSpecsTest.load(Path.of("..", "specs", spec)).spec(), ExampleSpecsTest.host()),
                ExampleSpecsTest.systemdHost(), Kernel.of(6, 18));
        return ExplainDot.dot(plan, ExampleSpecsTest.systemdHost(), Kernel.of(6, 18));
    }

    @Test
    void theSeedPitfallShowsItsMountsReachingTheHostInRed() throws Exception {
        String dot = dot("seed-pitfall.yaml");
        assertTrue(dot.startsWith("digraph nsbox {"), dot);
        assertTrue(dot.contains("NOT sealed: red marks what reaches the host"), dot);
        assertTrue(dot.contains("subgraph cluster_host {"), dot);
        // The proc of mounts[0] appears in the host's /proc: a red node, reached by a red arrow.
        assertTrue(dot.matches("(?s).*h\\d+ \\[label=\"new: /proc\\\\nproc\\\\n\\(mounts\\[0\\], propagated\\)\", "
                + "color=\"#c0392b\".*"), dot);
        assertTrue(dot.matches("(?s).*s\\d+ -> h\\d+ \\[style=dashed, label=\"mount copy via shared:\\d+\", "
                + "color=\"#c0392b\".*"), dot);
        // The sandbox's / is still a peer of the host's: the peer group that carries it.
        assertTrue(dot.matches("(?s).*label=\"peer group shared:\\d+\", color=\"#c0392b\".*"), dot);
    }

    @Test
    void hermeticTestsIsSealedAndHasNoHostCluster() throws Exception {
        String dot = dot("hermetic-tests.yaml");
        assertTrue(dot.contains("sealed: nothing propagates to the host"), dot);
        assertFalse(dot.contains("cluster_host"), dot);
        assertFalse(dot.contains("#c0392b"), dot);
        assertTrue(dot.contains("\\nmounts[0]\""), dot);
        // Every node the edges name is declared, and the tree reaches each mount of the spec.
        for (String edge : dot.lines().filter(l -> l.contains(" -> ")).toList()) {
            for (String n : edge.strip().split(" -> |;| \\[")) {
                if (n.matches("s\\d+")) {
                    assertTrue(dot.contains("    " + n + " [label="), n + " in " + dot);
                }
            }
        }
    }

    @Test
    void quotesWhatDotWouldMisread() {
        assertTrue(ExplainDot.quote("a\"b\\c\nd").equals("\"a\\\"b\\\\c\\nd\""));
    }

    @Test
    void nodesAreNumberedInOrderOfAppearanceNotByMountId() {
        // Mount IDs differ from one mount namespace to the next; the picture must not.
        String dot = "digraph nsbox {\n  s316 [label=\"/s316\\\" h9\"];\n  h27 [label=\"h27\", style=dashed];\n"
                + "  s12 -> s316;\n  s316 -> h27 [penwidth=2];\n  cluster_s1;\n}\n";
        assertEquals("digraph nsbox {\n  s1 [label=\"/s316\\\" h9\"];\n  h1 [label=\"h27\", style=dashed];\n"
                + "  s2 -> s1;\n  s1 -> h1 [penwidth=2];\n  cluster_s1;\n}\n", ExplainDot.renumber(dot));
    }
}
