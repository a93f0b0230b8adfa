package dev.nsbox.host;

import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a plan that runs in a user namespace cannot do on this machine, found before anything
 * is applied: each one an error at the spec value it comes from, saying why and how to fix it.
 * A front end that gets any of these exits 3 (docs/spec.md: "this machine cannot provide what the
 * spec needs"); there is never a fallback to weaker isolation.
 *
 * <p>The kernel rules (fs/namespace.c, fs/proc/root.c, fs/sysfs/mount.c, kernel/user_namespace.c):
 * <ul>
 *   <li>procfs and sysfs may be mounted in a user namespace only when it owns the PID
 *       (procfs) or network (sysfs) namespace of the mounter, and only when an instance of the
 *       same filesystem is already fully visible in the mount namespace
 *       ({@code mnt_already_visible}): a container that over-mounts parts of {@code /proc}
 *       makes a fresh proc impossible;</li>
 *   <li>flags of a mount copied from a more privileged mount namespace (read-only, nosuid,
 *       nodev, noexec) are locked: clearing one gives EPERM;</li>
 *   <li>creating the user namespace itself may be forbidden by sysctls, an LSM, or a
 *       container's seccomp profile.</li>
 * </ul>
 *
 * <p>Reads {@code /proc/sys} and may fork {@code unshare --user true} ({@link UserNamespaces});
 * changes nothing.
 */
public final class Rootless {

    /**
     * Mount points the kernel creates as permanently empty directories in sysfs and procfs
     * ({@code sysfs_create_mount_point}, {@code proc_create_mount_point}): a mount on one of
     * them does not hide anything, so it does not make a fresh instance impossible.
     */
    static final Set<String> EMPTY_MOUNT_POINTS = Set.of(
            "/proc/sys/fs/binfmt_misc", "/proc/fs/nfsd",
            "/sys/fs/cgroup", "/sys/kernel/debug", "/sys/kernel/tracing", "/sys/kernel/security",
            "/sys/fs/fuse/connections", "/sys/fs/pstore", "/sys/fs/bpf", "/sys/kernel/config",
            "/sys/fs/selinux", "/sys/firmware/efi/efivars", "/sys/fs/resctrl");

    private Rootless() {
    }

    /** Whether the plan runs in a user namespace (its Unshare has {@code CLONE_NEWUSER}). */
    public static boolean needsUserNamespace(Plan plan) {
        return plan.ops().stream().anyMatch(o -> o instanceof Op.Unshare u && (u.flags() & Flags.CLONE_NEWUSER) != 0);
    }

    /**
     * Every reason {@code plan} cannot run on this machine because it runs in a user namespace;
     * empty when it can, or when it needs none.
     *
     * @param hostTable   the caller's mount table (from {@code /proc/self/mountinfo})
     * @param environment the caller's environment (for {@code PATH})
     * @param probe       whether to check that the machine lets the caller create a user
     *                    namespace (sysctls, then {@code unshare --user true})
     */
    public static List<Diagnostic> limits(Plan plan, MountTable hostTable, Map<String, String> environment,
                                          boolean probe) {
        if (!needsUserNamespace(plan)) {
            return List.of();
        }
        Spec spec = plan.spec();
        List<Diagnostic> out = new ArrayList<>();
        Origin ns = spec.origins().of("namespaces");
        boolean inside = UserNamespaces.entered(environment).isPresent();
        if (!inside && probe) {
            UserNamespaces.refusal(environment).ifPresent(why -> out.add(Diagnostic.error(ns,
                    "this spec needs a user namespace (the caller lacks CAP_SYS_ADMIN, or it lists user), and "
                            + why)));
            try {
                UserNamespaces.wrap(new UserNamespaces.Mapping(spec.user().uid(), spec.user().gid()), List.of("true"),
                        environment);
            } catch (UserNamespaces.Unavailable e) {
                out.add(Diagnostic.error(spec.origins().has("user") ? spec.origins().of("user") : ns, e.getMessage()));
            }
        }
        for (MountSpec m : spec.mounts()) {
            Origin o = m.origins().self();
            if (m.type() == MountType.PROC) {
                if (!spec.has(Namespace.PID)) {
                    out.add(Diagnostic.error(o, m.label() + " (proc on " + m.target() + "): in a user namespace the "
                            + "kernel mounts procfs only for a PID namespace that namespace owns (EPERM otherwise); "
                            + "add pid to namespaces, or run as root"));
                }
                hidden(hostTable, "proc", "/proc").ifPresent(cover -> out.add(Diagnostic.error(o, m.label()
                        + " (proc on " + m.target() + "): the host's /proc is partly covered (" + cover + "), as a "
                        + "container runtime does; the kernel refuses a fresh procfs in a user namespace unless "
                        + "one is fully visible (mnt_already_visible, EPERM); run nsbox as root in the container, "
                        + "or start the container with an unmasked /proc (docker --security-opt "
                        + "systempaths=unconfined)")));
            } else if (m.type() == MountType.SYSFS) {
                if (!spec.has(Namespace.NET)) {
                    out.add(Diagnostic.error(o, m.label() + " (sysfs on " + m.target() + "): in a user namespace "
                            + "the kernel mounts sysfs only for a network namespace that namespace owns (EPERM "
                            + "otherwise); add net to namespaces, or run as root"));
                }
                hidden(hostTable, "sysfs", "/sys").ifPresent(cover -> out.add(Diagnostic.error(o, m.label()
                        + " (sysfs on " + m.target() + "): the host's /sys is partly covered (" + cover + "); the "
                        + "kernel refuses a fresh sysfs in a user namespace unless one is fully visible "
                        + "(mnt_already_visible, EPERM); run nsbox as root, or bind /sys instead")));
            } else if (m.type() == MountType.REMOUNT) {
                hostTable.covering(m.target()).ifPresent(host -> {
                    List<String> locked = new ArrayList<>();
                    if (Boolean.FALSE.equals(m.readOnly()) && host.readOnly()) {
                        locked.add("readOnly: false (the host mounted it ro)");
                    }
                    if (Boolean.FALSE.equals(m.nosuid()) && host.options().contains("nosuid")) {
                        locked.add("nosuid: false");
                    }
                    if (Boolean.FALSE.equals(m.nodev()) && host.options().contains("nodev")) {
                        locked.add("nodev: false");
                    }
                    if (Boolean.FALSE.equals(m.noexec()) && host.options().contains("noexec")) {
                        locked.add("noexec: false");
                    }
                    if (!locked.isEmpty()) {
                        out.add(Diagnostic.error(o, m.label() + " (remount of " + m.target() + "): "
                                + String.join(", ", locked) + " would clear a flag of " + host.mountPoint()
                                + " that the host set; in a user namespace the kernel locks the flags of mounts "
                                + "copied from the host (EPERM); remove it from the spec, or run as root"));
                    }
                });
            }
        }
        return out;
    }

    /**
     * A mount on a non-empty directory of the host's {@code fsType} at {@code where}, which
     * keeps that filesystem from being fully visible; empty when there is none.
     */
    static Optional<String> hidden(MountTable table, String fsType, String where) {
        Optional<MountInfo> top = table.mountAt(where);
        if (top.isEmpty() || !top.get().fsType().equals(fsType)) {
            return Optional.empty();
        }
        for (MountInfo child : table.children(top.get().id())) {
            if (!EMPTY_MOUNT_POINTS.contains(child.mountPoint())) {
                return Optional.of(child.fsType() + " on " + child.mountPoint());
            }
        }
        return Optional.empty();
    }
}
