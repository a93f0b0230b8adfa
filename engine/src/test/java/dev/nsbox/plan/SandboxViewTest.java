package dev.nsbox.plan;

import dev.nsbox.plan.SandboxView.Backing;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The planner's picture of the sandbox's mounts: which mount a path is in, and what a new mount hides. */
class SandboxViewTest {

    private static String layer(SandboxView v, String path) {
        SandboxView.Layer l = v.layerOf(path);
        return l == null ? null : l.target() + " " + l.backing().describe();
    }

    @Test
    void aPathIsInTheMountOnItsLongestMountedAncestor() {
        SandboxView v = new SandboxView(new FakeHost());
        assertNull(layer(v, "/a"), "no root yet");
        v.push("/", Backing.host("/"));
        v.push("/a", Backing.scratch(false));
        v.push("/a/b/c", Backing.opaque("proc"));
        assertEquals("/ host directory", layer(v, "/"));
        assertEquals("/a tmpfs", layer(v, "/a"));
        assertEquals("/a tmpfs", layer(v, "/a/b"));
        assertEquals("/a/b/c proc mount", layer(v, "/a/b/c"));
        assertEquals("/a/b/c proc mount", layer(v, "/a/b/c/d/e"));
        assertEquals("/ host directory", layer(v, "/ab"), "a common prefix is not an ancestor");
        assertEquals("/a tmpfs", layer(v, "/a/b/cd"));
    }

    @Test
    void aMountHidesTheMountsOnAndBelowItsTargetButNotItsSiblings() {
        SandboxView v = new SandboxView(new FakeHost());
        v.push("/", Backing.host("/"));
        for (String t : new String[] {"/a", "/a/b", "/a/b/c", "/a-b", "/a.b", "/ab", "/a0", "/b"}) {
            v.push(t, Backing.opaque(t));
        }
        v.push("/a", Backing.scratch(true));
        assertEquals("/a read-only tmpfs", layer(v, "/a/b/c"));
        // '-' and '.' sort before '/', '0' right after it: the siblings on either side stay
        assertEquals("/a-b /a-b mount", layer(v, "/a-b"));
        assertEquals("/a.b /a.b mount", layer(v, "/a.b/x"));
        assertEquals("/ab /ab mount", layer(v, "/ab"));
        assertEquals("/a0 /a0 mount", layer(v, "/a0"));
        assertEquals("/b /b mount", layer(v, "/b"));
        v.push("/a/b", Backing.opaque("sysfs"));
        v.push("/a/b", Backing.opaque("proc"));
        assertEquals("/a/b proc mount", layer(v, "/a/b/x"), "the later of two mounts on one target");
        v.push("/", Backing.scratch(false));
        assertEquals("/ tmpfs", layer(v, "/b"), "a new root hides everything");
        assertEquals("/ tmpfs", layer(v, "/a/b/x"));
    }
}
