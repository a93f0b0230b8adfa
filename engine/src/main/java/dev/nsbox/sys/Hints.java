package dev.nsbox.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The one table of hints for failing calls, keyed by function and errno (and, where one
 * errno means different things, by a fragment of the call), as bubblewrap's
 * {@code mount_strerror} does. The first matching row wins. A row also says whether the
 * failure means "this machine cannot provide it" (exit 3) rather than "set-up failed" (125).
 */
public final class Hints {

    private Hints() {
    }

    /**
     * @param function  the function name, or {@code "*"} for any
     * @param errno     the errno
     * @param fragment  a piece of text the call must contain, or {@code null}
     * @param unprivilegedOnly the row applies only when the caller lacks CAP_SYS_ADMIN
     */
    public record Hint(String function, int errno, String fragment, boolean unprivilegedOnly, int exitCode,
                       String text) {
    }

    private static final int SETUP = 125;
    private static final int MACHINE = 3;

    static final List<Hint> TABLE = List.of(
            new Hint("*", Errnos.EPERM, null, true, MACHINE,
                    "nsbox needs root (CAP_SYS_ADMIN) or a user namespace to build a sandbox; run it as root, "
                            + "or see 'nsbox doctor'"),
            new Hint("unshare", Errnos.EINVAL, "CLONE_NEWUSER", false, MACHINE,
                    "a JVM is multithreaded and the kernel refuses it a user namespace (unshare(2)); run nsbox "
                            + "as root, or start the JVM inside one (unshare --user --map-root-user)"),
            new Hint("unshare", Errnos.EINVAL, null, false, MACHINE,
                    "this kernel lacks a namespace type the spec lists (CONFIG_*_NS); remove it from namespaces "
                            + "or use a kernel built with it"),
            new Hint("unshare", Errnos.ENOSPC, null, false, MACHINE,
                    "the limit on namespaces of this type is reached; see /proc/sys/user/max_*_namespaces"),
            new Hint("fsconfig", Errnos.EINVAL, "\"pidns\"", false, MACHINE,
                    "this kernel's procfs does not accept pidns (a recent Linux 6.x does); nsbox mounts a "
                            + "sandbox's proc with it; upgrade the kernel, or drop the proc mount"),
            new Hint("mount", Errnos.EINVAL, "pidns=", false, MACHINE,
                    "this kernel's procfs does not accept pidns= (a recent Linux 6.x does); nsbox mounts a "
                            + "sandbox's proc with it; upgrade the kernel, or drop the proc mount"),
            new Hint("mount", Errnos.EPERM, "\"proc\"", false, SETUP,
                    "a fresh proc needs a new PID namespace; add \"pid\" to namespaces"),
            new Hint("mount", Errnos.ENODEV, null, false, MACHINE,
                    "this kernel lacks the filesystem type (see /proc/filesystems)"),
            new Hint("open_tree", Errnos.ENOENT, null, false, SETUP,
                    "the bind source does not exist; create it, or add optional: true to skip it when missing"),
            new Hint("open_tree", Errnos.EINVAL, null, false, SETUP,
                    "the source is not bindable (an unbindable mount, or outside this mount namespace)"),
            new Hint("*", Errnos.ENOSYS, null, false, MACHINE,
                    "this kernel lacks the system call; nsbox needs the mount API of Linux 5.12 or later "
                            + "(open_tree, move_mount, mount_setattr)"),
            new Hint("move_mount", Errnos.ENOENT, null, false, SETUP,
                    "the target does not exist; with root: host nsbox creates no mount point on the host, so "
                            + "create it, or mount a tmpfs above it first"),
            new Hint("openat2", Errnos.ELOOP, null, false, SETUP,
                    "a mount target must be the mount point itself: its path contains a symlink now; write the "
                            + "path it resolves to"),
            new Hint("openat2", Errnos.ENOENT, null, false, SETUP,
                    "the target does not exist; with root: host nsbox creates no mount point on the host, so "
                            + "create it, or mount a tmpfs above it first"),
            new Hint("mount", Errnos.ENOENT, null, false, SETUP,
                    "the target does not exist; with root: host nsbox creates no mount point on the host, so "
                            + "create it, or mount a tmpfs above it first"),
            new Hint("mount_setattr", Errnos.EPERM, null, false, SETUP,
                    "a flag the host locked (read-only, nosuid, nodev, noexec) cannot be cleared from a user "
                            + "namespace"),
            new Hint("pivot_root", Errnos.EINVAL, null, false, SETUP,
                    "pivot_root(2) refuses a new root whose parent mount is shared; keep propagation rprivate"),
            new Hint("sethostname", Errnos.EPERM, null, false, SETUP,
                    "hostname needs a UTS namespace; add \"uts\" to namespaces"),
            new Hint("*", Errnos.EROFS, null, false, SETUP,
                    "the place is read-only inside the sandbox; mount a tmpfs or a writable bind there first"));

    /** The first row that matches the failure, if any. */
    public static Optional<Hint> find(SyscallException e) {
        Boolean privileged = null;
        for (Hint h : TABLE) {
            if (h.errno() != e.errno()) {
                continue;
            }
            if (!h.function().equals("*") && !h.function().equals(e.function())) {
                continue;
            }
            if (h.fragment() != null && !e.call().contains(h.fragment())) {
                continue;
            }
            if (h.unprivilegedOnly()) {
                if (privileged == null) {
                    privileged = hasSysAdmin();
                }
                if (privileged) {
                    continue;
                }
            }
            return Optional.of(h);
        }
        return Optional.empty();
    }

    /** Whether this process has CAP_SYS_ADMIN (bit 21 of CapEff in /proc/self/status). */
    public static boolean hasSysAdmin() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << 21)) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }
}
