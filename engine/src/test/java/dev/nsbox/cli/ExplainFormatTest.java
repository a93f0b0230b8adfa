package dev.nsbox.cli;

import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nsbox explain --format text|dot|svg} as a user runs it. */
@Timeout(120)
class ExplainFormatTest {

    @TempDir
    Path dir;

    private Path spec() throws IOException {
        return Files.writeString(dir.resolve("s.yaml"), """
                version: 1
                name: pictured
                namespaces: [mount, pid]
                mounts:
                  - type: tmpfs
                    target: /tmp
                """);
    }

    private static String[] run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Processes.nsbox(args));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out, err};
    }

    @Test
    void dotAndSvgDrawTheSandboxsMounts() throws Exception {
        Path spec = spec();
        String[] dot = run(Map.of(), "explain", "--format", "dot", spec.toString());
        assertEquals("0", dot[0], dot[2]);
        assertTrue(dot[1].startsWith("digraph nsbox {"), dot[1]);
        assertTrue(dot[1].contains("/tmp\\ntmpfs\\nprivate\\nmounts[0]"), dot[1]);
        String[] svg = run(Map.of(), "explain", "--format=svg", spec.toString());
        assertEquals("0", svg[0], svg[2]);
        assertTrue(svg[1].contains("<svg") && svg[1].contains("pictured: the sandbox"), svg[1]);
    }

    @Test
    void svgWithoutDotIsExitThreeNamingThePackage() throws Exception {
        Path emptyBin = Files.createDirectories(dir.resolve("bin"));
        String[] r = run(new HashMap<>(Map.of("PATH", emptyBin.toString())), "explain", "--format", "svg",
                spec().toString());
        assertEquals("3", r[0], r[2]);
        assertTrue(r[2].contains("install Graphviz (Debian: apt-get install graphviz), or use --format dot"), r[2]);
    }

    @Test
    void anUnknownFormatIsABadCommandLine() throws Exception {
        String[] r = run(Map.of(), "explain", "--format", "png", spec().toString());
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains("explain --format must be text, dot or svg, got \"png\""), r[2]);
    }
}
