package dev.nsbox.seccomp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs compiled programs in {@link BpfInterpreter} and checks what they decide. */
class SeccompFilterTest {

    static final int ALLOW = BpfProgram.RET_ALLOW;
    static final int EPERM = BpfProgram.RET_ERRNO | 1;
    static final int ENOSYS = BpfProgram.RET_ERRNO | 38;
    static final int KILL = BpfProgram.RET_KILL_PROCESS;

    // <linux/sched.h>
    static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800;
    static final long CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000;
    static final long CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000;
    static final long CLONE_CHILD_SETTID = 0x1000000, SIGCHLD = 17;
    static final long CLONE_NEWNS = 0x20000, CLONE_NEWUSER = 0x10000000, CLONE_NEWNET = 0x40000000;
    /** The flags glibc's pthread_create passes to clone(2). */
    static final long THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
            | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    /** The flags glibc's fork passes to clone(2). */
    static final long FORK_FLAGS = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;

    static SeccompFilter filter(SeccompPolicy policy, SeccompArch arch, String... caps) {
        return SeccompFilter.of(policy, Set.of(caps), arch).orElseThrow();
    }

    static int run(SeccompFilter f, String call, long... args) {
        int nr = Syscalls.of(f.arch()).number(call).orElseThrow(() -> new AssertionError(call + " on " + f.arch()));
        return BpfInterpreter.run(f.program().instructions(), f.arch().auditArch(), nr, args);
    }

    static void assertDecision(int expected, SeccompFilter f, String call, long... args) {
        assertEquals(BpfProgram.returnName(expected), BpfProgram.returnName(run(f, call, args)),
                call + " on " + f.arch());
    }

    @Test
    void theDefaultAllowsWhatOrdinaryProgramsUse() {
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompFilter f = filter(SeccompPolicy.defaults(), arch);
            for (String call : List.of("read", "write", "openat", "close", "execve", "futex", "mmap", "mprotect",
                    "brk", "rt_sigaction", "exit_group", "wait4", "pipe2", "getdents64", "newfstatat", "statx",
                    "setuid", "capset", "ptrace", "seccomp", "ioctl", "fchmodat2", "futex_wake", "cachestat")) {
                assertDecision(ALLOW, f, call);
            }
            assertDecision(ALLOW, f, "clone", THREAD_FLAGS);
            assertDecision(ALLOW, f, "clone", FORK_FLAGS);
            assertDecision(ALLOW, f, "socket", 2 /* AF_INET */);
            assertDecision(ALLOW, f, "personality", 0xffffffffL);
            assertDecision(ALLOW, f, "personality", 0);
        }
        SeccompFilter x86 = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        assertDecision(ALLOW, x86, "arch_prctl");
        assertDecision(ALLOW, x86, "open");
        assertDecision(ALLOW, x86, "fork");
    }

    @Test
    void theDefaultRefusesWhatDockerRefusesWithEperm() {
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompFilter f = filter(SeccompPolicy.defaults(), arch);
            for (String call : List.of("mount", "umount2", "pivot_root", "chroot", "keyctl", "add_key", "request_key",
                    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "kexec_load",
                    "bpf", "perf_event_open", "open_by_handle_at", "settimeofday", "clock_settime", "acct",
                    "move_mount", "fsopen", "open_tree", "syslog", "sethostname", "kcmp", "vhangup", "mbind",
                    "io_uring_setup", "io_uring_enter", "io_uring_register", "lsm_set_self_attr")) {
                assertDecision(EPERM, f, call);
            }
            assertDecision(EPERM, f, "socket", 40 /* AF_VSOCK */);
            assertDecision(EPERM, f, "socket", 38 /* AF_ALG */);
            assertDecision(ALLOW, f, "socket", 39 /* AF_NFC */);
            assertDecision(ALLOW, f, "socket", 41 /* AF_KCM */);
            assertDecision(ALLOW, f, "socket", 1 /* AF_UNIX */);
            assertDecision(EPERM, f, "personality", 6 /* PER_BSD */);
        }
        SeccompFilter x86 = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        assertDecision(EPERM, x86, "iopl");
        assertDecision(EPERM, x86, "umount2");
    }

    @Test
    void namespaceCreationIsRefused() {
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompFilter f = filter(SeccompPolicy.defaults(), arch);
            assertDecision(EPERM, f, "unshare", CLONE_NEWUSER);
            assertDecision(EPERM, f, "setns", 3, 0);
            assertDecision(EPERM, f, "clone", CLONE_NEWUSER | SIGCHLD);
            assertDecision(EPERM, f, "clone", CLONE_NEWNS);
            assertDecision(EPERM, f, "clone", FORK_FLAGS | CLONE_NEWNET);
            assertDecision(ENOSYS, f, "clone3");
            assertTrue(f.rules().namespaceCallsOpen().isEmpty());
        }
    }

    /** Only the low 32 bits of clone's flags reach the kernel (kernel/fork.c: lower_32_bits). */
    @Test
    void highBitsDoNotHideANamespaceFlag() {
        SeccompFilter f = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        assertDecision(EPERM, f, "clone", (1L << 40) | CLONE_NEWUSER);
        assertDecision(ALLOW, f, "clone", (1L << 40) | FORK_FLAGS);
    }

    @Test
    void foreignAbisAreKilled() {
        SeccompFilter x86 = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        List<SockFilter> p = x86.program().instructions();
        // getpid of i386 is 20, of x86_64 39; either way, int 0x80 never reaches the decisions.
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.AUDIT_ARCH_I386, 20));
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.AUDIT_ARCH_I386, 39));
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.AARCH64.auditArch(), 0));
        // x32: the x86_64 arch value with __X32_SYSCALL_BIT in the number (read is 0 there too).
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.X86_64.auditArch(), 0x40000000));
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.X86_64.auditArch(), 0x40000000 | 39));
        assertEquals(KILL, BpfInterpreter.run(p, SeccompArch.X86_64.auditArch(), 0x7fffffff));
        SeccompFilter arm = filter(SeccompPolicy.defaults(), SeccompArch.AARCH64);
        assertEquals(KILL, BpfInterpreter.run(arm.program().instructions(), SeccompArch.X86_64.auditArch(), 63));
    }

    @Test
    void numbersTheTableLacksFailWithoutKilling() {
        SeccompFilter x86 = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        List<SockFilter> p = x86.program().instructions();
        int arch = SeccompArch.X86_64.auditArch();
        // 400 lies in the hole x86_64 leaves between 334 and 424.
        assertEquals(EPERM, BpfInterpreter.run(p, arch, 400));
        // Newer than the table: ENOSYS, so that libc falls back to an older call.
        assertEquals(ENOSYS, BpfInterpreter.run(p, arch, Syscalls.of(SeccompArch.X86_64).highest() + 1));
        assertEquals(ENOSYS, BpfInterpreter.run(p, arch, 0x3fffffff));
        // -1, which a tracer sets to skip a call, is not an x32 call.
        assertEquals(ENOSYS, BpfInterpreter.run(p, arch, -1));
    }

    @Test
    void keptCapabilitiesOpenDockersCallsButNotNamespaces() {
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompFilter admin = filter(SeccompPolicy.defaults(), arch, "CAP_SYS_ADMIN");
            for (String call : List.of("mount", "umount2", "move_mount", "fsopen", "sethostname", "bpf")) {
                assertDecision(ALLOW, admin, call);
            }
            assertDecision(EPERM, admin, "unshare", CLONE_NEWNS);
            assertDecision(EPERM, admin, "setns", 3, 0);
            assertDecision(EPERM, admin, "clone", CLONE_NEWUSER);
            assertDecision(ENOSYS, admin, "clone3");
            assertDecision(EPERM, admin, "reboot");
            assertDecision(ALLOW, filter(SeccompPolicy.defaults(), arch, "CAP_SYS_BOOT"), "reboot");
            assertDecision(ALLOW, filter(SeccompPolicy.defaults(), arch, "CAP_SYS_MODULE"), "finit_module");
            assertDecision(ALLOW, filter(SeccompPolicy.defaults(), arch, "CAP_SYS_TIME"), "clock_settime");
            // A capability Docker adds nothing for changes nothing.
            assertEquals(filter(SeccompPolicy.defaults(), arch).program(),
                    filter(SeccompPolicy.defaults(), arch, "CAP_NET_BIND_SERVICE").program());
        }
    }

    @Test
    void customAllowAddsAndDenyWins() {
        SeccompArch arch = SeccompArch.X86_64;
        assertDecision(ALLOW, filter(new SeccompPolicy.Custom(List.of("mount"), List.of()), arch), "mount");
        assertDecision(EPERM, filter(new SeccompPolicy.Custom(List.of("mount"), List.of("@mount")), arch), "mount");
        assertDecision(EPERM, filter(new SeccompPolicy.Custom(List.of("@mount"), List.of("mount")), arch), "mount");
        assertDecision(ALLOW, filter(new SeccompPolicy.Custom(List.of("@mount"), List.of("mount")), arch), "umount2");
        SeccompFilter noMount = filter(new SeccompPolicy.Custom(List.of(), List.of("@mount")), arch, "CAP_SYS_ADMIN");
        assertDecision(EPERM, noMount, "mount");
        assertDecision(EPERM, noMount, "umount2");
        assertDecision(ALLOW, noMount, "sethostname");
        SeccompFilter noIo = filter(new SeccompPolicy.Custom(List.of("keyctl"), List.of("@keyring", "write")), arch);
        assertDecision(EPERM, noIo, "keyctl");
        assertDecision(EPERM, noIo, "write");
        assertDecision(ALLOW, noIo, "read");
    }

    @Test
    void namespacesOpenOnlyWhenNamed() {
        SeccompArch arch = SeccompArch.AARCH64;
        SeccompFilter f = filter(new SeccompPolicy.Custom(List.of("unshare", "clone"), List.of()), arch);
        assertDecision(ALLOW, f, "unshare", CLONE_NEWUSER);
        assertDecision(ALLOW, f, "clone", CLONE_NEWUSER);
        assertDecision(EPERM, f, "setns");
        assertDecision(ENOSYS, f, "clone3");
        assertEquals(Set.of("clone", "unshare"), f.rules().namespaceCallsOpen());
        // A denied clone3 keeps ENOSYS, the refusal glibc falls back from.
        SeccompFilter denied = filter(new SeccompPolicy.Custom(List.of("@process"), List.of("clone3")), arch);
        assertDecision(ENOSYS, denied, "clone3");
        assertDecision(ALLOW, denied, "setns");
    }

    @Test
    void unconfinedHasNoProgram() {
        assertTrue(SeccompFilter.of(new SeccompPolicy.Unconfined(), Set.of(), SeccompArch.X86_64).isEmpty());
        assertEquals("seccomp: unconfined, no filter",
                SeccompFilter.summary(new SeccompPolicy.Unconfined(), Set.of(), SeccompArch.X86_64));
    }

    /** Every number of the table, and some beyond, gets from the program what the rules say. */
    @Test
    void theProgramMakesTheRulesDecisionsForEveryNumber() {
        List<SeccompPolicy> policies = List.of(SeccompPolicy.defaults(),
                new SeccompPolicy.Custom(List.of("@privileged", "unshare"), List.of("@keyring", "@swap")));
        for (SeccompArch arch : SeccompArch.values()) {
            for (SeccompPolicy policy : policies) {
                SeccompFilter f = filter(policy, arch, "CAP_SYS_PTRACE");
                assertAgrees(f);
            }
        }
    }

    /**
     * A policy that alternates allowed and refused calls has more ranges than a conditional jump
     * can skip, so the program needs BPF_JA; it must still decide as the rules do.
     */
    @Test
    void longJumpsStillDecideAsTheRulesSay() {
        SeccompArch arch = SeccompArch.X86_64;
        Syscalls table = Syscalls.of(arch);
        List<String> deny = new ArrayList<>();
        List<String> allow = new ArrayList<>();
        for (int nr = 0; nr <= table.highest(); nr++) {
            if (table.name(nr).isPresent() && !SeccompRules.NAMESPACE_CALLS.contains(table.name(nr).get())) {
                (nr % 2 == 0 ? deny : allow).add(table.name(nr).get());
            }
        }
        SeccompFilter f = filter(new SeccompPolicy.Custom(allow, deny), arch);
        assertTrue(f.program().instructions().stream().anyMatch(i -> i.code() == SockFilter.JA),
                "expected a BPF_JA in " + f.program().length() + " instructions");
        assertAgrees(f);
    }

    private static void assertAgrees(SeccompFilter f) {
        Syscalls table = Syscalls.of(f.arch());
        for (int nr = 0; nr <= table.highest() + 8; nr++) {
            SeccompDecision d = f.rules().decide(nr);
            int got = BpfInterpreter.run(f.program().instructions(), f.arch().auditArch(), nr, FORK_FLAGS);
            int expected;
            if (d instanceof SeccompDecision.Errno e) {
                expected = BpfProgram.RET_ERRNO | e.errno();
            } else if (d instanceof SeccompDecision.Allow || table.name(nr).orElse("").equals("clone")) {
                expected = ALLOW;
            } else {
                // socket and personality, given FORK_FLAGS (0x1200011) as their first argument:
                // no refused socket family, and no persona Docker allows.
                String name = table.name(nr).orElseThrow();
                expected = name.equals("socket") ? ALLOW : EPERM;
            }
            assertEquals(BpfProgram.returnName(expected), BpfProgram.returnName(got),
                    "nr " + nr + " (" + table.name(nr).orElse("none") + ") on " + f.arch());
        }
    }

    @Test
    void theBytesAreStructSockFilterLittleEndian() {
        BpfProgram p = filter(SeccompPolicy.defaults(), SeccompArch.X86_64).program();
        byte[] b = p.bytes();
        assertEquals(8 * p.length(), b.length);
        // ld [4]: code 0x0020, jt 0, jf 0, k 4
        assertEquals(List.of(0x20, 0x00, 0, 0, 4, 0, 0, 0), unsigned(b, 0));
        // jeq #AUDIT_ARCH_X86_64, +1, +0
        assertEquals(List.of(0x15, 0x00, 1, 0, 0x3e, 0x00, 0x00, 0xc0), unsigned(b, 8));
        // ret KILL_PROCESS
        assertEquals(List.of(0x06, 0x00, 0, 0, 0, 0, 0, 0x80), unsigned(b, 16));
    }

    private static List<Integer> unsigned(byte[] b, int from) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < from + 8; i++) {
            out.add(b[i] & 0xff);
        }
        return out;
    }

    @Test
    void planAndExplainLines() {
        SeccompFilter f = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        int allowed = f.rules().allowed().size();
        assertEquals("seccomp: default filter (Docker's baseline), " + allowed + " calls allowed, "
                + "namespace creation refused, foreign ABIs refused; " + f.program().length() + " instructions",
                f.summary());
        assertEquals("seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=" + f.program().length() + ", filter=...})",
                f.call());
        assertTrue(allowed > 250 && allowed < Syscalls.of(SeccompArch.X86_64).all().size(), "allowed " + allowed);
        SeccompFilter c = filter(new SeccompPolicy.Custom(List.of("unshare"), List.of("@mount")),
                SeccompArch.AARCH64, "CAP_SYS_ADMIN");
        assertTrue(c.summary().startsWith("seccomp: default filter (Docker's baseline) with allow unshare, "
                + "then deny @mount, calls of kept CAP_SYS_ADMIN allowed, "), c.summary());
        assertTrue(c.summary().contains("namespace creation allowed through unshare, foreign ABIs refused"),
                c.summary());
        String listing = f.program().disassemble();
        assertTrue(listing.startsWith("   0: ld [4]\n   1: jeq #0xc000003e, +1, +0\n   2: ret KILL_PROCESS\n"),
                listing);
    }

    /**
     * A filter made from a program compiled before (the plan cache's) is the filter {@link
     * SeccompFilter#of} makes, rules and lines included, when its program is that one's; its
     * program comes back from its bytes instruction by instruction.
     */
    @Test
    void aFilterFromItsCompiledProgramIsTheCompiledOne() {
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompFilter f = filter(new SeccompPolicy.Custom(List.of("unshare"), List.of("@mount")), arch, "CAP_SYS_ADMIN");
            BpfProgram program = BpfProgram.ofBytes(arch, f.program().bytes());
            assertEquals(f.program(), program);
            SeccompFilter c = SeccompFilter.compiled(f.policy(), Set.of("CAP_SYS_ADMIN"), arch, program, f.summary());
            assertEquals(f, c);
            assertEquals(f.hashCode(), c.hashCode());
            assertEquals(f.summary(), c.summary());
            assertEquals(f.rules(), c.rules());
            assertEquals(f.keptCapabilities(), c.keptCapabilities());
        }
        SeccompFilter f = filter(SeccompPolicy.defaults(), SeccompArch.X86_64);
        SeccompFilter other = filter(SeccompPolicy.defaults(), SeccompArch.X86_64, "CAP_SYS_ADMIN");
        assertNotEquals(f, SeccompFilter.compiled(f.policy(), Set.of(), SeccompArch.X86_64, other.program(), f.summary()));
        assertThrows(IllegalArgumentException.class, () -> SeccompFilter.compiled(new SeccompPolicy.Unconfined(),
                Set.of(), SeccompArch.X86_64, f.program(), f.summary()));
        assertThrows(IllegalArgumentException.class,
                () -> SeccompFilter.compiled(f.policy(), Set.of(), SeccompArch.AARCH64, f.program(), f.summary()));
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.ofBytes(SeccompArch.X86_64, new byte[12]));
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.ofBytes(SeccompArch.X86_64, new byte[0]));
    }
}
