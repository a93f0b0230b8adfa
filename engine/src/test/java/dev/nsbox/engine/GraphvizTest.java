package dev.nsbox.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SVG from Graphviz's dot(1); CI installs the Debian package graphviz (.ci/run). */
class GraphvizTest {

    @Test
    void rendersSvgWithDot() throws Exception {
        String svg = Graphviz.svg("digraph g { a -> b [label=\"peer group shared:1\"]; }");
        assertTrue(svg.contains("<svg"), svg);
        assertTrue(svg.contains("peer group shared:1"), svg);
    }

    @Test
    void aMissingDotNamesThePackageToInstall() {
        Graphviz.MissingException e = assertThrows(Graphviz.MissingException.class,
                () -> Graphviz.svg("digraph g { a; }", "/nonexistent/nsbox-no-dot"));
        assertTrue(e.getMessage().contains("install Graphviz (Debian: apt-get install graphviz)"), e.getMessage());
    }

    @Test
    void aGraphDotRejectsIsAnErrorWithDotsMessage() {
        Graphviz.MissingException e = assertThrows(Graphviz.MissingException.class,
                () -> Graphviz.svg("digraph g { a -> ; }"));
        assertTrue(e.getMessage().contains("failed with exit code"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("syntax error"), e.getMessage());
    }
}
