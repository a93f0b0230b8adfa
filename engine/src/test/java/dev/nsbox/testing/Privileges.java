package dev.nsbox.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Guards for tests that need the real kernel. Such tests run only in the scratch mount
 * namespace that {@code src/test/jvm/bin/java} starts the test JVM in, so that nothing they
 * mount can reach the machine's real mount table; elsewhere they skip, naming what is missing.
 */
public final class Privileges {

    private Privileges() {
    }

    /** True when this JVM runs in the scratch mount namespace of the test wrapper. */
    public static boolean inScratchNamespace() {
        return "1".equals(System.getenv("NSBOX_TEST_SCRATCH_NS"));
    }

    /** Skips the calling test unless it runs as root in a scratch mount namespace. */
    public static void assumeScratchRoot() {
        Assumptions.assumeTrue(inScratchNamespace(),
                "needs root (CAP_SYS_ADMIN) to start the test JVM in a scratch mount namespace "
                        + "(unshare --mount --propagation private); this machine refused it");
    }

    /** The effective uid of this JVM, read from /proc/self/status. */
    public static int euid() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return Integer.parseInt(l.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
