package dev.nsbox.security;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * System-call numbers the probes call by number through python3's ctypes, per architecture
 * (they differ: arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h for
 * arm64), and the guard that skips a probe where python3 or the table is missing, saying which.
 */
final class Syscalls {

    /** keyctl(2), clone(2) (cloneCall: a record cannot name a component clone), clone3(2), unshare(2). */
    record Numbers(int keyctl, int cloneCall, int clone3, int unshare) {
    }

    private static final Map<String, Numbers> BY_ARCH = Map.of(
            "amd64", new Numbers(250, 56, 435, 272),
            "x86_64", new Numbers(250, 56, 435, 272),
            "aarch64", new Numbers(219, 220, 435, 97));

    private Syscalls() {
    }

    /** This machine's numbers; skips the calling test where python3 or the numbers are missing. */
    static Numbers here() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")),
                "this probe calls the kernel through python3's ctypes, and /usr/bin/python3 is missing");
        String arch = System.getProperty("os.arch");
        Numbers n = BY_ARCH.get(arch);
        Assumptions.assumeTrue(n != null, "no system-call numbers for architecture " + arch + " in this probe");
        return n;
    }
}
