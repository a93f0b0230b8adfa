package dev.nsbox.security;

import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The ordinary user the rootless escape attempts run nsbox as: {@code NSBOX_TEST_USER}, default
 * {@code nsboxci}, reached from root through {@code runuser}, as the rootless suite does
 * (dev.nsbox.rootless). Skips when the user or a user namespace for it is missing, unless
 * {@code NSBOX_REQUIRE_TEST_USER=true}, where that is a failure.
 *
 * <p>The engine's class path is copied under {@code target/security/classpath} (world-readable):
 * the user cannot read root's Maven repository.
 */
final class TestUser {

    private static TestUser cached;

    final String name;
    private final String runuser;
    private final String home;
    private final String classPath;

    private TestUser(String name, String runuser, String home, String classPath) {
        this.name = name;
        this.runuser = runuser;
        this.home = home;
        this.classPath = classPath;
    }

    static synchronized TestUser get() throws IOException, InterruptedException {
        if (cached != null) {
            return cached;
        }
        String name = System.getenv().getOrDefault("NSBOX_TEST_USER", "nsboxci");
        String runuser = Stream.of("/usr/sbin/runuser", "/sbin/runuser").filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElse(null);
        needs(runuser != null, "needs runuser(1) (util-linux) to run as an ordinary user");
        needs(run(List.of("id", "-u", name)).exit() == 0, "needs an ordinary user '" + name
                + "' (useradd --create-home " + name + "), or one named in NSBOX_TEST_USER");
        String home = run(List.of("sh", "-c", "getent passwd " + name + " | cut -d: -f6")).out().trim();
        Path cp = Files.createDirectories(Path.of("target", "security", "classpath").toAbsolutePath());
        TestUser u = new TestUser(name, runuser, home, copyClassPath(cp));
        Result probe = run(u.as(List.of("unshare", "--user", "--map-root-user", "true")));
        needs(probe.exit() == 0, "this machine refuses user " + name + " a user namespace (" + probe.err().trim() + ")");
        cached = u;
        return u;
    }

    /** {@code argv} as the user, with a small clean environment. */
    List<String> as(List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of(runuser, "-u", name, "--", "env", "-i",
                "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "USER=" + name, "LOGNAME=" + name, "LANG=C.UTF-8"));
        cmd.addAll(argv);
        return cmd;
    }

    /** {@code nsbox ARGS} as the user. */
    List<String> nsbox(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Processes.CLI_JVM_FLAGS);
        cmd.addAll(List.of("-cp", classPath, "dev.nsbox.cli.Main"));
        cmd.addAll(List.of(args));
        return as(cmd);
    }

    private static void needs(boolean present, String what) {
        if (!present && "true".equals(System.getenv("NSBOX_REQUIRE_TEST_USER"))) {
            throw new AssertionError(what + " (NSBOX_REQUIRE_TEST_USER=true: the rootless tests must run here)");
        }
        Assumptions.assumeTrue(present, what);
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        return Result.of(new ProcessBuilder(cmd).start());
    }

    /** This JVM's class path (Surefire's manifest-only jar expanded), copied under {@code to}. */
    private static String copyClassPath(Path to) throws IOException {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (Path e : entries()) {
            Path dest = to.resolve((i++) + "-" + e.getFileName());
            if (Files.isDirectory(e)) {
                try (Stream<Path> s = Files.walk(e)) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        Path d = dest.resolve(e.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(d);
                        } else {
                            Files.copy(f, d, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else if (Files.isRegularFile(e)) {
                Files.copy(e, dest, StandardCopyOption.REPLACE_EXISTING);
            } else {
                continue;
            }
            out.add(dest.toString());
        }
        Files.setPosixFilePermissions(to.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> s = Files.walk(to)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) || Files.isExecutable(f)
                        ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(":", out);
    }

    private static Set<Path> entries() throws IOException {
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
}
