package dev.nsbox.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the planner needs to know about the caller and the host's files: which paths exist and
 * what they are (never following a final symlink), the caller's environment and working
 * directory, and whether it holds {@code CAP_SYS_ADMIN}.
 *
 * <p>The planner stays pure by taking this as an input: the CLI and the Maven plugin pass a
 * live view of the machine, tests pass a fake.
 */
public interface HostView {

    /** What a path is, without following a symlink at its last component. */
    enum Kind { MISSING, DIRECTORY, FILE, SYMLINK, OTHER }

    /** What {@code absolutePath} is on the host. A symlink in a parent component is followed. */
    Kind kind(String absolutePath);

    /** Where a path that contains symlinks leads ({@code realpath(3)}), if it resolves. */
    Optional<String> resolve(String absolutePath);

    /** The caller's environment. */
    Map<String, String> environment();

    /** The caller's working directory, absolute. */
    String cwd();

    /**
     * What {@code rest} (a relative path, "" for the directory itself) is in the filesystem of
     * the topmost mount at {@code mountPoint} alone: below the mounts made on it, which hide
     * it from {@link #kind}. Empty when this view cannot tell (the default).
     */
    default Optional<Kind> kindBeneath(String mountPoint, String rest) {
        return Optional.empty();
    }

    /**
     * One mount of the host's table: where it is and its filesystem type ({@code proc},
     * {@code sysfs}, {@code devtmpfs}, ...), as {@code /proc/self/mountinfo} shows them.
     */
    record HostMount(String mountPoint, String fsType) {
    }

    /**
     * The host's mounts in the kernel's order (proc(5), mountinfo: parents before children, a
     * later mount at a place on top of an earlier one). Empty when this view cannot tell (the
     * default); then only the host's /proc and /sys are known to be a procfs and a sysfs.
     */
    default List<HostMount> mounts() {
        return List.of();
    }

    /** Whether the caller holds {@code CAP_SYS_ADMIN} in its user namespace. */
    boolean privileged();

    /**
     * The mapping ({@code "U:G"}) of the user namespace a launcher created for this process
     * before it started (a JVM cannot create one itself), or {@code null} when it runs in the
     * user namespace it was started in. Such a process is privileged inside, but its sandboxes
     * still live in that user namespace, with its rules (shared mounts copied from the host
     * become slaves, the host's mount flags are locked).
     */
    default String launcherUserNamespace() {
        return null;
    }
}
