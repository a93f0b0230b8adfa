package dev.nsbox.security;

import java.nio.file.Path;
import java.util.List;

/**
 * The escape attempts, as {@code sh -c} scripts a step runs. Each prints a line starting with
 * {@link SystemdLikeHost#ESCAPED} only when its attempt worked, and {@link SystemdLikeHost#CONTROL}
 * as its last line, so that a probe that did not run to its end cannot pass for one that held.
 * Shared by the root and the rootless suites.
 */
final class Probes {

    private Probes() {
    }

    private static final String END = "echo " + SystemdLikeHost.CONTROL + "\n";

    /** The capability sets, no_new_privs and seccomp mode, from proc(5)'s /proc/PID/status. */
    static String status() {
        return "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status\n" + END;
    }

    /** prctl(PR_GET_SECUREBITS) (27), see capabilities(7) "The securebits flags". */
    static String securebits() {
        return "python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); "
                + "print(\"securebits=%d\" % l.prctl(27, 0, 0, 0, 0))'\n" + END;
    }

    /** Reads {@code hidden} as it is, then after umount(2) and after umount2(MNT_DETACH) of it. */
    static String unhide(Path hidden, String token) {
        String read = "cat '" + hidden + "' '" + hidden + "/key' 2>/dev/null | grep -q '" + token + "'";
        return read + " && echo ESCAPED-read\n"
                + "umount '" + hidden + "' 2>/dev/null; " + read + " && echo ESCAPED-umount\n"
                + "umount -l '" + hidden + "' 2>/dev/null; " + read + " && echo ESCAPED-umount-lazy\n"
                + END;
    }

    /** A remount of / read-write (per superblock and per mount), and a write to /etc. */
    static String remountRoot(String probeFile) {
        return "mount -o remount,rw / 2>/dev/null && echo ESCAPED-remount-rw\n"
                + "mount -o remount,bind,rw / 2>/dev/null && echo ESCAPED-remount-bind-rw\n"
                + "touch " + probeFile + " 2>/dev/null && echo ESCAPED-write-etc\n"
                + END;
    }

    /** New mounts on an existing directory of the host's tree. */
    static String newMounts(String target) {
        return "mount -t tmpfs none " + target + " 2>/dev/null && echo ESCAPED-mount-tmpfs\n"
                + "mount --bind /tmp " + target + " 2>/dev/null && echo ESCAPED-mount-bind\n"
                + "mount -t proc proc " + target + " 2>/dev/null && echo ESCAPED-mount-proc\n"
                + END;
    }

    /** unshare(1) of a user namespace with root mapped, and of a mount namespace. */
    static String newNamespaces() {
        return "unshare -U -r true 2>/dev/null && echo ESCAPED-unshare-user\n"
                + "unshare -m true 2>/dev/null && echo ESCAPED-unshare-mount\n"
                + "unshare -U -r -m sh -c 'mount -t tmpfs none /mnt' 2>/dev/null && echo ESCAPED-unshare-user-mount\n"
                + END;
    }

    /**
     * clone(2) and clone3(2) with CLONE_NEWUSER called by number, so that a filter on unshare(2)
     * alone does not pass for one on namespace creation. clone3 takes its flags in memory, which
     * a seccomp filter cannot read, so a filter can only refuse clone3 whole (Docker's profile
     * answers ENOSYS, and glibc falls back to clone).
     */
    static String cloneNewUser(Syscalls.Numbers n) {
        return "python3 - <<'EOF'\n"
                + "import ctypes, os\n"
                + "l = ctypes.CDLL(None, use_errno=True)\n"
                + "l.syscall.restype = ctypes.c_long\n"
                + "def child(r, what):\n"
                + "    if r == 0:\n"
                + "        os._exit(0)\n"
                + "    if r > 0:\n"
                + "        os.waitpid(r, 0)\n"
                + "        print('ESCAPED-' + what)\n"
                + "    else:\n"
                + "        print(what + ' refused, errno', ctypes.get_errno())\n"
                + "C = ctypes.c_long\n"
                + "child(l.syscall(C(" + n.cloneCall() + "), C(0x10000000 | 17), C(0), C(0), C(0), C(0)), 'clone-newuser')\n"
                + "a = (ctypes.c_uint64 * 11)()\n"
                + "a[0] = 0x10000000\n"
                + "a[4] = 17\n"
                + "child(l.syscall(C(" + n.clone3() + "), a, C(88)), 'clone3-newuser')\n"
                + "child(l.syscall(C(" + n.unshare() + "), C(0x10000000)), 'unshare-syscall-newuser')\n"
                + "EOF\n" + END;
    }

    /** mknod(2) of a block device (major 254: virtio-blk on this kind of host) and of /dev/mem. */
    static String mknod() {
        return "mknod /tmp/nsbox-blk b 254 0 2>/dev/null && echo ESCAPED-mknod-block\n"
                + "mknod /tmp/nsbox-mem c 1 1 2>/dev/null && echo ESCAPED-mknod-mem\n"
                + END;
    }

    /** Opens and reads each named disk under {@code devDir}. */
    static String rawDisks(String devDir, List<String> names) {
        StringBuilder b = new StringBuilder("echo devices-tried: " + String.join(" ", names) + "\n");
        for (String n : names) {
            b.append("[ -e ").append(devDir).append('/').append(n).append(" ] && head -c 512 ").append(devDir).append('/')
                    .append(n).append(" >/dev/null 2>&1 && echo ESCAPED-raw-read-").append(n).append('\n');
        }
        return b.append(END).toString();
    }

    /** The entries of /dev, and every block device node below it. */
    static String devListing() {
        return "echo \"dev: $(ls -A /dev | tr '\\n' ' ')\"\n"
                + "find /dev -type b 2>/dev/null | sed 's/^/ESCAPED-block-node /'\n"
                + END;
    }

    /** The mount points of every filesystem of type {@code fstype} in the step's own mount table. */
    private static String mountsOf(String fstype) {
        return "$(awk '{for (i = 7; i <= NF; i++) if ($i == \"-\") { if ($(i+1) == \"" + fstype
                + "\") print $5; break }}' /proc/self/mountinfo)";
    }

    /** statvfs(3)'s ST_RDONLY of a path, through python3 (the shell has no way to ask). */
    private static final String RO = "ro() { python3 -c 'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' \"$1\"; }\n";

    /**
     * In every procfs the step can see: /proc/sys written back with the value it holds (so
     * nothing changes even where the write succeeds), /proc/sysrq-trigger opened for writing
     * (nothing written), and /proc/sys, irq, bus, fs not on a read-only mount.
     */
    static String procReadOnly() {
        return RO
                + "for m in " + mountsOf("proc") + "; do\n"
                + "  echo \"procfs: $m\"\n"
                + "  f=$m/sys/vm/swappiness\n"
                + "  v=$(cat $f) && ( echo \"$v\" > $f ) 2>/dev/null && echo \"ESCAPED-sysctl-write $f\"\n"
                + "  ( exec 3>>$m/sysrq-trigger ) 2>/dev/null && echo \"ESCAPED-sysrq-open $m\"\n"
                + "  for p in sys irq bus fs; do [ -e $m/$p ] && ! ro $m/$p && echo \"ESCAPED-writable $m/$p\"; done\n"
                + "done\n" + END;
    }

    /** In every procfs the step can see: kcore, keys, timer_list, sched_debug and scsi read as empty or not at all. */
    static String procMasked() {
        return "for m in " + mountsOf("proc") + "; do\n"
                + "  echo \"procfs: $m\"\n"
                + "  for p in kcore keys timer_list sched_debug; do\n"
                + "    n=$(head -c 4096 $m/$p 2>/dev/null | wc -c)\n"
                + "    [ \"$n\" -gt 0 ] && echo \"ESCAPED-read $m/$p ($n bytes)\"\n"
                + "  done\n"
                + "  [ -n \"$(ls -A $m/scsi 2>/dev/null)\" ] && echo \"ESCAPED-listed $m/scsi\"\n"
                + "done\n" + END;
    }

    /** In every sysfs the step can see: firmware empty, the mount read-only, a root-writable file not openable for writing. */
    static String sysfs() {
        return RO
                + "for m in " + mountsOf("sysfs") + "; do\n"
                + "  echo \"sysfs: $m\"\n"
                + "  [ -n \"$(ls -A $m/firmware 2>/dev/null)\" ] && echo \"ESCAPED-listed $m/firmware\"\n"
                + "  ro $m || echo \"ESCAPED-writable $m\"\n"
                + "  for f in kernel/mm/ksm/run power/state kernel/profiling; do\n"
                + "    [ -e $m/$f ] && ( exec 3>>$m/$f ) 2>/dev/null && echo \"ESCAPED-open-for-write $m/$f\"\n"
                + "  done\n"
                + "done\n" + END;
    }

    /** keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0): reads, creates nothing. */
    static String keyctl(Syscalls.Numbers n) {
        return "python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); "
                + "r = l.syscall(" + n.keyctl() + ", 0, -4, 0); print(\"keyctl=%d errno=%d\" % (r, ctypes.get_errno()))'\n"
                + END;
    }

    /** The step's own descriptors (ls adds one: its directory's). */
    static String ownDescriptors() {
        return "echo \"fds: $(ls /proc/self/fd | tr '\\n' ' ')\"\n" + END;
    }

    /**
     * The descriptors of the sandbox's PID 1 when that is not the step: the supervisor's. What
     * would help an attacker is what a descriptor leads to: following or opening
     * {@code /proc/1/fd/N} (checked by ptrace_may_access, PTRACE_MODE_READ, which a
     * non-dumpable supervisor with capabilities the step lacks refuses) and the supervisor's
     * environment. Listing the numbers is not refused by the kernel for a task of the same uid
     * (proc_fd_permission: generic_permission on a directory whose owner is the task's, root
     * when not dumpable) and tells nothing, so the probe lists them only to know what to try.
     */
    static String supervisorDescriptors() {
        return "echo \"step pid $$\"\n"
                + "if [ $$ != 1 ]; then\n"
                + "  for f in /proc/1/fd/* /proc/1/fd/0 /proc/1/fd/3 /proc/1/fd/4; do\n"
                + "    t=$(readlink \"$f\" 2>/dev/null) && echo \"ESCAPED-init-fd-target: $f -> $t\"\n"
                + "    (exec 9<\"$f\") 2>/dev/null && echo \"ESCAPED-init-fd-open: $f\"\n"
                + "  done\n"
                + "  cat /proc/1/environ >/dev/null 2>&1 && echo ESCAPED-init-environ\n"
                + "  cat /proc/1/maps >/dev/null 2>&1 && echo ESCAPED-init-maps\n"
                + "fi\n" + END;
    }

    /** Allocates and touches up to 512 MiB, 1 MiB at a time; the step is python itself so its death is the step's. */
    static String memoryHog() {
        return "echo " + SystemdLikeHost.CONTROL + "\n"
                + "exec python3 -c 'a = []\nfor i in range(512): a.append(b\"x\" * (1 << 20))\nprint(\"ESCAPED-allocated-512m\")'\n";
    }

    /** Forks up to 256 sleeps whose argv holds {@code marker}, reporting where fork(2) was refused. */
    static String forkBomb(String marker) {
        return "python3 - <<'EOF'\n"
                + "import os\n"
                + "n = 0\n"
                + "try:\n"
                + "    for i in range(256):\n"
                + "        pid = os.fork()\n"
                + "        if pid == 0:\n"
                + "            try:\n"
                + "                os.execv('/bin/sleep', ['sleep', '" + marker + "'])\n"
                + "            finally:\n"
                + "                os._exit(127)\n"
                + "        n += 1\n"
                + "    print('ESCAPED-forked-256')\n"
                + "except OSError as e:\n"
                + "    print('fork-refused-after', n, 'errno', e.errno)\n"
                + "EOF\n" + END;
    }

    /** RLIMIT_NOFILE as the step sees it, and an attempt to raise it. */
    static String openFiles() {
        return "echo \"nofile soft=$(ulimit -Sn) hard=$(ulimit -Hn)\"\n"
                + "ulimit -n 4096 2>/dev/null && echo ESCAPED-raised-nofile\n"
                + END;
    }

    /** A 2 MiB write to the step's /tmp, and the size that reached the file. */
    static String fileSize() {
        return "( head -c 2097152 /dev/zero > /tmp/nsbox-big ) 2>/dev/null && echo ESCAPED-wrote-2m\n"
                + "echo \"size=$(wc -c < /tmp/nsbox-big)\"\n"
                + "ulimit -f unlimited 2>/dev/null && echo ESCAPED-raised-fsize\n"
                + END;
    }
}
