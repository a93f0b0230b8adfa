package dev.nsbox.security;

import dev.nsbox.security.SystemdLikeHost.Run;
import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.nsbox.security.EscapeTest.assertHeld;
import static dev.nsbox.security.EscapeTest.assertHostUntouched;
import static dev.nsbox.security.EscapeTest.assertNoCapabilities;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The escape attempts that mean something without root, run as an ordinary user (nsbox then
 * adds a user namespace in which the step is uid 0), on the same rshared "host" as
 * {@link EscapeTest}. What each proves about the kernel:
 *
 * <ul>
 *   <li>capabilities: the step holds none even in its own user namespace, where it is uid 0
 *       and would otherwise hold every one (user_namespaces(7)); NoNewPrivs 1, Seccomp 2;</li>
 *   <li>hide: the hide mount was made inside the sandbox's user namespace, so it is not
 *       MNT_LOCKED and CAP_SYS_ADMIN there would be enough to umount(2) it; without that
 *       capability umount fails with EPERM and the secret, readable by the user outside,
 *       stays hidden;</li>
 *   <li>read-only root: the read-only flag of a mount made in the user namespace could be
 *       cleared by a remount with CAP_SYS_ADMIN there; without it the remount fails, and
 *       /etc is not the user's to write anyway;</li>
 *   <li>new mounts and namespaces: mount(2) and unshare(2) fail, so the step cannot nest a
 *       user namespace to get CAP_SYS_ADMIN back;</li>
 *   <li>/proc/sys: the kernel refuses writes from outside the initial user namespace to most
 *       of it, and the guarded /proc makes all of it read-only whatever the namespace;</li>
 *   <li>rlimits: RLIMIT_NOFILE and RLIMIT_FSIZE hold without any cgroup (setrlimit(2)).</li>
 * </ul>
 */
@Timeout(300)
class RootlessEscapeTest extends EscapeAttempts {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

    private SystemdLikeHost host;
    private OrdinaryUser user;

    @BeforeEach
    void setUp() throws IOException, InterruptedException {
        Privileges.assumeScratchRoot();
        Assumptions.assumeTrue(Privileges.euid() == 0, "runs nsbox as an ordinary user through runuser, from root");
        user = OrdinaryUser.get();
        secrets = DefaultSpec.in(dir);
        host = new SystemdLikeHost(dir);
    }

    @Override
    Run attempt(Path spec, String probe) throws IOException, InterruptedException {
        List<String> jvmBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Run r = host.run(user.argv(user.nsboxArgv("run", spec.toString(), "--", "sh", "-c", probe)), RUN_TIMEOUT);
        assertHostUntouched(r, jvmBefore);
        return r;
    }

    @Test
    void theStepHasNoCapabilityInItsUserNamespace() throws Exception {
        assertNoCapabilities(attempt(secrets.write(), Probes.status()));
    }

    @Test
    void aHiddenFileStaysHiddenWhenTheStepUnmountsTheHide() throws Exception {
        Run outside = host.run(user.argv(List.of("cat", secrets.secretFile.toString())), RUN_TIMEOUT);
        assertTrue(outside.out().contains(secrets.token), "the user can read the secret outside: only the hide keeps it\n"
                + outside);
        Run r = attempt(secrets.write(), Probes.unhide(secrets.secretFile, secrets.token));
        assertHeld(r);
        assertFalse(r.out().contains(secrets.token), r.toString());
    }





    @Test
    void procSysAndItsKinAreReadOnly() throws Exception {
        Run r = attempt(secrets.write(), Probes.procReadOnly());
        assertHeld(r);
        assertTrue(r.out().contains("procfs: /proc\n"), r.toString());
    }

    @Test
    void theOpenFilesLimitIsAHardRlimit() throws Exception {
        Run r = attempt(secrets.write("nofile.yaml", "", "limits: {openFiles: 32}\n"), Probes.openFiles());
        assertHeld(r);
        assertTrue(r.out().contains("nofile soft=32 hard=32\n"), r.toString());
    }

    @Test
    void theFileSizeLimitStopsABigWrite() throws Exception {
        Run r = attempt(secrets.write("fsize.yaml", "", "limits: {fileSize: 1m}\n"), Probes.fileSize());
        assertHeld(r);
        Matcher m = Pattern.compile("size=(\\d+)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        assertEquals(true, Long.parseLong(m.group(1)) <= 1 << 20, r.toString());
    }
}
