package dev.nsbox.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * For the tests of the architectures the jar carries: whether this machine must build and test
 * every one of them, and the programs (an emulator, {@code file(1)}) those tests need. On CI
 * every architecture is required ({@code .ci/run} exports {@code NSBOX_REQUIRE_ALL_ARCHS=true};
 * {@code CI=true} means the same), so there a missing tool fails the test instead of skipping
 * it, as {@code src/main/c/build.sh} fails the build without the cross compiler.
 */
public final class Architectures {

    private Architectures() {
    }

    /** Whether every architecture must be built and tested here. */
    public static boolean allRequired() {
        return "true".equals(System.getenv("NSBOX_REQUIRE_ALL_ARCHS")) || "true".equals(System.getenv("CI"));
    }

    /** Skips the test saying what the machine lacks, or fails it when every architecture is required. */
    public static void requireOrSkip(boolean present, String what) {
        if (!present && allRequired()) {
            throw new AssertionError(what + " (NSBOX_REQUIRE_ALL_ARCHS or CI is true: every architecture is tested here)");
        }
        Assumptions.assumeTrue(present, what);
    }

    /** {@code program} as the shell would find it on {@code PATH}. */
    public static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
