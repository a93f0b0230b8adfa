package dev.nsbox.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What the parser bounds, seen through {@code nsbox validate}, {@code plan} and {@code run}: a
 * deep nesting of variable defaults, a timeout too long for a deadline's arithmetic and a YAML
 * merge key are each one error at their FILE:LINE:COL with exit code 1, never an internal error.
 */
class ParserLimitsCommandTest {

    @TempDir
    Path dir;

    /** The one line {@code nsbox COMMAND FILE} writes to stderr, after checking it exits 1 and writes nothing else. */
    private String refused(String command, String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("edge.yaml"), yaml);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Main().execute(new String[] {command, file.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        List<String> lines = stderr.lines().toList();
        assertEquals(1, lines.size(), stderr);
        assertFalse(stderr.contains("internal error") || stderr.contains("Exception"), stderr);
        return lines.get(0).replace(file.toString(), "FILE");
    }

    private static final String HEAD = "version: 1\nnamespaces: [mount]\n";

    @ParameterizedTest
    @ValueSource(strings = {"validate", "plan", "run"})
    void deepVariableDefaultsAreRefusedAtTheirDollar(String command) throws IOException {
        String deep = "${a:-".repeat(4000) + "x" + "}".repeat(4000);
        assertEquals("FILE:4:18: error: steps[0].run[1]: variable references are nested 4000 levels deep; "
                + "at most 32 are allowed", refused(command, HEAD + "steps:\n  - run: [echo, \"" + deep + "\"]\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"validate", "plan", "run"})
    void anOverflowingTimeoutIsRefusedAtItsValue(String command) throws IOException {
        assertEquals("FILE:4:12: error: process.timeout must be at most 8760h (365 days), got \"9999999999999h\"",
                refused(command, HEAD + "process:\n  timeout: 9999999999999h\nsteps:\n  - run: [echo, hi]\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"validate", "plan", "run"})
    void aMergeKeyIsRefusedAtTheKey(String command) throws IOException {
        assertEquals("FILE:3:1: error: merge keys (<<) are not allowed in a spec; write each key out, "
                + "so that the file says plainly what the sandbox gets",
                refused(command, HEAD + "<<: {hostname: merged}\nsteps:\n  - run: [echo, hi]\n"));
    }

    @Test
    void aMergeKeyInsideASectionIsRefusedToo() throws IOException {
        assertEquals("FILE:4:3: error: merge keys (<<) are not allowed in a spec; write each key out, "
                + "so that the file says plainly what the sandbox gets",
                refused("validate", HEAD + "process:\n  <<: {timeout: 1s}\n"));
    }
}
