package dev.nsbox.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A tmux server of a test's own (its socket under the test's folder, no configuration file),
 * with one detached session whose window is a terminal a person would type into: keys are sent
 * with {@code send-keys} and the screen is read with {@code capture-pane}. {@link #close()} kills
 * that server, and only it.
 */
final class Tmux implements AutoCloseable {

    private final String tmux;
    private final Path socket;

    private Tmux(String tmux, Path socket) {
        this.tmux = tmux;
        this.socket = socket;
    }

    /**
     * Starts a server on {@code dir/tmux.sock} with one {@code columns} x {@code rows} window
     * running {@code command}; skips the test where tmux is not installed (.ci/run installs it).
     */
    static Tmux start(Path dir, int columns, int rows, List<String> command) throws IOException, InterruptedException {
        String tmux = Stream.of("/usr/bin/tmux", "/usr/local/bin/tmux").filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElse(null);
        Assumptions.assumeTrue(tmux != null, "needs tmux (apt-get install tmux, as .ci/run does)");
        Tmux t = new Tmux(tmux, dir.resolve("tmux.sock"));
        List<String> args = new ArrayList<>(List.of("new-session", "-d", "-x", Integer.toString(columns), "-y",
                Integer.toString(rows)));
        args.addAll(command);
        t.run(args);
        return t;
    }

    /** Types {@code text} literally, then Enter. */
    void line(String text) throws IOException, InterruptedException {
        run(List.of("send-keys", "-l", text));
        run(List.of("send-keys", "Enter"));
    }

    /** Presses one key by tmux's name for it ({@code C-z}, {@code C-c}). */
    void key(String name) throws IOException, InterruptedException {
        run(List.of("send-keys", name));
    }

    void resize(int columns, int rows) throws IOException, InterruptedException {
        run(List.of("resize-window", "-x", Integer.toString(columns), "-y", Integer.toString(rows)));
    }

    /** The window's screen and scrollback, lines joined ({@code -J}) as the program wrote them. */
    String screen() throws IOException, InterruptedException {
        return run(List.of("capture-pane", "-p", "-J", "-S", "-200"));
    }

    /**
     * Waits until the screen holds {@code regex} at least {@code times} times; returns the last
     * match, or fails with the screen after {@code seconds}.
     */
    String await(String regex, int times, int seconds) throws IOException, InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = screen();
            Matcher m = p.matcher(screen);
            int found = 0;
            String last = null;
            while (m.find()) {
                found++;
                last = m.group();
            }
            if (found >= times) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + times + " x /" + regex + "/ on the screen after " + seconds + " s:\n" + screen);
    }

    String await(String regex) throws IOException, InterruptedException {
        return await(regex, 1, 30);
    }

    /**
     * Types {@code text} and Enter, then waits until the screen holds {@code regex} {@code times}
     * times: a command and the answer that shows it ran. Returns the last match.
     */
    String type(String text, String regex, int times, int seconds) throws IOException, InterruptedException {
        line(text);
        return await(regex, times, seconds);
    }

    String type(String text, String regex) throws IOException, InterruptedException {
        return type(text, regex, 1, 30);
    }

    private String run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tmux, "-S", socket.toString(), "-f", "/dev/null"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        pb.environment().remove("TMUX");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** Kills this test's tmux server (and with it the window's processes). */
    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(socket)) {
            try {
                run(List.of("kill-server"));
            } catch (IOException e) {
                // The server had ended already.
            }
        }
    }
}
