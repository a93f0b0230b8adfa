package dev.nsbox.seccomp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyscallGroupsTest {

    @Test
    void theGroupsTheIssueNamesExist() {
        for (String g : List.of("@mount", "@module", "@keyring", "@raw-io", "@reboot", "@swap", "@clock", "@debug",
                "@privileged", "@cpu-emulation", "@obsolete", "@resources", "@system-service")) {
            assertTrue(SyscallGroups.exists(g), g);
        }
    }

    @Test
    void membersAreSystemdsCalls() {
        assertEquals(Set.of("add_key", "keyctl", "request_key"), SyscallGroups.members("@keyring"));
        assertEquals(Set.of("swapoff", "swapon"), SyscallGroups.members("@swap"));
        assertTrue(SyscallGroups.members("@mount").containsAll(Set.of("mount", "umount2", "pivot_root", "fsmount")));
        assertEquals(Optional.of("Kernel keyring access"), SyscallGroups.help("@keyring"));
    }

    @Test
    void aUnionGroupExpandsTheGroupsItNames() {
        Set<String> privileged = SyscallGroups.members("@privileged");
        assertTrue(privileged.containsAll(SyscallGroups.members("@module")));
        assertTrue(privileged.containsAll(SyscallGroups.members("@reboot")));
        assertTrue(privileged.contains("bpf"));
        assertTrue(SyscallGroups.members("@system-service").containsAll(SyscallGroups.members("@keyring")));
    }

    @Test
    void anUnknownGroupIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyscallGroups.members("@nope"));
        assertTrue(e.getMessage().contains("@nope"));
    }

    /** Every member names a call of some ABI, so a typo in groups.txt cannot go unnoticed. */
    @Test
    void everyMemberIsACallOfTheTwoAbisOrOfA32BitOne() {
        // Calls that exist only on 32-bit or other ABIs, which systemd lists and nsbox skips.
        Set<String> foreign = Set.of("chown32", "fchown32", "lchown32", "getegid32", "geteuid32", "getgid32",
                "getgroups32", "getresgid32", "getresuid32", "getuid32", "setfsgid32", "setfsuid32", "setgid32",
                "setgroups32", "setregid32", "setresgid32", "setresuid32", "setreuid32", "setuid32", "mmap2",
                "ugetrlimit", "sigreturn", "_llseek", "_newselect", "fcntl64", "fstat64", "fstatat64", "fstatfs64",
                "ftruncate64", "lstat64", "stat64", "statfs64", "truncate64", "sendfile64", "fadvise64_64",
                "cacheflush", "set_tls", "subpage_prot", "switch_endian", "vm86", "vm86old", "rtas",
                "sys_debug_setcontext", "oldfstat", "oldlstat", "oldstat", "oldolduname", "olduname", "readdir",
                "sigaction", "signal", "sigpending", "sigprocmask", "sigsuspend", "swapcontext", "sync_file_range2",
                "socketcall", "ipc", "recv", "send", "waitpid", "nice", "break", "ftime", "gtty", "idle", "lock",
                "mpx", "prof", "profil", "sgetmask", "ssetmask", "stime", "stty", "ulimit", "bdflush",
                "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "nfsservctl", "umount",
                "clock_adjtime64", "clock_getres_time64", "clock_gettime64", "clock_nanosleep_time64",
                "clock_settime64", "futex_time64", "io_pgetevents_time64", "mq_timedreceive_time64",
                "mq_timedsend_time64", "ppoll_time64", "pselect6_time64", "recvmmsg_time64",
                "rt_sigtimedwait_time64", "sched_rr_get_interval_time64", "semtimedop_time64", "timer_gettime64",
                "timer_settime64", "timerfd_gettime64", "timerfd_settime64", "utimensat_time64");
        for (String g : SyscallGroups.names()) {
            for (String call : SyscallGroups.members(g)) {
                assertTrue(Syscalls.isKnown(call) || foreign.contains(call), g + " lists unknown " + call);
            }
        }
    }
}
