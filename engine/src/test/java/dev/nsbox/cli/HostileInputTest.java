package dev.nsbox.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Input made to hurt a YAML parser. Each must be refused with exactly one error line in
 * compiler form and exit code 1, without a stack trace, and quickly. The timeout is generous:
 * it catches hangs and exponential blow-ups, it is not a performance claim.
 */
class HostileInputTest {

    @TempDir
    Path dir;

    /** Runs {@code validate} on a file with {@code bytes}; returns its one error line. */
    private String refuse(byte[] bytes) throws IOException {
        Path file = dir.resolve("hostile.yaml");
        Files.write(file, bytes);
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = new Main().execute(new String[] {"validate", file.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String stderr = err.toString(StandardCharsets.UTF_8);
            List<String> lines = stderr.lines().toList();
            assertEquals(1, code, stderr);
            assertEquals("", out.toString(StandardCharsets.UTF_8));
            assertEquals(1, lines.size(), stderr);
            assertTrue(lines.get(0).matches("\\Q" + file + "\\E:\\d+:\\d+: error: .*"), lines.get(0));
            assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), stderr);
            return lines.get(0).substring(file.toString().length());
        });
    }

    private String refuse(String text) throws IOException {
        return refuse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void billionLaughsIsRefusedAtTheFirstAnchor() throws IOException {
        StringBuilder sb = new StringBuilder("version: 1\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            sb.append("x").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            sb.append("]\n");
        }
        assertEquals(":2:5: error: anchors and aliases (&name, *name) are not allowed in a spec; "
                + "write each value out, so that the file says plainly what the sandbox gets", refuse(sb.toString()));
    }

    @Test
    void anAliasAloneIsRefused() throws IOException {
        assertEquals(":2:7: error: anchors and aliases (&name, *name) are not allowed in a spec; "
                + "write each value out, so that the file says plainly what the sandbox gets",
                refuse("version: 1\nname: *n\n"));
    }

    @Test
    void deepFlowNestingIsRefused() throws IOException {
        String deep = "version: 1\nmounts: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";
        assertEquals(":2:" + (9 + 31) + ": error: maps and lists are nested more than 32 levels deep; a spec needs five",
                refuse(deep));
    }

    @Test
    void deepFlowMapNestingIsRefused() throws IOException {
        String deep = "version: 1\nroot: " + "{a: ".repeat(20_000) + "1" + "}".repeat(20_000) + "\n";
        assertTrue(refuse(deep).endsWith("error: maps and lists are nested more than 32 levels deep; a spec needs five"));
    }

    @Test
    void deepBlockNestingIsRefused() throws IOException {
        String deep = "version: 1\nmounts:\n" + "- ".repeat(20_000) + "x\n";
        assertTrue(refuse(deep).endsWith("error: maps and lists are nested more than 32 levels deep; a spec needs five"));
    }

    @Test
    void aTwelveMegabyteFileIsRefusedBeforeParsing() throws IOException {
        byte[] big = ("version: 1\n" + "# padding padding padding padding padding padding padding padding\n"
                .repeat(12 * 1024 * 1024 / 66)).getBytes(StandardCharsets.UTF_8);
        assertEquals(":1:1: error: the file is " + big.length + " bytes long; a spec may be at most 262144 bytes (256 KiB)",
                refuse(big));
    }

    @Test
    void invalidUtf8IsRefusedWithItsOffset() throws IOException {
        byte[] head = "version: 1\nname: ab".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xff;
        bytes[head.length + 1] = '\n';
        assertEquals(":2:9: error: not UTF-8: byte 0xff at byte offset 19 is invalid; a spec must be UTF-8 text",
                refuse(bytes));
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        assertEquals(":1:1: error: the spec is empty; it needs at least \"version: 1\"", refuse(""));
        assertEquals(":1:1: error: the spec is empty; it needs at least \"version: 1\"", refuse("# nothing\n\n"));
    }

    @Test
    void aListDocumentIsRefused() throws IOException {
        assertEquals(":1:1: error: a spec is a map of keys (version: 1, namespaces: ..., mounts: ...), got a list",
                refuse("- version: 1\n"));
    }

    @Test
    void aScalarDocumentIsRefused() throws IOException {
        assertEquals(":1:1: error: a spec is a map of keys (version: 1, namespaces: ..., mounts: ...), "
                + "got the string \"hello\"", refuse("hello\n"));
    }

    @Test
    void aSecondDocumentIsRefused() throws IOException {
        assertEquals(":2:1: error: a spec is one YAML document; a second one starts here",
                refuse("version: 1\n---\nversion: 1\n"));
    }

    @Test
    void aSyntaxErrorIsOneLine() throws IOException {
        assertEquals(":2:8: error: YAML syntax: mapping values are not allowed here",
                refuse("version: 1\nname: a: b\n"));
    }

    @Test
    void aControlCharacterIsOneLine() throws IOException {
        assertEquals(":2:8: error: character U+0007 is not allowed in YAML; write it with an escape in a "
                + "double-quoted string", refuse("version: 1\nname: a\u0007b\n"));
    }

    /** Not hostile in form, only in size: the largest legal spec (256 KiB of mounts and steps) still loads quickly. */
    @Test
    void aSpecOfMaximumSizeWithTensOfThousandsOfEntriesIsQuick() throws IOException {
        StringBuilder sb = new StringBuilder("version: 1\nnamespaces: [mount, pid]\nmounts:\n");
        int i = 0;
        while (sb.length() < 180_000) {
            sb.append("  - {type: tmpfs, target: /t/").append(i++).append("}\n");
        }
        sb.append("steps:\n");
        while (sb.length() < 260_000) {
            sb.append("  - {run: [x], name: s").append(i++).append("}\n");
        }
        Path file = dir.resolve("big.yaml");
        Files.writeString(file, sb);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = new Main().execute(new String[] {"validate", file.toString()},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        });
    }

    /** Tens of thousands of undefined variables: found in one pass, and reported as compilers do, capped. */
    @Test
    void thousandsOfErrorsAreCappedAndQuick() throws IOException {
        Path file = dir.resolve("many.yaml");
        Files.writeString(file, "version: 1\ndescription: \"" + "${x}".repeat(40_000) + "\"\n");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = new Main().execute(new String[] {"validate", file.toString()},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(1, code);
            assertEquals(101, lines.size());
            assertEquals(file + ":2:15: error: description: undefined variable ${x}; define it (-D x=VALUE) or "
                    + "give a default (${x:-VALUE})", lines.get(0));
            assertEquals(file + ":2:19: error: description: undefined variable ${x}; define it (-D x=VALUE) or "
                    + "give a default (${x:-VALUE})", lines.get(1));
            assertEquals(file + ":2:415: error: 39900 more problems not shown", lines.get(100));
        });
    }
}
