package dev.nsbox.engine;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.plan.ExplainDot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pictures of {@code explain}: the Graphviz text of {@link ExplainDot}, and SVG rendered from
 * it by Graphviz's {@code dot -Tsvg}, run as a child process (Debian package {@code graphviz}).
 *
 * <p>Stateless. {@link #svg} runs one process and reads nothing else.
 */
public final class Graphviz {

    private Graphviz() {
    }

    /** What to install when {@code dot} is missing. */
    public static final String PACKAGE = "graphviz";

    /** Thrown when {@code dot} cannot be run: the machine lacks a tool (exit code 3). */
    public static final class MissingException extends Exception {
        MissingException(String message) {
            super(message);
        }
    }

    /** The DOT text of the prepared plan's mount tree, simulated with the running kernel's rules. */
    public static String dot(Preparation prepared) {
        Kernel kernel = Kernel.ofRelease(System.getProperty("os.version", ""));
        return ExplainDot.dot(prepared.plan(), prepared.hostTable(), kernel);
    }

    /** {@code dot} rendered to SVG by the {@code dot} program found on {@code PATH}. */
    public static String svg(String dot) throws MissingException {
        return svg(dot, "dot");
    }

    /** {@code dot} rendered to SVG by {@code program}. */
    static String svg(String dot, String program) throws MissingException {
        Process p;
        Path errors;
        try {
            // Its complaints go to a file: a pipe left unread could fill up and stop dot.
            errors = Files.createTempFile("nsbox-dot", ".err");
        } catch (IOException e) {
            throw new MissingException("cannot make a temporary file for dot's messages: " + e.getMessage());
        }
        try {
            p = new ProcessBuilder(List.of(program, "-Tsvg")).redirectError(errors.toFile()).start();
        } catch (IOException e) {
            deleteQuietly(errors);
            throw new MissingException("cannot run \"" + program + "\" to render SVG (" + e.getMessage()
                    + "); install Graphviz (Debian: apt-get install " + PACKAGE + "), or use --format dot");
        }
        try {
            // dot reads all its input before it writes, so writing first cannot dead-lock on a full pipe.
            try (OutputStream in = p.getOutputStream()) {
                in.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out;
            try (InputStream o = p.getInputStream()) {
                out = o.readAllBytes();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new MissingException("\"" + program + " -Tsvg\" did not finish within 60 seconds");
            }
            if (p.exitValue() != 0) {
                throw new MissingException("\"" + program + " -Tsvg\" failed with exit code " + p.exitValue() + ": "
                        + Files.readString(errors).strip());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MissingException("\"" + program + " -Tsvg\" failed: " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new MissingException("interrupted while \"" + program + " -Tsvg\" ran");
        } finally {
            deleteQuietly(errors);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A temporary file left in /tmp is harmless; the picture matters more.
        }
    }

    /** Writes {@code text} to {@code file}, creating its folder. */
    public static void write(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
