package dev.nsbox.testing;

import dev.nsbox.testing.Processes.Result;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * An ordinary user (no CAP_SYS_ADMIN) to run nsbox as, for the rootless tests.
 *
 * <p>When the tests run as root (CI runs {@code mvn -B verify} as root), that is the user named
 * by {@code NSBOX_TEST_USER}, default {@code nsboxci}, which {@code .ci/run} creates; commands
 * run as it through {@code runuser -u USER --}, in the test JVM's scratch mount namespace. When
 * the tests run as an ordinary user already, that is the user itself.
 *
 * <p>The user needs no Maven repository of its own: the engine's class path (this test JVM's,
 * read from Surefire's manifest-only jar when there is one) is copied into a folder under
 * {@code engine/target/rootless} it can read (under {@code /var/tmp} when the checkout is under
 * {@code /tmp}). Its work folders live there too, not under {@code /tmp}, which the example
 * specs cover with a tmpfs.
 */
public final class OrdinaryUser {

    public static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

    public final String name;
    public final int uid;
    public final int gid;
    public final String home;
    public final Path base;
    public final String classPath;
    private final List<String> prefix;

    private OrdinaryUser(String name, int uid, int gid, String home, Path base, String classPath, List<String> prefix) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.home = home;
        this.base = base;
        this.classPath = classPath;
        this.prefix = prefix;
    }

    /**
     * The user, with its class path prepared under {@code base}; skips the test when there is
     * none. Run as root, also skips it outside a scratch mount namespace: the user's processes
     * start in this JVM's, and whatever they could do, the machine's real mount table stays out
     * of reach.
     */
    public static synchronized OrdinaryUser get() throws IOException, InterruptedException {
        boolean root = euid() == 0;
        if (root) {
            Privileges.assumeScratchRoot();
        }
        Path base = base();
        String name;
        List<String> prefix;
        if (root) {
            name = System.getenv().getOrDefault("NSBOX_TEST_USER", "nsboxci");
            // By its path: a wrapper's shell may exec the command with the user's PATH, without sbin.
            Path runuser = Stream.of("/usr/sbin/runuser", "/sbin/runuser").map(Path::of).filter(Files::isExecutable)
                    .findFirst().orElse(null);
            needs(runuser != null, "needs runuser(1) (util-linux) to run as an ordinary user");
            needs(run(List.of("id", "-u", name)).exit() == 0, "needs an ordinary user '" + name
                    + "' to run the rootless tests as: create it with 'useradd -m " + name
                    + "' (as .ci/run does), or name one in NSBOX_TEST_USER");
            prefix = List.of(runuser.toString(), "-u", name, "--");
        } else {
            name = System.getProperty("user.name");
            prefix = List.of();
        }
        int uid = Integer.parseInt(run(List.of("id", "-u", name)).out().trim());
        int gid = Integer.parseInt(run(List.of("id", "-g", name)).out().trim());
        needs(uid != 0, "the rootless tests need a user other than root");
        String home = run(List.of("sh", "-c", "getent passwd " + name + " | cut -d: -f6")).out().trim();
        Files.createDirectories(base);
        readable(base);
        Path cp = base.resolve("classpath");
        String classPath = copyClassPath(cp);
        OrdinaryUser u = new OrdinaryUser(name, uid, gid, home, base, classPath, prefix);
        Result probe = u.exec(List.of("unshare", "--user", "--map-root-user", "true"), null);
        needs(probe.exit() == 0, "this machine refuses user " + name + " a user namespace ("
                + probe.err().trim() + "); see nsbox doctor");
        return u;
    }

    /**
     * {@code engine/target/rootless}; or, when the checkout lies under {@code /tmp} (which the
     * example specs cover with a tmpfs: a user's home or repository there would be out of the
     * sandbox's sight), a folder under {@code /var/tmp} that is removed when this JVM ends.
     */
    private static Path base() throws IOException {
        Path target = Path.of("target", "rootless").toAbsolutePath().normalize();
        if (!target.startsWith("/tmp")) {
            return target;
        }
        Path outside = Files.createTempDirectory(Path.of("/var/tmp"), "nsbox-rootless-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> all = Files.walk(outside)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                System.err.println("cannot remove " + outside + ": " + e.getMessage());
            }
        }, "remove " + outside));
        return outside;
    }

    /**
     * Skips the test, saying what the machine lacks; unless {@code NSBOX_REQUIRE_TEST_USER=true}
     * (.ci/run sets it), where the rootless tests must run and a missing ability is a failure.
     */
    private static void needs(boolean present, String what) {
        if (!present && "true".equals(System.getenv("NSBOX_REQUIRE_TEST_USER"))) {
            throw new AssertionError(what + " (NSBOX_REQUIRE_TEST_USER=true: the rootless tests must run here)");
        }
        Assumptions.assumeTrue(present, what);
    }

    /** A fresh folder owned by the user under {@code base}. */
    public Path folder(String name) throws IOException {
        Path d = Files.createTempDirectory(base, name + "-");
        own(d);
        return d;
    }

    /** Makes {@code p} and everything under it the user's. */
    public void own(Path p) throws IOException {
        if (euid() != 0) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.setAttribute(f, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(f, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /** {@code java [flags] -cp CLASSPATH main args...} as the user. */
    public ProcessBuilder java(String main, List<String> args) {
        return command(javaArgv(main, args));
    }

    /** {@code java [flags] -cp CLASSPATH main args...}, to be run as the user by a wrapper. */
    public List<String> javaArgv(String main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", classPath, main));
        cmd.addAll(args);
        return cmd;
    }

    /** {@code nsbox ARGS} through the CLI's main class, as {@code java -jar nsbox.jar} would run it. */
    public ProcessBuilder nsbox(String... args) {
        return command(nsboxArgv(args));
    }

    /** The command line of {@link #nsbox}, to be run as the user by a wrapper. */
    public List<String> nsboxArgv(String... args) {
        return javaArgv("dev.nsbox.cli.Main", List.of(args));
    }

    /**
     * {@code argv} as the user with the same small clean environment as {@link #command}, as one
     * command line, for callers that start it themselves (a nested namespace's shell).
     */
    public List<String> argv(List<String> argv) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "USER=" + name,
                "LOGNAME=" + name, "LANG=C.UTF-8", "JAVA_HOME=" + System.getProperty("java.home")));
        cmd.addAll(argv);
        return cmd;
    }

    /** Any command as the user, with a small clean environment. */
    public ProcessBuilder command(List<String> argv) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pb.environment().put("HOME", home);
        pb.environment().put("USER", name);
        pb.environment().put("LOGNAME", name);
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.directory(base.toFile());
        return pb;
    }

    public Result exec(List<String> argv, Path cwd) throws IOException, InterruptedException {
        ProcessBuilder pb = command(argv);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        return Result.of(pb.start());
    }

    /** A jar with only a manifest (Main-Class, Class-Path) for the {@code ./nsbox} launcher's NSBOX_JAR. */
    public Path manifestJar() throws IOException {
        Path jar = base.resolve("classpath").resolve("nsbox-test.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.nsbox.cli.Main");
        List<String> urls = new ArrayList<>();
        for (String e : classPath.split(":")) {
            urls.add(Path.of(e).toUri().toString());
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
        readable(jar);
        return jar;
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        return Result.of(new ProcessBuilder(cmd).start());
    }

    /** The effective uid of this JVM ({@link Privileges#euid()}). */
    public static int euid() {
        return Privileges.euid();
    }

    /** This JVM's class path, copied where the user can read it; its entries joined by ':'. */
    private static String copyClassPath(Path to) throws IOException {
        Files.createDirectories(to);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (Path e : Processes.classPath()) {
            Path dest = to.resolve((i++) + "-" + e.getFileName());
            if (Files.isDirectory(e)) {
                Processes.copyTree(e, dest);
            } else if (Files.isRegularFile(e)) {
                Files.copy(e, dest, StandardCopyOption.REPLACE_EXISTING);
            } else {
                continue;
            }
            out.add(dest.toString());
        }
        readable(to);
        return String.join(":", out);
    }

    /** a+rX on {@code p} and below (its parents must be traversable already: .ci/run sees to it). */
    private static void readable(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(f);
                perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
                perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_READ);
                if (Files.isDirectory(f)) {
                    perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                    perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
                }
                Files.setPosixFilePermissions(f, perms);
            }
        }
    }

    public static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
