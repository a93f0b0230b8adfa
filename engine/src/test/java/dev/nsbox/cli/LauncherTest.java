package dev.nsbox.cli;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./nsbox} launcher as a user calls it: its AppCDS archive (docs/decisions/0013) is
 * dumped from the classes the first {@code run} loaded by the next call, mapped by the JVM of
 * every later call, and made again when the jar changed, whether the launcher sees it (a newer jar) or only the JVM does (an archive older
 * than the jar's last change); and a run leaves nothing in {@code java.io.tmpdir}, however early
 * it stops (the native layer loads on another thread while the spec is read).
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "nsbox").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Path jar;
    private Path cache;
    private Path spec;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeScratchRoot();
        // A jar of this build's classes, its dependencies named by its manifest. Not a manifest-only
        // jar: the JVM archives no class from a directory, and checks no jar it archived none from.
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        jar = dir.resolve("nsbox-test.jar");
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.nsbox.cli.Main");
        List<String> urls = new ArrayList<>();
        for (Path e : Processes.classPath()) {
            if (Files.isRegularFile(e)) {
                urls.add(e.toUri().toString());
            }
        }
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        cache = dir.resolve("cache");
        spec = Files.writeString(dir.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount]
                steps:
                  - run: ["true"]
                """);
    }

    private ProcessBuilder launcher(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("NSBOX_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().remove("NSBOX_JAVA_OPTS");
        pb.environment().remove("NSBOX_CDS");
        return pb;
    }

    /** The files of the launcher's cache folder that are archives or dumps. */
    private List<Path> archives() throws IOException {
        Path folder = cache.resolve("nsbox");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().startsWith("nsbox-")).sorted().toList();
        }
    }

    /** One {@code run SPEC}, which succeeds. */
    private void run() throws Exception {
        Result r = Result.of(launcher("run", spec.toString()).start());
        assertEquals(0, r.exit(), r.toString());
    }

    /**
     * Whether this JVM maps {@code archive} for the jar: with {@code -Xshare:on} a JVM that
     * cannot use it stops ("Unable to use shared archive"); the launcher's {@code -Xshare:auto}
     * would run without it, silently.
     */
    private boolean usable(Path archive) throws Exception {
        Result r = Result.of(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-jar", jar.toString(), "--version").start());
        return r.exit() == 0;
    }

    @Test
    void theFirstRunListsItsClassesTheNextCallDumpsThemAndEveryLaterCallMapsTheSameArchive() throws Exception {
        run();
        List<Path> first = archives();
        assertEquals(1, first.size(), first.toString());
        assertTrue(first.get(0).toString().endsWith(".classlist"), first.toString());

        run();
        List<Path> second = archives();
        assertEquals(1, second.size(), second.toString());
        assertTrue(second.get(0).toString().endsWith(".jsa"), second.toString());
        assertTrue(usable(second.get(0)), "the archive fits this jar and JVM");
        Object inode = Files.getAttribute(second.get(0), "unix:ino");

        run();
        Result version = Result.of(launcher("--version").start());
        assertEquals(0, version.exit(), version.toString());
        assertEquals(second, archives());
        assertEquals(inode, Files.getAttribute(second.get(0), "unix:ino"), "the archive was not made again");
    }

    @Test
    void aJarNewerThanTheArchiveIsListedAndDumpedAgainByTheLauncher() throws Exception {
        run();
        run();
        Path archive = archives().get(0);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plus(1, ChronoUnit.HOURS)));
        assertFalse(usable(archive), "the JVM refuses an archive of another jar");

        run();
        List<Path> now = archives();
        assertEquals(1, now.size(), now.toString());
        assertTrue(now.get(0).toString().endsWith(".classlist"), "listed again: " + now);
        run();
        assertTrue(usable(archives().get(0)), archives().toString());
    }

    @Test
    void anArchiveTheJvmCannotUseIsRemovedByItAndMadeAgain() throws Exception {
        run();
        run();
        Path archive = archives().get(0);
        // The jar changed after the archive, with an older modification time than the archive's
        // (a copy keeping its time): the launcher's test -nt cannot see it, the JVM's check can.
        Instant past = Instant.now().minus(2, ChronoUnit.HOURS);
        Files.setLastModifiedTime(jar, FileTime.from(past));
        Files.setLastModifiedTime(archive, FileTime.from(past.plus(1, ChronoUnit.HOURS)));
        assertFalse(usable(archive));

        run();
        assertEquals(List.of(), archives(), "the JVM that could not use it removed it as it exited");
        run();
        assertTrue(archives().get(0).toString().endsWith(".classlist"), archives().toString());
        run();
        assertTrue(usable(archives().get(0)), archives().toString());
    }

    @Test
    void aRunLeavesNothingInTheTemporaryFolderWhereverItStops() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path invalid = Files.writeString(dir.resolve("invalid.yaml"), "version: 1\nnamespaces: [mount, nope]\n");
        for (Path s : List.of(invalid, spec)) {
            ProcessBuilder pb = launcher("run", s.toString());
            pb.environment().put("NSBOX_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Djava.io.tmpdir=" + tmp);
            Result r = Result.of(pb.start());
            assertEquals(s == spec ? 0 : 1, r.exit(), r.toString());
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "left behind by " + s);
            }
        }
    }
}
