package dev.nsbox.exec;

import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Plan;
import dev.nsbox.sys.Sys;
import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real client, {@code nsbox-fork} as the build compiled it, against a {@link ForkServer} in
 * this JVM: what a test fork sees of its test JVM (exit status, death by a signal, its streams,
 * its signals forwarded) and the refusals (no server, another user).
 */
@Timeout(120)
class ForkServerTest {

    @TempDir
    Path home;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<ForkServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(ForkServer::close);
    }

    private static Plan plan() {
        return TestPlans.sandbox(Flags.CLONE_NEWNS | Flags.CLONE_NEWPID).proc("/proc", 0).run("true").build();
    }

    /** {@code HOME/bin/java} is the client; a server on {@code HOME/forks} runs {@code sh -c ARG1}. */
    private Path serve(Path at) throws IOException {
        Path java = client(at);
        servers.add(ForkServer.start(at.resolve(ForkServer.DIRECTORY), plan(),
                new ForkServer.Command(List.of("/bin/sh", "-c"), Map.of("JAVA_HOME", "/the/real/jdk")),
                Duration.ofSeconds(2), log::add));
        return java;
    }

    private static Path client(Path at) throws IOException {
        Path java = Files.createDirectories(at.resolve("bin")).resolve("java");
        ForkServer.writeClient(java);
        return java;
    }

    private static Result run(Path java, String script) throws IOException, InterruptedException {
        return Result.of(new ProcessBuilder(java.toString(), script).start());
    }

    @Test
    void theForkEndsWithItsTestJvmsExitCode() throws Exception {
        Privileges.assumeScratchRoot();
        Path java = serve(home);
        assertEquals(7, run(java, "exit 7").exit());
        assertEquals(0, run(java, "true").exit());
        assertEquals(List.of(), log);
    }

    @Test
    void theWarmUpRunsOnceInThePlansSandboxAndForksRunAsBefore() throws Exception {
        Privileges.assumeScratchRoot();
        Path java = client(home);
        Path marker = home.resolve("warm");
        // The only warm-up of this test JVM, so the first: a JVM warms up once.
        // $$ is the shell's PID in the sandbox's PID namespace: nsbox-init is 1, the command 2.
        ForkServer server = ForkServer.start(home.resolve(ForkServer.DIRECTORY), plan(),
                new ForkServer.Command(List.of("/bin/sh", "-c"), Map.of("JAVA_HOME", "/the/real/jdk"),
                        List.of("/bin/sh", "-c", "echo \"$$ $NSBOX_SANDBOX $JAVA_HOME $(pwd)\" >> " + marker + "; echo out; exit 3")),
                Duration.ofSeconds(2), log::add);
        servers.add(server);
        RunResult warm = server.awaitWarmUp();
        assertEquals(3, warm.exitCode(), warm.messages().toString());
        assertEquals("2 1 /the/real/jdk /\n", Files.readString(marker));
        assertEquals(7, run(java, "exit 7").exit());
        assertEquals("2 1 /the/real/jdk /\n", Files.readString(marker));
        // What it warms is this JVM's: a second server (a reactor's next module) has none.
        ForkServer next = ForkServer.start(home.resolve("next").resolve(ForkServer.DIRECTORY), plan(),
                new ForkServer.Command(List.of("/bin/sh", "-c"), Map.of(), List.of("/bin/sh", "-c", "echo again >> " + marker)),
                Duration.ofSeconds(2), log::add);
        servers.add(next);
        assertEquals(null, next.awaitWarmUp());
        assertEquals("2 1 /the/real/jdk /\n", Files.readString(marker));
        assertEquals(List.of(), log);
    }

    @Test
    void withoutAWarmUpThereIsNone() throws Exception {
        Privileges.assumeScratchRoot();
        serve(home);
        assertEquals(null, servers.get(0).awaitWarmUp());
    }

    @Test
    void theTestJvmHasTheForksStreamsEnvironmentAndDirectory() throws Exception {
        Privileges.assumeScratchRoot();
        Path java = serve(home);
        Path cwd = Files.createDirectories(home.resolve("module"));
        ProcessBuilder pb = new ProcessBuilder(java.toString(),
                "tr a-z A-Z; echo \"$FORK_VAR $JAVA_HOME $NSBOX_SANDBOX\"; pwd; echo to-err >&2");
        pb.environment().put("FORK_VAR", "from-the-fork");
        pb.environment().put("JAVA_HOME", home.toString());
        pb.directory(cwd.toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("hello through a pipe\n".getBytes(StandardCharsets.UTF_8));
        }
        Result r = Result.of(p);
        assertEquals(0, r.exit(), r.err());
        assertEquals("HELLO THROUGH A PIPE\nfrom-the-fork /the/real/jdk 1\n" + cwd + "\n", r.out());
        assertEquals("to-err\n", r.err());
    }

    @Test
    void aTestJvmKilledByASignalKillsTheForkWithIt() throws Exception {
        Privileges.assumeScratchRoot();
        Path java = serve(home);
        Sys sys = Sys.get();
        int devNull = sys.open("/dev/null", Sys.O_RDWR | Sys.O_CLOEXEC, 0, "open(/dev/null)");
        try {
            int pid = sys.spawn(java.toString(), new String[] {java.toString(), "kill -KILL $$"},
                    new String[] {"PATH=/usr/bin:/bin"}, new int[] {devNull, devNull, devNull}, "/", 3, "spawn");
            int[] status = new int[1];
            sys.waitpid(pid, status, 0);
            // wait(2): WIFSIGNALED and WTERMSIG are the low seven bits.
            assertEquals(Sys.SIGKILL, status[0] & 0x7f, "wait status " + status[0]);
        } finally {
            sys.close(devNull);
        }
    }

    @Test
    void sigtermToTheForkReachesTheTestJvm() throws Exception {
        Privileges.assumeScratchRoot();
        Path java = serve(home);
        Process p = new ProcessBuilder(java.toString(),
                "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done").start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        // Not Process.destroy(), which closes the streams this test still reads.
        Sys.get().kill((int) p.pid(), Sys.SIGTERM);
        assertEquals("got TERM", out.readLine());
        assertEquals(42, p.waitFor());
    }

    @Test
    void withoutAServerTheForkRefusesAndRunsNothing() throws Exception {
        Path java = client(home);
        Result none = run(java, "echo ran");
        assertEquals(125, none.exit());
        assertEquals("", none.out());
        assertTrue(none.err().contains(home.resolve("forks/socket").toString()), none.err());
        assertTrue(none.err().contains("nsbox:prepare") && none.err().contains("-Dnsbox.skip"), none.err());

        Privileges.assumeScratchRoot();
        serve(home);
        servers.get(0).close();
        // A stale socket file refuses as well.
        Files.createFile(home.resolve("forks/socket"));
        Result stale = run(java, "echo ran");
        assertEquals(125, stale.exit());
        assertEquals("", stale.out());
        assertTrue(stale.err().contains("no server listens there"), stale.err());
    }

    @Test
    void aForkOfAnotherUserIsRefusedByItsCredentials() throws Exception {
        Privileges.assumeScratchRoot();
        OrdinaryUser user = OrdinaryUser.get();
        Path at = user.folder("fork-server");
        Path java = serve(at);
        // Opened up on purpose, so that the connection reaches SO_PEERCRED's check.
        Files.setPosixFilePermissions(at.resolve("forks"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(at.resolve("forks/socket"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Result r = user.exec(List.of(java.toString(), "echo ran"), null);
        assertEquals(125, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().contains("serves uid 0 only") && r.err().contains("runs as uid " + user.uid), r.err());
        assertEquals(1, log.size(), log.toString());
    }

    @Test
    void theSocketIsTheOwnersOnly() throws Exception {
        Privileges.assumeScratchRoot();
        serve(home);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("forks"))));
        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("forks/socket"))));
    }
}
