package dev.nsbox.exec;

import dev.nsbox.sys.Errnos;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a step's message says when nsbox-init reports {@code error WHAT ERRNO}: the confining call
 * in C syntax with its errno, and a hint where the rule behind it has a way out.
 */
class ConfinementFailureTest {

    @Test
    void aFilterWithoutNoNewPrivsPointsAtNoNewPrivileges() {
        assertEquals("cannot confine the step before it starts: seccomp(SECCOMP_SET_MODE_FILTER): EACCES "
                + "(Permission denied)\n  hint: the kernel installs a system-call filter only with no_new_privs "
                + "or CAP_SYS_ADMIN: keep process.noNewPrivileges: true, or say process.seccomp: unconfined",
                Supervisor.failure("error seccomp", Errnos.EACCES));
    }

    @Test
    void aCapabilityTheSupervisorLacksPointsAtProcessCapabilities() {
        String m = Supervisor.failure("error capset", Errnos.EPERM);
        assertEquals("cannot confine the step before it starts: capset(_LINUX_CAPABILITY_VERSION_3): EPERM "
                + "(Operation not permitted)", m.lines().findFirst().orElseThrow());
        assertEquals("  hint: a capability in process.capabilities is not in this process's bounding or permitted "
                + "set (/proc/self/status CapBnd, CapPrm): remove it from the spec, or run nsbox where the caller "
                + "holds it", m.lines().skip(1).findFirst().orElseThrow());
    }

    @Test
    void prctlOptionsAndRlimitsAreNamedAsCalls() {
        assertEquals("cannot confine the step before it starts: prctl(PR_CAPBSET_DROP): EPERM (Operation not "
                + "permitted)", Supervisor.failure("error PR_CAPBSET_DROP", Errnos.EPERM).lines().findFirst()
                .orElseThrow());
        assertEquals("cannot confine the step before it starts: setrlimit(RLIMIT_NOFILE): EPERM (Operation not "
                + "permitted)", Supervisor.failure("error setrlimit(RLIMIT_NOFILE)", Errnos.EPERM).lines()
                .findFirst().orElseThrow());
        assertEquals("cannot confine the step before it starts: unshare(CLONE_NEWCGROUP): EINVAL (Invalid argument)",
                Supervisor.failure("error unshare(CLONE_NEWCGROUP)", Errnos.EINVAL).lines().findFirst()
                        .orElseThrow());
    }

    @Test
    void theSupervisorsOwnFailuresAreNotBlamedOnConfinement() {
        assertEquals("the supervisor nsbox-init failed: fork: EAGAIN (Resource temporarily unavailable)",
                Supervisor.failure("error fork", 11));
    }

    @Test
    void theMemoryLimitIsShownAsTheSpecWritesASize() {
        assertEquals("256m", Sandbox.size(256L << 20));
        assertEquals("2g", Sandbox.size(2L << 30));
        assertEquals("64k", Sandbox.size(64L << 10));
        assertEquals("1000", Sandbox.size(1000));
    }
}
