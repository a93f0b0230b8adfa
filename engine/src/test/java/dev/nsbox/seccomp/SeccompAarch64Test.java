package dev.nsbox.seccomp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default filter compiled for aarch64: it checks {@code AUDIT_ARCH_AARCH64}, judges the
 * numbers of the generic table ({@code asm-generic/unistd.h}), and has none of x86_64's extra
 * branches (x32's bit 30; i386 needs none of its own, being just another foreign arch value).
 */
class SeccompAarch64Test {

    private static final SeccompFilter ARM = SeccompFilter.of(SeccompPolicy.defaults(), Set.of(), SeccompArch.AARCH64)
            .orElseThrow();
    private static final List<SockFilter> PROGRAM = ARM.program().instructions();
    private static final int AUDIT_ARCH_AARCH64 = 0xC00000B7; // <linux/audit.h>: EM_AARCH64 | 64BIT | LE
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;

    @Test
    void theProgramOpensWithTheAarch64ArchCheckAndNoX32Branch() {
        assertEquals(SeccompArch.AARCH64, ARM.program().arch());
        assertEquals(List.of(
                new SockFilter(SockFilter.LD_W_ABS, 0, 0, BpfCompiler.OFFSET_ARCH),
                new SockFilter(SockFilter.JEQ, 1, 0, AUDIT_ARCH_AARCH64),
                SockFilter.ret(BpfProgram.RET_KILL_PROCESS),
                new SockFilter(SockFilter.LD_W_ABS, 0, 0, BpfCompiler.OFFSET_NR)), PROGRAM.subList(0, 4));
        for (SockFilter insn : PROGRAM) {
            assertFalse(insn.code() == SockFilter.JGE && insn.k() == SeccompArch.X32_SYSCALL_BIT,
                    "an x32 branch in the aarch64 program: " + insn.text());
            assertFalse(insn.code() == SockFilter.JEQ
                            && (insn.k() == SeccompArch.AUDIT_ARCH_I386 || insn.k() == AUDIT_ARCH_X86_64),
                    "another ABI's arch value in the aarch64 program: " + insn.text());
        }
        // The x86_64 program, by contrast, has the x32 branch right after loading the number.
        List<SockFilter> x86 = SeccompFilter.of(SeccompPolicy.defaults(), Set.of(), SeccompArch.X86_64).orElseThrow()
                .program().instructions();
        assertEquals(new SockFilter(SockFilter.JGE, 0, 2, SeccompArch.X32_SYSCALL_BIT), x86.get(4));
        assertEquals(AUDIT_ARCH_X86_64, x86.get(1).k());
    }

    @Test
    void numbersAreJudgedByTheAarch64Table() {
        // <asm-generic/unistd.h>: 40 mount, 63 read, 97 unshare, 165 getrusage, 220 clone.
        assertEquals(40, Syscalls.of(SeccompArch.AARCH64).number("mount").orElseThrow());
        assertEquals(BpfProgram.RET_ERRNO | 1, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 40));
        assertEquals(BpfProgram.RET_ALLOW, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 63));
        assertEquals(BpfProgram.RET_ERRNO | 1, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 97, 0x10000000));
        // 165 is mount on x86_64 and getrusage here: allowed, so the table is aarch64's.
        assertEquals(BpfProgram.RET_ALLOW, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 165));
        // 0 is io_setup here (allowed, as Docker does) and read on x86_64; both pass.
        assertEquals(BpfProgram.RET_ALLOW, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 0));
        // Bit 30 has no meaning here: no kill, just a number beyond the table.
        assertEquals(BpfProgram.RET_ERRNO | 38, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 0x40000000 | 63));
        // Any other ABI's call is killed before its number is looked at.
        for (int nr : new int[] {0, 63, 165}) {
            assertEquals(BpfProgram.RET_KILL_PROCESS, BpfInterpreter.run(PROGRAM, AUDIT_ARCH_X86_64, nr));
            assertEquals(BpfProgram.RET_KILL_PROCESS, BpfInterpreter.run(PROGRAM, SeccompArch.AUDIT_ARCH_I386, nr));
        }
        assertTrue(ARM.program().length() <= BpfProgram.MAX_INSTRUCTIONS);
    }
}
