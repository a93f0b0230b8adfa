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
 * <p>Control characters are shown, not obeyed, in caret notation as {@code cat -v} and
 * {@code less} show them: NUL as {@code ^@}, ESC as {@code ^[} (a colour code reads
 * {@code ^[[31m}), a carriage return inside a line (a progress bar) as {@code ^M}, DEL as
 * {@code ^?}, and the C1 controls U+0080 to U+009F as {@code M-^@} to {@code M-^_}; a tab stays a
 * tab, every other character (UTF-8 included) stays as it is. A {@code \r} that ends a line
 * ({@code \r\n}, as Windows tools end lines) is an end of line, and not shown. So a step cannot
 * move the cursor, recolour, clear or retitle the terminal of the person reading the build, nor
 * cut a CI system's log. {@code outputFile} gets the lines as the step wrote them. A line longer
 * than 64 KiB comes in pieces, each a line of the log ({@link StepIO#MAX_LINE}).
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
        String shown = "[" + current + "] " + visible(line);
        if (log.isInfoEnabled()) {
            log.info(shown);
        } else {
            stdout.println(shown);
        }
        write(line);
    }

    void err(String line) {
        String shown = "[" + current + "] " + visible(line);
        if (log.isWarnEnabled()) {
            log.warn(shown);
        } else {
            stderr.println(shown);
        }
        write(line);
    }

    /**
     * {@code line} with its control characters in caret notation, as {@code cat -v} shows them
     * (see the type's description); a last {@code \r} is dropped as part of the end of line.
     */
    static String visible(String line) {
        int end = line.endsWith("\r") ? line.length() - 1 : line.length();
        StringBuilder b = null;
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            String caret = c == '\t' ? null
                    : c < 0x20 ? "^" + (char) (c + 0x40)
                    : c == 0x7f ? "^?"
                    : c >= 0x80 && c < 0xa0 ? "M-^" + (char) (c - 0x80 + 0x40)
                    : null;
            if (caret != null && b == null) {
                b = new StringBuilder(end + 16).append(line, 0, i);
            }
            if (b != null) {
                if (caret != null) {
                    b.append(caret);
                } else {
                    b.append(c);
                }
            }
        }
        return b != null ? b.toString() : line.substring(0, end);
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
        current = visible(step.name());
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
        return "'" + visible(s.strip().replace("'", "'\\''").replace("\n", "\\n")) + "'";
    }
}
