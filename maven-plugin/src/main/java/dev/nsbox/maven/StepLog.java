package dev.nsbox.maven;

import dev.nsbox.exec.Listener;
import dev.nsbox.exec.StepIO;
import dev.nsbox.exec.StepResult;
import dev.nsbox.plan.StepLaunch;
import org.apache.maven.plugin.logging.Log;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * The steps' output in the Maven log, line by line as it is produced, each line marked with the
 * name of the step that wrote it: {@code [INFO] [compile] Main.java:3: warning: ...}. Standard
 * output is logged at INFO, standard error at WARNING, so that what a step complains about stands
 * out; each system call the sandbox made is logged at DEBUG ({@code mvn -X}). Under {@code mvn -q},
 * which hides INFO and WARNING, the steps' output still shows, as exec-maven-plugin's program
 * output does: a line the log would hide goes to Maven's standard output (or standard error),
 * marked the same way; nsbox's own lines stay hidden.
 *
 * <p>Thread-safe: the engine delivers standard output and standard error on two threads of their
 * own while the run's thread reports steps starting and ending. The mark is the step that was
 * started last, which is the step that wrote the line: the engine delivers every line of a step,
 * an unterminated last one included, before it reports the step's end and starts the next.
 */
final class StepLog implements Listener, Closeable {

    private final Log log;
    private final PrintStream stdout;
    private final PrintStream stderr;
    private final BufferedWriter file;
    private final long created = System.nanoTime();
    private volatile String current = "nsbox";

    /** @param outputFile where the output also goes, unmarked, or null */
    StepLog(Log log, Path outputFile) throws IOException {
        this(log, outputFile, System.out, System.err);
    }

    /** @param stdout where a line of standard output goes when INFO is hidden, and stderr likewise at WARNING */
    StepLog(Log log, Path outputFile, PrintStream stdout, PrintStream stderr) throws IOException {
        this.log = log;
        this.stdout = stdout;
        this.stderr = stderr;
        if (outputFile != null) {
            Path parent = outputFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.file = Files.newBufferedWriter(outputFile, StandardCharsets.UTF_8);
        } else {
            this.file = null;
        }
    }

    /** Where the engine delivers the steps' output. */
    StepIO io() {
        return StepIO.lines(this::out, this::err);
    }

    void out(String line) {
        if (log.isInfoEnabled()) {
            log.info("[" + current + "] " + line);
        } else {
            stdout.println("[" + current + "] " + line);
        }
        write(line);
    }

    void err(String line) {
        if (log.isWarnEnabled()) {
            log.warn("[" + current + "] " + line);
        } else {
            stderr.println("[" + current + "] " + line);
        }
        write(line);
    }

    private synchronized void write(String line) {
        if (file != null) {
            try {
                file.write(line);
                file.newLine();
                file.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void trace(String call) {
        if (log.isDebugEnabled()) {
            log.debug("nsbox: " + call);
        }
    }

    @Override
    public void helperStarted(String helper, Duration took) {
        // Once per build and mapping: the one JVM start a rootless build pays, said so that the
        // first sandbox's set-up time is not mistaken for what every sandbox costs.
        log.info("nsbox: started the sandbox helper JVM in " + took.toMillis() + " ms (" + helper
                + "); the build's later sandboxes with this mapping reuse it");
    }

    @Override
    public void stepStarted(int index, StepLaunch step) {
        if (index == 0) {
            // In the Maven JVM, on a thread of its own: milliseconds, where a second JVM takes hundreds.
            log.info("nsbox: sandbox set up in " + (System.nanoTime() - created) / 1_000_000 + " ms");
        }
        current = step.name();
        log.info("nsbox: step " + step.name() + ": " + step.argv().stream().map(StepLog::word)
                .collect(Collectors.joining(" ")) + " (in " + step.cwd() + ")");
    }

    @Override
    public void stepFinished(StepResult result) {
        // A failure is reported once, by Outcomes, with its spec line.
        if (result.succeeded()) {
            log.info("nsbox: step " + result.name() + " succeeded in " + result.duration().toMillis() + " ms");
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    /** A word as a shell would need it quoted, for display on one line of the log. */
    private static String word(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.strip().replace("'", "'\\''").replace("\n", "\\n") + "'";
    }
}
