package dev.nsbox.seccomp;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SyscallsTest {

    @Test
    void x86_64NumbersAreTheKernelsOwn() {
        Syscalls t = Syscalls.of(SeccompArch.X86_64);
        assertEquals(OptionalInt.of(0), t.number("read"));
        assertEquals(OptionalInt.of(1), t.number("write"));
        assertEquals(OptionalInt.of(165), t.number("mount"));
        assertEquals(OptionalInt.of(250), t.number("keyctl"));
        assertEquals(OptionalInt.of(272), t.number("unshare"));
        assertEquals(OptionalInt.of(435), t.number("clone3"));
        assertEquals(OptionalInt.of(442), t.number("mount_setattr"));
        assertEquals("mount", t.name(165).orElseThrow());
    }

    @Test
    void aarch64UsesTheGenericTable() {
        Syscalls t = Syscalls.of(SeccompArch.AARCH64);
        assertEquals(OptionalInt.of(40), t.number("mount"));
        assertEquals(OptionalInt.of(97), t.number("unshare"));
        assertEquals(OptionalInt.of(219), t.number("keyctl"));
        assertEquals(OptionalInt.of(435), t.number("clone3"));
        assertEquals(OptionalInt.of(63), t.number("read"));
        // The generic table has only the *at forms and no fork(2): glibc forks with clone(2).
        assertTrue(t.number("open").isEmpty());
        assertTrue(t.number("fork").isEmpty());
        assertEquals(OptionalInt.of(56), t.number("openat"));
        // arm64 sets __ARCH_WANT_MEMFD_SECRET; the generic table holds the call only then.
        assertEquals(OptionalInt.of(447), t.number("memfd_secret"));
    }

    /** Calls newer than the 6.1 headers, in the numbering all ABIs share from 424 on. */
    @Test
    void bothTablesHoldTheCallsOfNewerKernels() {
        for (SeccompArch arch : SeccompArch.values()) {
            Syscalls t = Syscalls.of(arch);
            assertEquals(OptionalInt.of(452), t.number("fchmodat2"), arch.id());
            assertEquals(OptionalInt.of(462), t.number("mseal"), arch.id());
            assertEquals(466, t.highest(), arch.id());
        }
    }

    @Test
    void aNameOfEitherAbiIsKnown() {
        assertTrue(Syscalls.isKnown("arch_prctl"));
        assertTrue(Syscalls.isKnown("renameat"));
        assertFalse(Syscalls.isKnown("frobnicate"));
    }

    /** The x86_64 table holds every call of the uapi header it came from, where that header exists. */
    @Test
    void x86_64TableMatchesTheInstalledHeader() throws IOException {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        assumeTrue(Files.isRegularFile(header), "no " + header + " (package linux-libc-dev) on this machine");
        Syscalls t = Syscalls.of(SeccompArch.X86_64);
        List<String> defines = Files.readAllLines(header).stream().filter(l -> l.startsWith("#define __NR_")).toList();
        assertFalse(defines.isEmpty());
        for (String l : defines) {
            String[] f = l.split("\\s+");
            String name = f[1].substring("__NR_".length());
            assertEquals(OptionalInt.of(Integer.parseInt(f[2])), t.number(name), name);
        }
        assertTrue(t.all().size() >= defines.size());
    }
}
