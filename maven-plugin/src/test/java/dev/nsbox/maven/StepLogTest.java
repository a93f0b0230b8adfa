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
}
