package dev.nsbox.security;

import dev.nsbox.security.SystemdLikeHost.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.nsbox.security.EscapeTest.assertHeld;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The attempts that must fail alike whoever runs nsbox, root ({@link EscapeTest}) or an ordinary
 * user ({@link RootlessEscapeTest}): each subclass says how a probe runs, as the step of a
 * default spec, on a host whose {@code /} is rshared.
 */
abstract class EscapeAttempts {

    static final String ETC_PROBE = "/etc/nsbox-escape-probe";

    @TempDir(factory = OutsideTmp.class)
    Path dir;

    DefaultSpec secrets;

    /** Runs {@code probe} as the step of {@code spec}, and checks that no mount table around it changed. */
    abstract Run attempt(Path spec, String probe) throws IOException, InterruptedException;

    @Test
    void aHiddenDirectoryStaysHiddenWhenTheStepUnmountsTheHide() throws Exception {
        Run r = attempt(secrets.write(), Probes.unhide(secrets.secretDir, secrets.token));
        assertHeld(r);
        assertFalse(r.out().contains(secrets.token), r.toString());
    }

    @Test
    void theReadOnlyRootCannotBeRemountedWritableNorWritten() throws Exception {
        Path probe = Path.of(ETC_PROBE);
        Files.deleteIfExists(probe);
        try {
            Run r = attempt(secrets.write(), Probes.remountRoot(ETC_PROBE));
            assertHeld(r);
            assertFalse(Files.exists(probe), ETC_PROBE + " reached the host\n" + r);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    @Test
    void newMountsAreRefused() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/mnt")), "needs /mnt on the host to aim mounts at");
        assertHeld(attempt(secrets.write(), Probes.newMounts("/mnt")));
    }

    @Test
    void newNamespacesAreRefused() throws Exception {
        assertHeld(attempt(secrets.write(), Probes.newNamespaces()));
    }
}
