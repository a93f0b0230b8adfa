package dev.nsbox.cli;

import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;

import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples of {@code specs/} that need root, run for real through {@code nsbox run} in a
 * separate JVM (which inherits this test JVM's scratch mount namespace). Each asserts what the
 * example promises, from inside the sandbox.
 */
@Timeout(900)
class ExamplesRunTest {

    private static final Path SPECS = Path.of("..", "specs").toAbsolutePath().normalize();
    private static final Path HELLO = SPECS.resolve("hello");

    static Result nsbox(String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Processes.nsbox(args));
        // Surefire points JAVA_HOME at the test JVM wrapper's folder; the examples keep JAVA_HOME.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return Result.of(pb.start());
    }

    @Test
    void hermeticTestsCompilesAndRunsAProgramWithNoNetworkAndReadOnlySources() throws Exception {
        Privileges.assumeScratchRoot();
        Result r = nsbox("run", SPECS.resolve("hermetic-tests.yaml").toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("hostname:            hermetic"), r.toString());
        assertTrue(r.out().contains("network interfaces:  [lo]"), r.toString());
        assertTrue(r.out().contains("source tree writable false"), r.toString());
        assertTrue(r.out().contains("sealed: no network, read-only sources, writable target/"), r.toString());
        assertTrue(Files.exists(HELLO.resolve("target/classes/hello/Main.class")), "javac wrote into target/");
    }

    @Test
    void hermeticTestsCannotReachAListenerOnTheHostsLoopback() throws Exception {
        Privileges.assumeScratchRoot();
        assertEquals(0, nsbox("run", SPECS.resolve("hermetic-tests.yaml").toString()).exit());
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Result r = nsbox("run", SPECS.resolve("hermetic-tests.yaml").toString(), "--", "java", "-XX:-UsePerfData",
                    "-cp", "target/classes", "hello.Main", "127.0.0.1", Integer.toString(listener.getLocalPort()));
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("connect 127.0.0.1:" + listener.getLocalPort() + " refused"), r.toString());
        }
    }

    @Test
    void tmpfsRootShowsOnlyWhatTheSpecMounted() throws Exception {
        Privileges.assumeScratchRoot();
        Result r = nsbox("run", SPECS.resolve("tmpfs-root.yaml").toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("root: bin dev etc lib lib64 proc sbin tmp usr", r.out().lines().findFirst().orElse("").trim(),
                r.toString());
        assertTrue(r.out().contains("no /home, no /root"), r.toString());
    }

    @Test
    void aDevMountIsMinimalAndUsableWithAWorldWritableShm() throws Exception {
        Privileges.assumeScratchRoot();
        Result r = nsbox("run", SPECS.resolve("tmpfs-root.yaml").toString(), "--", "sh", "-c",
                "ls -A /dev | tr '\\n' ' '; echo; stat -c %a /dev/shm; echo ok > /dev/null && head -c 4 /dev/zero | wc -c; "
                        + "readlink /dev/fd /dev/ptmx");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("fd full null ptmx pts random shm stderr stdin stdout tty urandom zero", lines.get(0).trim(),
                r.toString());
        assertEquals("1777", lines.get(1), "mkdir(2) applies the umask; the plan's mode must be exact");
        assertEquals("4", lines.get(2).trim());
        assertEquals(List.of("/proc/self/fd", "pts/ptmx"), lines.subList(3, 5));
    }

    @Test
    void hideSecretsMakesEveryCredentialThatExistsReadAsEmpty() throws Exception {
        Privileges.assumeScratchRoot();
        // A credential of our own under a scratch home, so the test does not depend on the machine's.
        Path home = Files.createTempDirectory("nsbox-home");
        Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(home.resolve(".ssh/id_ed25519"), "PRIVATE KEY\n");
        Files.writeString(home.resolve(".npmrc"), "//registry/:_authToken=secret\n");
        try {
            Result r = nsbox("run", "-D", "user.home=" + home, SPECS.resolve("hide-secrets.yaml").toString(), "--", "sh",
                    "-c", "cat " + home + "/.npmrc; ls -A " + home + "/.ssh; echo end");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("end", r.out().trim(), r.toString());
            assertEquals("PRIVATE KEY\n", Files.readString(home.resolve(".ssh/id_ed25519")), "the host's file is untouched");
        } finally {
            for (String f : List.of(".ssh/id_ed25519", ".ssh", ".npmrc")) {
                Files.deleteIfExists(home.resolve(f));
            }
            Files.delete(home);
        }
    }

    @Test
    void offlineBuildRunsMavenWithNoNetworkAndAReadOnlyLocalRepository() throws Exception {
        Privileges.assumeScratchRoot();
        // As the spec says: resolve the build's plugins outside first, then build offline inside.
        Process prefetch = new ProcessBuilder("mvn", "-B", "-q", "-f", HELLO.resolve("pom.xml").toString(),
                "dependency:resolve-plugins").redirectErrorStream(true).start();
        String log = new String(prefetch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(prefetch.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, prefetch.exitValue(), log);
        Result r = nsbox("run", SPECS.resolve("offline-build.yaml").toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("sealed: no network, read-only sources, writable target/"), r.toString());
    }
}
