package dev.nsbox.rootless;

import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test forks of an ordinary user's build go through the warm helper JVM: the real client
 * ({@code nsbox-fork}) hands its descriptors to a fork server that the helper, already in the
 * user namespace, runs itself ({@link ForkServerDriver} does what {@code nsbox:prepare} does).
 * What a fork sees of its test JVM, the peer check through the user namespace, signals, a
 * killed fork, and the refusal once the build (the driver) has ended.
 */
@Tag("rootless")
@Timeout(180)
class RootlessForkServerTest {

    private static OrdinaryUser user;

    private Process driver;
    private final List<String> driverLines = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void user() throws Exception {
        if (OrdinaryUser.euid() == 0) {
            Privileges.assumeScratchRoot();
        }
        user = OrdinaryUser.get();
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null && driver.isAlive()) {
            driver.getOutputStream().close();
            if (!driver.waitFor(30, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
            }
        }
    }

    /** Serves forks of a hermetic spec from {@code work}; returns the client, {@code work/home/bin/java}. */
    private Path serve(Path work) throws Exception {
        Files.createDirectories(work.resolve("src"));
        Files.createDirectories(work.resolve("home"));
        user.own(work);
        Path spec = Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, pid, net, uts, ipc]
                hostname: rootless-forks
                root: {type: host, readOnly: true}
                mounts:
                  - {type: tmpfs, target: /tmp}
                  - {type: bind, source: "%1$s/src", target: "%1$s/src", readOnly: true}
                  - {type: proc, target: /proc}
                process:
                  cwd: "%1$s"
                  env: {clear: true, keep: [PATH, FORK_VAR, JAVA_HOME]}
                steps:
                  - name: fork
                    run: ["true"]
                """.formatted(work));
        user.own(spec);
        driver = user.java("dev.nsbox.rootless.ForkServerDriver",
                List.of(spec.toString(), work.resolve("home").toString())).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8));
        for (String l = out.readLine(); !"ready".equals(l); l = out.readLine()) {
            assertTrue(l != null, "the driver ended before it served: " + driverLines);
            driverLines.add(l);
        }
        Thread rest = new Thread(() -> {
            try {
                for (String l = out.readLine(); l != null; l = out.readLine()) {
                    driverLines.add(l);
                }
            } catch (IOException e) {
                driverLines.add("(" + e + ")");
            }
        }, "driver output");
        rest.setDaemon(true);
        rest.start();
        assertTrue(driverLines.stream().anyMatch(l -> l.startsWith("helper started: nsbox sandbox server, pid ")),
                driverLines.toString());
        assertTrue(driverLines.contains("socket: " + work.resolve("home/forks/socket")), driverLines.toString());
        assertTrue(driverLines.stream().anyMatch(l -> l.startsWith("where: in a helper JVM (nsbox sandbox server, ")),
                driverLines.toString());
        return work.resolve("home/bin/java");
    }

    @Test
    void aForkRunsInTheSandboxOfTheHelperWithItsOwnStreamsAndEndsWithItsExitCode() throws Exception {
        Path work = user.folder("forks");
        Path java = serve(work);
        ProcessBuilder pb = user.command(List.of(java.toString(),
                "tr a-z A-Z; echo \"pid $$ host $(hostname) uid $(id -u) map $(awk '{print $1, $2}' /proc/self/uid_map)\";"
                        + " echo \"$FORK_VAR $JAVA_HOME $NSBOX_SANDBOX $(pwd)\"; echo to-err >&2;"
                        + " touch src/x 2>/dev/null || echo src read-only; exit 7"));
        pb.environment().put("FORK_VAR", "from-the-fork");
        pb.directory(work.toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("hello through a pipe\n".getBytes(StandardCharsets.UTF_8));
        }
        Result r = Result.of(p);
        assertEquals(7, r.exit(), r.out() + r.err());
        assertEquals("HELLO THROUGH A PIPE\npid 2 host rootless-forks uid 0 map 0 " + user.uid + "\n"
                + "from-the-fork /the/real/jdk 1 " + work + "\nsrc read-only\n", r.out());
        assertEquals("to-err\n", r.err());
        // Ten more, each its own sandbox, all in the one helper.
        for (int i = 0; i < 10; i++) {
            Result again = user.exec(List.of(java.toString(), "echo $$; exit " + i), work);
            assertEquals(i, again.exit(), again.err());
            assertEquals("2\n", again.out());
        }
        assertEquals(1, driverLines.stream().filter(l -> l.startsWith("helper started: ")).count(), driverLines.toString());
        assertFalse(driverLines.stream().anyMatch(l -> l.startsWith("log: ")), driverLines.toString());
    }

    @Test
    void aForkOfAnotherUserIsRefusedThroughTheUserNamespace() throws Exception {
        // Only root is another user this test can run the client as; root reaches the 0700 folder
        // (CAP_DAC_OVERRIDE), so the connection gets to SO_PEERCRED, where root, unmapped in
        // the helper's namespace, reads as the overflow uid.
        Privileges.assumeScratchRoot();
        Path work = user.folder("stranger");
        Path java = serve(work);
        Result r = Result.of(new ProcessBuilder(java.toString(), "echo ran").start());
        assertEquals(125, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("serves uid 0 only") && r.err().contains("runs as uid 65534"), r.err());
        for (int i = 0; i < 100 && driverLines.stream().noneMatch(l -> l.startsWith("log: ")); i++) {
            Thread.sleep(50);
        }
        assertTrue(driverLines.stream().anyMatch(l -> l.startsWith("log: ") && l.endsWith("(refused)")),
                "the build log tells the refusal: " + driverLines);
    }

    @Test
    void signalsReachTheTestJvmAndAKilledForkTakesItsSandboxWithIt() throws Exception {
        Path work = user.folder("signals");
        Path java = serve(work);
        Process p = user.command(List.of(java.toString(),
                "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done")).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        ProcessHandle fork = client(p);
        new ProcessBuilder("kill", "-TERM", Long.toString(fork.pid())).start().waitFor();
        assertEquals("got TERM", out.readLine());
        assertEquals(42, p.waitFor());

        String marker = "86420" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Process q = user.command(List.of(java.toString(), "echo ready; sleep " + marker)).start();
        BufferedReader qout = new BufferedReader(new InputStreamReader(q.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", qout.readLine());
        // "ready" is written before the shell has started sleep: wait for it to be there.
        for (int i = 0; i < 100 && Processes.sleepsWith(marker).isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertEquals(1, Processes.sleepsWith(marker).size());
        new ProcessBuilder("kill", "-KILL", Long.toString(client(q).pid())).start().waitFor();
        q.waitFor(30, TimeUnit.SECONDS);
        for (int i = 0; i < 200 && !Processes.sleepsWith(marker).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), Processes.sleepsWith(marker), "the killed fork's sandbox is cancelled");
    }

    @Test
    void onceTheBuildEndsTheForkRefusesAndRunsNothing() throws Exception {
        Path work = user.folder("ended");
        Path java = serve(work);
        driver.getOutputStream().close();
        assertTrue(driver.waitFor(60, TimeUnit.SECONDS), driverLines.toString());
        Result r = user.exec(List.of(java.toString(), "echo ran"), work);
        assertEquals(125, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("nsbox:prepare") && r.err().contains(work.resolve("home/forks/socket").toString()),
                r.err());
    }

    /** The client process: the child of runuser as root, else the process itself. */
    private static ProcessHandle client(Process p) {
        return OrdinaryUser.euid() == 0 ? p.toHandle().children().findFirst().orElseThrow() : p.toHandle();
    }
}
