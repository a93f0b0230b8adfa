package dev.nsbox.maven;

import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The steps' output reaches the build's output whatever the log level, as exec-maven-plugin's does. */
class StepLogTest {

    /** A log at a chosen level that records what it is given. */
    private static final class Recording extends SystemStreamLog {
        final List<String> lines = new ArrayList<>();
        final boolean info;
        final boolean warn;

        Recording(boolean info, boolean warn) {
            this.info = info;
            this.warn = warn;
        }

        @Override
        public boolean isInfoEnabled() {
            return info;
        }

        @Override
        public boolean isWarnEnabled() {
            return warn;
        }

        @Override
        public void info(CharSequence content) {
            lines.add("INFO " + content);
        }

        @Override
        public void warn(CharSequence content) {
            lines.add("WARN " + content);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private void emit(Recording log) throws Exception {
        try (StepLog steps = new StepLog(log, null, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))) {
            steps.out("compiled");
            steps.err("a warning");
        }
    }

    @Test
    void aNormalBuildLogsTheOutputMarkedWithTheStep() throws Exception {
        Recording log = new Recording(true, true);
        emit(log);
        assertEquals(List.of("INFO [nsbox] compiled", "WARN [nsbox] a warning"), log.lines);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aQuietBuildStillShowsTheStepsOutput() throws Exception {
        Recording log = new Recording(false, false);
        emit(log);
        assertEquals(List.of(), log.lines);
        assertEquals("[nsbox] compiled" + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
        assertEquals("[nsbox] a warning" + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void controlCharactersShowInCaretNotationAsCatDashVShowsThem() {
        assertEquals("^@ ^[[31mred^[[0m 10%^M20% ^G^H^?", StepLog.visible("\0 \u001b[31mred\u001b[0m 10%\r20% \u0007\b\u007f"));
        assertEquals("M-^[[2J M-^_", StepLog.visible("\u009b[2J \u009f"));
    }

    @Test
    void tabsUtf8AndPlainTextStayAsTheyAre() {
        String text = "a\tb \u00e9\u20ac\ud83d\ude00 ^ \\0 \ufffd \u00a0";
        assertEquals(text, StepLog.visible(text));
    }

    @Test
    void aCarriageReturnThatEndsTheLineIsPartOfItsEnd() {
        assertEquals("windows line", StepLog.visible("windows line\r"));
        assertEquals("^M^Mx", StepLog.visible("\r\rx\r"));
        assertEquals("", StepLog.visible("\r"));
    }

    @Test
    void theLogShowsEscapesAndTheOutputFileKeepsTheBytes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        Recording log = new Recording(true, true);
        java.nio.file.Path file = tmp.resolve("out.txt");
        try (StepLog steps = new StepLog(log, file)) {
            steps.out("\u001b[1mbold\u001b[0m");
            steps.err("nul\0here");
        }
        assertEquals(List.of("INFO [nsbox] ^[[1mbold^[[0m", "WARN [nsbox] nul^@here"), log.lines);
        assertEquals("\u001b[1mbold\u001b[0m" + System.lineSeparator() + "nul\0here" + System.lineSeparator(),
                java.nio.file.Files.readString(file));
    }

    @Test
    void aQuietBuildShowsEscapesToo() throws Exception {
        Recording log = new Recording(false, false);
        try (StepLog steps = new StepLog(log, null, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))) {
            steps.out("\u001b]0;title\u0007");
        }
        assertEquals("[nsbox] ^[]0;title^G" + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
    }
}
