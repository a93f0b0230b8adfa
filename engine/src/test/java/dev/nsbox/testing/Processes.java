package dev.nsbox.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What the tests that start nsbox as a separate process share: the command that runs the CLI
 * from this test JVM's class path, the finished process's exit code and output, and the
 * processes a sandbox may have left behind.
 */
public final class Processes {

    /** The launcher's lean JVM flags (./nsbox), for CLI processes started by tests. */
    public static final List<String> CLI_JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private Processes() {
    }

    /** A finished process: its exit code, standard output and standard error. */
    public record Result(int exit, String out, String err) {

        /** Closes {@code p}'s standard input, reads both its outputs to the end and waits for it. */
        public static Result of(Process p) throws IOException, InterruptedException {
            p.getOutputStream().close();
            byte[][] err = new byte[1][];
            Thread t = new Thread(() -> {
                try {
                    err[0] = p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    err[0] = new byte[0];
                }
            }, "stderr of " + p.pid());
            t.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            t.join();
            return new Result(code, out, new String(err[0], StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** This JVM's class path entries, Surefire's manifest-only booter jar expanded into its own. */
    public static Set<Path> classPath() throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path p = Path.of(e).toAbsolutePath();
            if (p.getFileName().toString().startsWith("surefirebooter") && Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    String cp = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    for (String u : cp.trim().split("\\s+")) {
                        Path entry = Path.of(java.net.URI.create(u));
                        if (!entry.getFileName().toString().startsWith("surefire")
                                && !entry.toString().contains("/org/apache/maven/surefire/")) {
                            out.add(entry);
                        }
                    }
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** {@code java [CLI flags] -cp <this JVM's class path> dev.nsbox.cli.Main ARGS...}. */
    public static List<String> nsbox(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(CLI_JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.nsbox.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@link #commandLines} of the running {@code sleep} processes whose arguments hold {@code marker}. */
    public static List<String> sleepsWith(String marker) throws IOException {
        return commandLines(cmd -> cmd.startsWith("sleep ") && cmd.contains(marker));
    }

    /** {@link #commandLines} of every process whose argv holds {@code marker}. */
    public static List<String> withMarker(String marker) throws IOException {
        return commandLines(cmd -> cmd.contains(marker));
    }

    /**
     * {@code "PID: ARGV"} (the argv joined by spaces) of every process on this machine whose argv
     * {@code matches}, this JVM left out: the test JVM's {@code /proc} is the host's procfs, so a
     * sandbox's processes show too. The PID before the colon is for killing a survivor.
     */
    public static List<String> commandLines(Predicate<String> matches) throws IOException {
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (matches.test(cmd)) {
                        found.add(name + ": " + cmd);
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return found;
    }

    /** Copies the folder {@code from} and all below it to {@code to}, replacing files there. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Path d = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(f, d, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
