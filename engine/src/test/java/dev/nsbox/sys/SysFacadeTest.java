package dev.nsbox.sys;

import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.Origin;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The facade over a scripted fake C library: no privilege needed. */
class SysFacadeTest {

    @Test
    void failingCallCarriesTheCallAndTheErrnoNameAndText() {
        Sys sys = new FakeLibC().fail("umount2", Errnos.EBUSY).sys();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sys.umount2("/x", 2, "umount2(\"/x\", MNT_DETACH)"));
        assertEquals(Call.UMOUNT2, e.function());
        assertEquals(java.util.List.of("/x", 2), e.args());
        assertEquals("EBUSY", e.errnoName());
        assertEquals("Device or resource busy", e.errnoText());
        assertEquals("umount2(\"/x\", MNT_DETACH): EBUSY (Device or resource busy)", e.getMessage());
        assertEquals(ExitCode.SETUP_FAILED, e.exitCode());
        assertNull(e.hint());
    }

    @Test
    void placedFailurePrintsTheSpecLineFirst() {
        // As non-root every EPERM gets the "needs root" hint instead.
        Assumptions.assumeTrue(Hints.hasSysAdmin(), "needs CAP_SYS_ADMIN for the EPERM hints of a privileged caller");
        Sys sys = new FakeLibC().fail("sethostname", Errnos.EPERM).sys();
        SyscallException e = assertThrows(SyscallException.class, () -> sys.sethostname("box", "sethostname(\"box\", 3)"));
        String line = e.at(new Origin("s.yaml", 4, 11, "hostname"), "cannot set the hostname").format();
        assertEquals("s.yaml:4:11: error: hostname: cannot set the hostname: sethostname(\"box\", 3): "
                + "EPERM (Operation not permitted)\n  hint: hostname needs a UTS namespace; add \"uts\" to namespaces", line);
    }

    @Test
    void interruptedReadIsRetried() throws SyscallException {
        FakeLibC fake = new FakeLibC().fail("read", Errnos.EINTR, 2);
        Sys sys = fake.sys();
        assertEquals(1, sys.read(3, new byte[4], "read(3)"));
        assertEquals(3, fake.calls().stream().filter("read"::equals).count());
    }

    @Test
    void interruptedMountIsNotRetried() {
        FakeLibC fake = new FakeLibC().fail("mount", Errnos.EINTR, 1);
        Sys sys = fake.sys();
        assertThrows(SyscallException.class, () -> sys.mount("none", "/", null, 0, null, "mount(...)"));
        assertEquals(1, fake.calls().size());
    }

    @Test
    void unknownErrnoIsNamedByNumber() {
        assertEquals("errno 4095 (Unknown error 4095)", Errnos.describe(4095));
    }

    @Test
    void missingSystemCallMeansTheMachineLacksIt() {
        Sys sys = new FakeLibC().fail("mount_setattr", Errnos.ENOSYS).sys();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sys.mountSetattr(-100, "/", 0x8000, 1, 0, 0, "mount_setattr(AT_FDCWD, \"/\", ...)"));
        assertEquals(ExitCode.UNSUPPORTED, e.exitCode());
        assertEquals("this kernel lacks the system call; nsbox needs the mount API of Linux 5.12 or later "
                + "(open_tree, move_mount, fsopen, fsmount, mount_setattr, openat2)", e.hint());
    }
}
