package dev.nsbox.cli;

import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nsbox shell} the way a person uses it: typed into a terminal (a tmux window of the
 * test's own), read off the screen. The tmux server and everything in its window run in this
 * test JVM's scratch mount namespace.
 *
 * <p>Every marker the tests wait for is computed by the shell that prints it, with the
 * sandbox's hostname in it, so that neither the typed line nor the outer shell running it by
 * mistake can show it.
 */
@Timeout(180)
class ShellCommandTest {

    private static final String SPEC = """
            version: 1
            namespaces: [mount, pid, net, uts, ipc]
            hostname: shell-test
            root: {type: host, readOnly: true}
            mounts:
              - type: tmpfs
                target: /tmp
            process:
              cwd: /
              env: {clear: true, keep: [PATH], set: {HOME: /nonexistent}}
            steps:
              - name: never
                shell: echo never
            """;

    @TempDir
    Path dir;

    private Tmux tmux;

    @AfterEach
    void killTmux() throws Exception {
        if (tmux != null) {
            tmux.close();
        }
    }

    /** A terminal whose shell is bash without start-up files, {@code SHELL=/bin/bash}. */
    private Tmux terminal() throws IOException, InterruptedException {
        tmux = Tmux.start(dir, 80, 24, List.of("env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", "TERM=screen",
                "SHELL=/bin/bash", "HOME=/", "PS1=outer$ ", "/bin/bash", "--norc", "--noprofile"));
        return tmux;
    }

    /** A script that records its pid, then execs {@code argv} and its own arguments: how the test starts nsbox. */
    private Path script(List<String> argv) throws IOException {
        StringBuilder sb = new StringBuilder("#!/bin/sh\necho $$ > ").append(quote(dir.resolve("pid").toString()))
                .append("\nexec");
        for (String a : argv) {
            sb.append(' ').append(quote(a));
        }
        Path s = Files.writeString(dir.resolve("nsbox.sh"), sb.append(" \"$@\"\n").toString());
        s.toFile().setExecutable(true, false);
        return s;
    }

    /** The spec in a folder of the user's own, which the user's nsbox can read. */
    private static Path usersSpec(OrdinaryUser user, String folder) throws IOException {
        Path spec = Files.writeString(user.folder(folder).resolve("nsbox.yaml"), SPEC);
        user.own(spec.getParent());
        return spec;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Types the command that runs nsbox between two {@code stty -g}, then prints its exit code. */
    private void startNsbox(Path script, String... args) throws IOException, InterruptedException {
        StringBuilder cmd = new StringBuilder("stty -g > " + dir.resolve("before") + "; " + script);
        for (String a : args) {
            cmd.append(' ').append(quote(a));
        }
        cmd.append("; echo EXIT=$?; stty -g > ").append(dir.resolve("after"));
        tmux.line(cmd.toString());
    }

    /** The exit code the outer shell printed, once the terminal's settings were recorded after it. */
    private int exitCode() throws IOException, InterruptedException {
        String line = tmux.await("EXIT=\\d+");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(dir.resolve("after")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(200);
        return Integer.parseInt(line.substring("EXIT=".length()));
    }

    /** Waits until the sandbox's shell answers: its hostname, not the outer shell's, follows READY. */
    private void awaitSandboxShell(int seconds) throws IOException, InterruptedException {
        tmux.type("echo READY-$(hostname)", "READY-shell-test", 1, seconds);
    }

    /** Asks the sandbox's shell for its terminal's size (stty size prints rows, then columns). */
    private void awaitInsideSize(int columns, int rows) throws IOException, InterruptedException {
        tmux.type("echo SIZE-$(stty size | tr ' ' x)-$(hostname)", "SIZE-" + rows + "x" + columns + "-shell-test");
    }

    /**
     * Resizes the outer terminal and checks the inner pty follows: nsbox relays the SIGWINCH
     * (TIOCGWINSZ/TIOCSWINSZ, ioctl_tty(2)); the pause lets it land before the shell reads the size.
     */
    private void resizeAndAwaitInside(int columns, int rows) throws IOException, InterruptedException {
        tmux.resize(columns, rows);
        Thread.sleep(300);
        awaitInsideSize(columns, rows);
    }

    private void assertTerminalRestored() throws IOException {
        String before = Files.readString(dir.resolve("before")).trim();
        assertFalse(before.isEmpty(), "stty -g printed the settings");
        assertEquals(before, Files.readString(dir.resolve("after")).trim(),
                "the caller's terminal settings (stty -g) are the same before and after");
    }

    @Test
    void aSessionHasTheSandboxsHostnameItsOwnPtyJobControlTheWindowSizeAndItsExitCode() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), SPEC);
        terminal();
        startNsbox(script(Processes.nsbox()), "shell", spec.toString());
        awaitSandboxShell(30);

        // Its own terminal: a slave of the sandbox's new devpts, where it is the only one.
        tmux.type("echo \"TTY=$(tty) PTS=$(ls /dev/pts | tr '\\n' ' ')TERM=$TERM\"-$(hostname)", "TTY=/dev/pts/0 PTS=0 ptmx TERM=screen-shell-test");

        // Job control: ^Z stops the foreground job, jobs lists it, fg resumes it, ^C ends it and
        // only it: the shell answers afterwards.
        tmux.line("sleep 1007");
        awaitSleep("1007", true);
        tmux.key("C-z");
        tmux.await("\\[1\\]\\+\\s+Stopped\\s+sleep 1007");
        tmux.type("jobs", "\\[1\\]\\+\\s+Stopped\\s+sleep 1007", 2, 30);
        tmux.line("fg");
        awaitRunning("1007");
        tmux.key("C-c");
        awaitSleep("1007", false);
        tmux.type("echo ALIVE-$(hostname)", "ALIVE-shell-test");

        // The window size follows the real terminal's.
        awaitInsideSize(80, 24);
        resizeAndAwaitInside(100, 30);

        tmux.line("exit 7");
        assertEquals(7, exitCode(), tmux.screen());
        assertTerminalRestored();
    }

    /**
     * TIOCSTI (ioctl_tty(2)) pushes bytes into the input of a terminal. Inside, every terminal a
     * process can name (its descriptors, /dev/tty) is the inner pty: the injected command runs
     * in the sandbox's shell, never in the caller's. It would create a file in the test's folder,
     * which the sandbox does not see (its /tmp is a tmpfs) but the outer shell would.
     */
    @Test
    void tiocstiFromInsideReachesOnlyTheInnerPty() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), SPEC);
        Path escaped = dir.resolve("escaped");
        terminal();
        startNsbox(script(Processes.nsbox()), "shell", spec.toString());
        awaitSandboxShell(30);
        String inject = "touch " + escaped + " 2>/dev/null; echo INJECTED-$(hostname)";
        // Perl's ioctl passes a string argument by address: TIOCSTI (0x5412) takes a char *.
        tmux.line("for t in /dev/stdin /dev/stdout /dev/stderr /dev/tty; do perl -e 'open(my $f, \"+<\", $ARGV[0]) "
                + "or die \"$ARGV[0]: $!\"; for (split //, \"$ARGV[1]\\n\") { ioctl($f, 0x5412, $_) or die \"TIOCSTI: $!\" }' "
                + "$t " + quote(inject) + "; done");
        tmux.await("INJECTED-shell-test", 4, 30);
        tmux.line("exit");
        assertEquals(0, exitCode(), tmux.screen());
        Thread.sleep(500);
        assertFalse(Files.exists(escaped), "nothing injected inside ran in the caller's shell:\n" + tmux.screen());
        assertTerminalRestored();
    }

    /** SIGTERM to nsbox hangs the session up: the shell and its job end, the terminal is restored. */
    @Test
    void sigtermHangsTheSessionUpAndRestoresTheTerminal() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), SPEC);
        terminal();
        startNsbox(script(Processes.nsbox()), "shell", spec.toString());
        awaitSandboxShell(30);
        tmux.line("sleep 1008");
        awaitSleep("1008", true);
        long pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
        new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
        assertEquals(128 + 1, exitCode(), tmux.screen());
        awaitSleep("1008", false);
        assertTerminalRestored();
    }

    /** A command that cannot start: 127, and the terminal as it was. */
    @Test
    void aCommandNotFoundIs127AndTheTerminalIsRestored() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), SPEC);
        terminal();
        startNsbox(script(Processes.nsbox()), "shell", spec.toString(), "--", "/nonexistent/shell");
        assertEquals(127, exitCode(), tmux.screen());
        assertTrue(tmux.screen().contains("command not found: /nonexistent/shell"), tmux.screen());
        assertTerminalRestored();
    }

    /** Rootless: an ordinary user's session, in the user namespace nsbox makes for it. */
    @Test
    void anOrdinaryUsersSession() throws Exception {
        OrdinaryUser user = OrdinaryUser.get();
        Path spec = usersSpec(user, "shell");
        terminal();
        // runuser keeps the terminal on 0..2; the user's nsbox relaunches itself in a user namespace.
        List<String> argv = new ArrayList<>(user.argv(user.nsboxArgv("shell", spec.toString())));
        startNsbox(script(argv));
        awaitSandboxShell(60);
        tmux.type("echo \"TTY=$(tty) UID=$(id -u)\"-$(hostname)", "TTY=/dev/pts/0 UID=0-shell-test");
        tmux.line("sleep 1009");
        awaitSleep("1009", true);
        tmux.key("C-z");
        // Without SHELL in its environment (runuser's env -i) the session is /bin/sh, dash on Debian.
        tmux.await("\\[1\\]\\s*\\+\\s+Stopped\\s+sleep 1009");
        resizeAndAwaitInside(90, 25);
        // dash warns once about a stopped job, then exits; the job dies with the sandbox.
        tmux.type("exit 3", "You have stopped jobs");
        tmux.line("exit 3");
        assertEquals(3, exitCode(), tmux.screen());
        awaitSleep("1009", false);
        assertTerminalRestored();
    }

    /**
     * Rootless through the ./nsbox launcher, which starts the JVM inside the user namespace
     * itself: one JVM, in the terminal's session.
     */
    @Test
    void anOrdinaryUsersSessionThroughTheLauncher() throws Exception {
        OrdinaryUser user = OrdinaryUser.get();
        Path spec = usersSpec(user, "shell-launcher");
        terminal();
        Path launcher = Path.of("..", "nsbox").toAbsolutePath().normalize();
        startNsbox(script(user.argv(List.of("NSBOX_JAR=" + user.manifestJar(), "NSBOX_CDS=0", "SHELL=/bin/bash",
                launcher.toString(), "shell", spec.toString()))));
        awaitSandboxShell(60);
        tmux.type("echo \"TTY=$(tty) UID=$(id -u) SHELL=$0\"-$(hostname)", "TTY=/dev/pts/0 UID=0 SHELL=/bin/bash-shell-test");
        resizeAndAwaitInside(70, 20);
        tmux.line("exit 5");
        assertEquals(5, exitCode(), tmux.screen());
        assertTerminalRestored();
    }

    /** Without a terminal on standard input (this JVM's is a pipe): refused, exit 2, and why. */
    @Test
    void withoutATerminalItRefusesAndSaysWhatToUseInstead() throws Exception {
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), SPEC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Main().execute(new String[] {"shell", spec.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, e);
        assertTrue(e.contains("nsbox: error: shell needs a terminal on standard input"), e);
        assertTrue(e.contains("nsbox run " + spec + " -- COMMAND"), e);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theDefaultCommandIsTheUsersShell() {
        assertEquals(List.of("/bin/zsh"), ShellCommand.defaultCommand(Map.of("SHELL", "/bin/zsh")));
        assertEquals(List.of("/bin/sh"), ShellCommand.defaultCommand(Map.of()));
        assertEquals(List.of("/bin/sh"), ShellCommand.defaultCommand(Map.of("SHELL", "")));
    }

    /** Waits until a {@code sleep MARKER} runs ({@code present}) or none is left. */
    private static void awaitSleep(String marker, boolean present) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Processes.sleepsWith(marker).isEmpty() == present) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("sleep " + marker + (present ? " never started" : " is still running: "
                        + Processes.sleepsWith(marker)));
            }
            Thread.sleep(50);
        }
    }

    /** Waits until the {@code sleep MARKER} runs, not stopped (state R or S in /proc/PID/stat). */
    private static void awaitRunning(String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (Path p : Files.list(Path.of("/proc")).toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    String stat = Files.readString(p.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    if (cmd.equals("sleep " + marker + " ") && (state == 'S' || state == 'R')) {
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    // not a process, or gone meanwhile
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("sleep " + marker + " was not resumed");
    }
}
