package dev.nsbox.sys;

import dev.nsbox.spec.ExitCode;
import jnr.constants.platform.Errno;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The one table of hints for failing calls, keyed by {@link Call} and {@link Errno} (and, where
 * one errno means different things, by a predicate over the call's arguments), as bubblewrap's
 * {@code mount_strerror} does. The first matching row wins. A row also says whether the failure
 * means "this machine cannot provide it" ({@link ExitCode#UNSUPPORTED}) rather than "set-up
 * failed" ({@link ExitCode#SETUP_FAILED}). Nothing here reads the printed call.
 */
public final class Hints {

    private Hints() {
    }

    /**
     * One row of the table.
     *
     * @param call             the function, or {@code null} for any
     * @param errno            the errno
     * @param when             what the call's arguments must satisfy
     * @param unprivilegedOnly the row applies only when the caller lacks CAP_SYS_ADMIN
     */
    public record Hint(Call call, Errno errno, Args when, boolean unprivilegedOnly, ExitCode exitCode, String text) {

        /** Whether this row is the one for {@code e}, leaving out {@link #unprivilegedOnly}. */
        boolean matches(SyscallException e) {
            return errno == e.errnoConstant() && (call == null || call == e.function()) && when.test(e);
        }
    }

    /** A named predicate over a failed call's arguments. */
    public record Args(String description, Predicate<SyscallException> test) {

        /** Any arguments. */
        public static final Args ANY = new Args("any arguments", e -> true);

        boolean test(SyscallException e) {
            return test.test(e);
        }

        /** Numeric argument {@code index} has every bit of {@code flag} set. */
        static Args flagsInclude(int index, long flag, String name) {
            return new Args("argument " + index + " includes " + name, e -> (e.numberArg(index) & flag) == flag);
        }

        /** Numeric argument {@code index} is {@code value}. */
        static Args numberIs(int index, long value, String name) {
            return new Args("argument " + index + " is " + name, e -> e.numberArg(index) == value);
        }

        /** Numeric argument {@code index} has no bit of {@code flag} set. */
        static Args flagsExclude(int index, long flag, String name) {
            return new Args("argument " + index + " lacks " + name, e -> (e.numberArg(index) & flag) == 0);
        }

        /** String argument {@code index} is {@code value}. */
        static Args stringIs(int index, String value) {
            return new Args("argument " + index + " is \"" + value + "\"", e -> value.equals(e.stringArg(index)));
        }

        /**
         * String argument {@code index}, a comma-separated option list as mount(2)'s data is,
         * has an option named {@code key} ({@code key=value}).
         */
        static Args optionNamed(int index, String key) {
            return new Args("argument " + index + " has the option " + key + "=", e -> {
                String options = e.stringArg(index);
                if (options == null) {
                    return false;
                }
                for (String o : options.split(",")) {
                    if (o.startsWith(key + "=")) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    /** {@code CLONE_NEWUSER} of sched.h, the flag unshare(2) refuses a multithreaded caller. */
    static final long CLONE_NEWUSER = 0x10000000L;

    // The argument positions of the C prototypes the rows look at: unshare(flags),
    // mount(source, target, fstype, flags, data), fsconfig(fd, cmd, key, value, aux),
    // openat2(dfd, path, how.flags, how.mode, how.resolve) as Sys passes struct open_how.
    private static final int UNSHARE_FLAGS = 0;
    private static final int MOUNT_FSTYPE = 2;
    private static final int MOUNT_DATA = 4;
    private static final int FSCONFIG_CMD = 1;
    private static final int FSCONFIG_KEY = 2;
    private static final int OPENAT2_FLAGS = 2;

    private static final ExitCode SETUP = ExitCode.SETUP_FAILED;
    private static final ExitCode MACHINE = ExitCode.UNSUPPORTED;
    private static final String NO_TARGET = "the target does not exist; with root: host nsbox creates no mount point "
            + "on the host, so create it, or mount a tmpfs above it first";
    private static final String NO_PIDNS = "this kernel's procfs does not accept pidns%s (a recent Linux 6.x does); "
            + "nsbox mounts a sandbox's proc with it; upgrade the kernel, or drop the proc mount";

    static final List<Hint> TABLE = List.of(
            new Hint(null, Errno.EPERM, Args.ANY, true, MACHINE,
                    "nsbox needs root (CAP_SYS_ADMIN) or a user namespace to build a sandbox; run it as root, "
                            + "or see 'nsbox doctor'"),
            new Hint(Call.UNSHARE, Errno.EINVAL, Args.flagsInclude(UNSHARE_FLAGS, CLONE_NEWUSER, "CLONE_NEWUSER"),
                    false, MACHINE,
                    "a JVM is multithreaded and the kernel refuses it a user namespace (unshare(2)); run nsbox "
                            + "as root, or start the JVM inside one (unshare --user --map-root-user)"),
            new Hint(Call.UNSHARE, Errno.EINVAL, Args.ANY, false, MACHINE,
                    "this kernel lacks a namespace type the spec lists (CONFIG_*_NS); remove it from namespaces "
                            + "or use a kernel built with it"),
            new Hint(Call.UNSHARE, Errno.ENOSPC, Args.ANY, false, MACHINE,
                    "the limit on namespaces of this type is reached; see /proc/sys/user/max_*_namespaces"),
            new Hint(Call.FSCONFIG, Errno.EINVAL, Args.stringIs(FSCONFIG_KEY, "pidns"), false, MACHINE,
                    String.format(NO_PIDNS, "")),
            new Hint(Call.FSCONFIG, Errno.EINVAL, Args.numberIs(FSCONFIG_CMD, Sys.FSCONFIG_SET_FD, "FSCONFIG_SET_FD"),
                    false, MACHINE,
                    "this kernel's overlayfs does not take its layers as descriptors (Linux 6.13 or later does); "
                            + "nsbox gives them so, that no layer path is looked up twice; upgrade the kernel, or "
                            + "drop the overlay mount"),
            new Hint(Call.FSCONFIG, Errno.EPERM, Args.numberIs(FSCONFIG_CMD, Sys.FSCONFIG_CMD_CREATE,
                    "FSCONFIG_CMD_CREATE"), false, SETUP,
                    "the kernel refuses a new filesystem of this type here: a fresh proc needs a new PID namespace "
                            + "(add \"pid\" to namespaces), a sysfs a new network namespace (add \"net\")"),
            new Hint(Call.FSMOUNT, Errno.EPERM, Args.ANY, false, SETUP,
                    "the kernel refuses a proc or sysfs that would show more than the host lets this caller see "
                            + "(mount_too_revealing); add \"pid\" (for proc) or \"net\" (for sysfs) to namespaces"),
            new Hint(Call.FSOPEN, Errno.ENODEV, Args.ANY, false, MACHINE,
                    "this kernel lacks the filesystem type (see /proc/filesystems)"),
            new Hint(Call.MOUNT, Errno.EINVAL, Args.optionNamed(MOUNT_DATA, "pidns"), false, MACHINE,
                    String.format(NO_PIDNS, "=")),
            new Hint(Call.MOUNT, Errno.EPERM, Args.stringIs(MOUNT_FSTYPE, "proc"), false, SETUP,
                    "a fresh proc needs a new PID namespace; add \"pid\" to namespaces"),
            new Hint(Call.MOUNT, Errno.ENODEV, Args.ANY, false, MACHINE,
                    "this kernel lacks the filesystem type (see /proc/filesystems)"),
            new Hint(Call.OPEN_TREE, Errno.ENOENT, Args.ANY, false, SETUP,
                    "the bind source does not exist; create it, or add optional: true to skip it when missing"),
            new Hint(Call.OPEN_TREE, Errno.EINVAL, Args.ANY, false, SETUP,
                    "the source is not bindable (an unbindable mount, or outside this mount namespace)"),
            new Hint(null, Errno.ENOSYS, Args.ANY, false, MACHINE,
                    "this kernel lacks the system call; nsbox needs the mount API of Linux 5.12 or later "
                            + "(open_tree, move_mount, fsopen, fsmount, mount_setattr, openat2)"),
            new Hint(Call.MOVE_MOUNT, Errno.ENOENT, Args.ANY, false, SETUP, NO_TARGET),
            new Hint(Call.OPENAT2, Errno.ELOOP, Args.flagsExclude(OPENAT2_FLAGS, Sys.O_PATH, "O_PATH"), false, SETUP,
                    "an overlay layer's path contains a symlink now (nsbox resolves none at run time); write the "
                            + "path it resolves to"),
            // A mount target and a bind source the plan resolved are both opened so (O_PATH).
            new Hint(Call.OPENAT2, Errno.ELOOP, Args.ANY, false, SETUP,
                    "a mount target must be the mount point itself, and a bind source is opened where the plan "
                            + "resolved it: its path contains a symlink now; write the path it resolves to"),
            new Hint(Call.OPENAT2, Errno.ENOENT, Args.ANY, false, SETUP, NO_TARGET
                    + "; a bind source that went away since the plan: create it, or add optional: true"),
            new Hint(Call.MOUNT, Errno.ENOENT, Args.ANY, false, SETUP, NO_TARGET),
            new Hint(Call.MOUNT_SETATTR, Errno.EPERM, Args.ANY, false, SETUP,
                    "a flag the host locked (read-only, nosuid, nodev, noexec) cannot be cleared from a user "
                            + "namespace"),
            new Hint(Call.PIVOT_ROOT, Errno.EINVAL, Args.ANY, false, SETUP,
                    "pivot_root(2) refuses a new root whose parent mount is shared; keep propagation rprivate"),
            new Hint(Call.SETHOSTNAME, Errno.EPERM, Args.ANY, false, SETUP,
                    "hostname needs a UTS namespace; add \"uts\" to namespaces"),
            new Hint(null, Errno.EROFS, Args.ANY, false, SETUP,
                    "the place is read-only inside the sandbox; mount a tmpfs or a writable bind there first"));

    /** The first row that matches the failure, if any. */
    public static Optional<Hint> find(SyscallException e) {
        return find(e, Hints::hasSysAdmin);
    }

    /** {@link #find(SyscallException)} with the privilege given, for tests. */
    static Optional<Hint> find(SyscallException e, java.util.function.BooleanSupplier privileged) {
        Boolean known = null;
        for (Hint h : TABLE) {
            if (!h.matches(e)) {
                continue;
            }
            if (h.unprivilegedOnly()) {
                if (known == null) {
                    known = privileged.getAsBoolean();
                }
                if (known) {
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
