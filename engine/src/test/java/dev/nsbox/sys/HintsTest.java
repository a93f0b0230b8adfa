package dev.nsbox.sys;

import dev.nsbox.spec.ExitCode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hint table is keyed by the failed call and its errno, and by the call's arguments where
 * one errno means different things: never by the printed text. Failures come from the facade
 * over the scripted fake C library, so each carries exactly what {@link Sys} records.
 */
class HintsTest {

    private static final int CLONE_NEWNS = 0x00020000;
    private static final int CLONE_NEWUSER = 0x10000000;

    private static Optional<String> hint(SyscallException e, boolean privileged) {
        return Hints.find(e, () -> privileged).map(Hints.Hint::text);
    }

    private static SyscallException unshare(int flags, String printed) {
        Sys sys = new FakeLibC().fail("unshare", Errnos.EINVAL).sys();
        return assertThrows(SyscallException.class, () -> sys.unshare(flags, printed));
    }

    @Test
    void unshareEinvalIsTheJvmsThreadsOnlyWhenTheFlagsAskForAUserNamespace() {
        SyscallException user = unshare(CLONE_NEWNS | CLONE_NEWUSER, "unshare(CLONE_NEWNS|CLONE_NEWUSER)");
        assertEquals(Call.UNSHARE, user.function());
        assertTrue(hint(user, true).orElseThrow().startsWith("a JVM is multithreaded"));
        assertEquals(ExitCode.UNSUPPORTED, user.exitCode());
        // The printed text names CLONE_NEWUSER, the flags do not: the flags decide.
        SyscallException mountOnly = unshare(CLONE_NEWNS, "unshare(CLONE_NEWUSER)");
        assertTrue(hint(mountOnly, true).orElseThrow().startsWith("this kernel lacks a namespace type"));
    }

    @Test
    void fsconfigEinvalIsAboutPidnsOnlyForThePidnsKey() {
        Sys sys = new FakeLibC().fail("fsconfig", Errnos.EINVAL).sys();
        SyscallException pidns = assertThrows(SyscallException.class,
                () -> sys.fsconfigFd(20, "pidns", 21, "fsconfig(fs, FSCONFIG_SET_FD, \"pidns\", NULL, 21)"));
        assertTrue(hint(pidns, true).orElseThrow().startsWith("this kernel's procfs does not accept pidns "));
        SyscallException source = assertThrows(SyscallException.class,
                () -> sys.fsconfigString(20, "source", "proc", "fsconfig(fs, \"pidns\")"));
        assertEquals(Optional.empty(), hint(source, true));
    }

    @Test
    void mountEpermOfAProcNeedsAPidNamespaceWhateverTheText() {
        Sys sys = new FakeLibC().fail("mount", Errnos.EPERM).sys();
        SyscallException proc = assertThrows(SyscallException.class,
                () -> sys.mount("proc", "/proc", "proc", 0, null, "mount(...)"));
        assertEquals("a fresh proc needs a new PID namespace; add \"pid\" to namespaces", hint(proc, true).orElseThrow());
        assertEquals(ExitCode.SETUP_FAILED, proc.exitCode());
        SyscallException tmpfs = assertThrows(SyscallException.class,
                () -> sys.mount("tmpfs", "/proc", "tmpfs", 0, null, "mount(\"proc\", \"proc\")"));
        assertEquals(Optional.empty(), hint(tmpfs, true));
    }

    @Test
    void mountEinvalIsAboutPidnsOnlyWithAPidnsOption() {
        Sys sys = new FakeLibC().fail("mount", Errnos.EINVAL).sys();
        SyscallException withOption = assertThrows(SyscallException.class,
                () -> sys.mount("proc", "/proc", "proc", 0, "hidepid=2,pidns=/x", "mount(...)"));
        assertTrue(hint(withOption, true).orElseThrow().startsWith("this kernel's procfs does not accept pidns= "));
        SyscallException without = assertThrows(SyscallException.class,
                () -> sys.mount("proc", "/proc", "proc", 0, "hidepid=2", "mount(\"pidns=\")"));
        assertEquals(Optional.empty(), hint(without, true));
    }

    @Test
    void epermOfAnyCallAsksForPrivilegeOnlyWhenTheCallerLacksIt() {
        Sys sys = new FakeLibC().fail("sethostname", Errnos.EPERM).sys();
        SyscallException e = assertThrows(SyscallException.class, () -> sys.sethostname("box", "sethostname()"));
        assertTrue(hint(e, false).orElseThrow().startsWith("nsbox needs root (CAP_SYS_ADMIN)"));
        assertEquals("hostname needs a UTS namespace; add \"uts\" to namespaces", hint(e, true).orElseThrow());
    }

    @Test
    void theSameErrnoOfAnotherCallGetsNoHintOfThatCall() {
        Sys sys = new FakeLibC().fail("umount2", Errnos.EINVAL).sys();
        SyscallException e = assertThrows(SyscallException.class, () -> sys.umount2("/x", 0, "pivot_root(\"/x\")"));
        assertEquals(Call.UMOUNT2, e.function());
        assertEquals(Optional.empty(), hint(e, true));
    }

    @Test
    void noRowIsShadowedByAnEarlierRowForAnyArguments() {
        List<String> shadowed = new ArrayList<>();
        for (int i = 0; i < Hints.TABLE.size(); i++) {
            Hints.Hint later = Hints.TABLE.get(i);
            for (Hints.Hint earlier : Hints.TABLE.subList(0, i)) {
                boolean covers = earlier.errno() == later.errno()
                        && (earlier.call() == null || earlier.call() == later.call())
                        && earlier.when() == Hints.Args.ANY && !earlier.unprivilegedOnly();
                if (covers) {
                    shadowed.add(later.call() + " " + later.errno() + " (" + later.when().description() + ")");
                }
            }
        }
        assertEquals(List.of(), shadowed);
        assertFalse(Hints.TABLE.isEmpty());
    }
}
