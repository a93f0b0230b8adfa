package dev.nsbox.security;

import dev.nsbox.security.SystemdLikeHost.Run;
import dev.nsbox.security.SystemdLikeHost.Started;
import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.nsbox.security.EscapeTest.assertHostUntouched;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A step that kills its supervisor, in a sandbox without a PID namespace (issue #18, item 3):
 * the step's processes are then orphans that the kernel hands to the nearest child subreaper
 * among their ancestors (prctl(2) PR_SET_CHILD_SUBREAPER), or to init. Without a PID namespace
 * no namespace dies with the supervisor (pid_namespaces(7)), so nsbox-init's keeper, the process
 * the executor spawned and the supervisor's parent, is that subreaper: it kills and reaps
 * whatever the supervisor leaves before it exits, and nsbox returns only after that. So nothing
 * of the run survives, and nothing prints after nsbox has returned. Through the CLI, as root
 * and as an ordinary user (nsbox's helper JVM in a user namespace), on a systemd-like host in
 * the test JVM's scratch namespace.
 */
@Timeout(300)
class KilledSupervisorTest {

    @TempDir(factory = OutsideTmp.class)
    Path dir;

    private SystemdLikeHost host;
    private Path spec;

    @BeforeEach
    void setUp() throws IOException {
        Privileges.assumeScratchRoot();
        Assumptions.assumeTrue(Privileges.euid() == 0, "starts nsbox as root, and as an ordinary user through runuser");
        host = new SystemdLikeHost(dir);
        spec = Files.writeString(dir.resolve("mount-only.yaml"), "version: 1\n"
                + "namespaces: [mount]\n"
                + "root: {type: host, readOnly: true}\n");
        Files.setPosixFilePermissions(spec, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void asRootNothingOfTheRunSurvivesAStepThatKillsItsSupervisor() throws Exception {
        String marker = marker();
        assertNothingSurvives(Processes.nsbox("run", spec.toString(), "--", "sh", "-c", step(marker)), marker);
    }

    @Test
    void rootlessNothingOfTheRunSurvivesAStepThatKillsItsSupervisor() throws Exception {
        OrdinaryUser user = OrdinaryUser.get();
        String marker = marker();
        assertNothingSurvives(user.argv(user.nsboxArgv("run", spec.toString(), "--", "sh", "-c", step(marker))),
                marker);
    }

    /** The sleep's argument, unique to the test, names every process of the run on this machine. */
    private static String marker() {
        return "300." + ThreadLocalRandom.current().nextInt(100000, 999999);
    }

    /**
     * Issue #18's reproduction: a session leader of its own in the background (out of the step's
     * process group and session, as a daemon would be), then SIGKILL to the step's parent.
     */
    private static String step(String marker) {
        return "(setsid sleep " + marker + " &); kill -9 $PPID; sleep 1; echo still-alive";
    }

    private void assertNothingSurvives(List<String> argv, String marker) throws Exception {
        List<String> jvmBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Started s = host.start(argv, true);
        Run r;
        List<String> survivors;
        String outWhenNsboxReturned;
        try {
            assertTrue(s.process.waitFor(120, TimeUnit.SECONDS), "nsbox did not return");
            outWhenNsboxReturned = s.outSoFar();
            // The step would print 1 s after the kill; give it twice that.
            Thread.sleep(Duration.ofSeconds(2).toMillis());
        } finally {
            survivors = EscapeTest.killSurvivors(marker);
            r = s.finish(Duration.ofSeconds(60));
        }
        assertEquals(List.of(), survivors, "processes of the run outlived nsbox\n" + r);
        assertFalse(r.out().contains("still-alive"), "the step printed after its supervisor died\n" + r);
        assertEquals(outWhenNsboxReturned, r.out(), "nothing may print after nsbox returned\n" + r);
        assertNotEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("the supervisor nsbox-init ended unexpectedly"), r.toString());
        assertHostUntouched(r, jvmBefore);
    }
}
