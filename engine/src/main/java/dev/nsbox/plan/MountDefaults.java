package dev.nsbox.plan;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * The mounts a spec gets without asking: a minimal {@code /dev} on a host root, and the guards
 * of every procfs and sysfs the step can see (runc's {@code readonlyPaths} and
 * {@code maskedPaths} as Docker sets them). They are planned only when the sandbox's tree is
 * recursively private, slave or unbindable: in a tree still shared with the host they would be
 * mounted on the host too (sharedsubtree.rst, 2a), so the plan warns instead.
 *
 * <p>Mutable, private to one planning; works on the shared {@link PlanDraft}. The lists and
 * {@link #appliesTo} are public for exports that must give the same defaults (dev.nsbox.oci).
 */
public final class MountDefaults {

    /** Made read-only in every procfs: the kernel's tunables and triggers (runc's readonlyPaths). */
    public static final List<String> PROC_READ_ONLY = List.of("sys", "sysrq-trigger", "irq", "bus", "fs");

    /** Masked in every procfs: kernel memory, keys and timing (Docker's maskedPaths under /proc). */
    public static final List<String> PROC_MASKED = List.of("kcore", "keys", "timer_list", "sched_debug", "scsi", "acpi",
            "latency_stats", "timer_stats", "interrupts");

    /** Masked in every sysfs (Docker's maskedPaths under /sys). */
    public static final List<String> SYS_MASKED = List.of("firmware", "devices/virtual/powercap");

    private final PlanDraft draft;
    private final RootMount root;
    private final boolean applies;
    private boolean notedSpecGuards;

    MountDefaults(PlanDraft draft, RootMount root) {
        this.draft = draft;
        this.root = root;
        this.applies = appliesTo(draft.spec.propagation());
        if (!applies) {
            Propagation p = draft.spec.propagation();
            draft.warning(draft.spec.origins().of("propagation"), "propagation: " + p.word()
                    + " keeps the sandbox's mounts shared with the host, so the mount-based defaults are not "
                    + "applied: no minimal /dev, no read-only /proc/sys, /proc/sysrq-trigger, /proc/irq, "
                    + "/proc/bus, /proc/fs, /sys, no masked /proc/kcore and its kin or /sys/firmware "
                    + "(mounted here they would be mounted on the host as well); no capabilities, "
                    + "no_new_privs, the system-call filter and the limits still apply. Say propagation: "
                    + "rprivate to have them");
        }
    }

    /**
     * Whether the defaults can be mounted without reaching the host: only when every mount of
     * the tree stops propagation out. A non-recursive change leaves the host's /dev, /proc and
     * /sys, shared on a systemd host, as they were.
     */
    public static boolean appliesTo(Propagation tree) {
        return tree.recursive() && tree.kind() != Propagation.Kind.SHARED;
    }

    boolean applies() {
        return applies;
    }

    /** Whether a host root gets the minimal /dev: no mount of the spec on /dev itself. */
    boolean minimalDev() {
        return applies && draft.spec.root().type() == RootType.HOST
                && draft.spec.mounts().stream().noneMatch(m -> m.type() != MountType.REMOUNT && m.target().equals("/dev"));
    }

    /** Where the minimal /dev comes from: the spec's root, or its namespaces when it has no root. */
    Origin devOrigin() {
        Origin o = draft.spec.root().origins().self();
        if (o.line() <= 0) {
            o = draft.spec.origins().of("namespaces");
        }
        return o.withPath("root (default: minimal /dev)");
    }

    /** The note that says the minimal /dev is a default and how to loosen it. */
    void noteDev() {
        draft.note("default: a minimal /dev (null zero full random urandom tty, a devpts with ptmx, shm, fd links) "
                + "on /dev, as bubblewrap's --dev; a mount of your own on /dev (a bind of the host's /dev with "
                + "nodev: false, say) replaces it");
    }

    /** The guards of a proc the spec just mounted at {@code m.target()}. */
    void guardProc(MountSpec m) {
        if (!applies) {
            return;
        }
        noteSpecGuards();
        guardProc(m.target(), m.origins().self().withPath(m.label() + " (default guard)"));
    }

    private void noteSpecGuards() {
        if (!notedSpecGuards) {
            notedSpecGuards = true;
            draft.note("default: every proc and sysfs of the spec is guarded right after it is mounted, as runc's "
                    + "readonlyPaths and maskedPaths: read-only sys, sysrq-trigger, irq, bus, fs; kcore, keys, "
                    + "timer_list, sched_debug, scsi, acpi, latency_stats, timer_stats, interrupts, and sysfs's "
                    + "firmware and devices/virtual/powercap masked, where the kernel has them; no key loosens them");
        }
    }

    /** The masks of a sysfs the spec just mounted; it is read-only already unless the spec says otherwise. */
    void guardSysfs(MountSpec m) {
        if (!applies) {
            return;
        }
        noteSpecGuards();
        Origin o = m.origins().self().withPath(m.label() + " (default guard)");
        for (String name : SYS_MASKED) {
            // A fresh sysfs shows what the host's does: sysfs has one tree per kernel.
            mask(m.target() + "/" + name, draft.host.kind("/sys/" + name), o);
        }
    }

    /**
     * {@code nodev} and {@code nosuid} on every mount of a host root, recursively: a devtmpfs
     * the host has mounted anywhere would otherwise give uid 0 with no capability its 0600
     * block devices (the open checks owner bits only; CAP_MKNOD is not asked), and a set-uid
     * program would gain its owner. Planned after every source is opened, since a clone keeps
     * the attributes it had when cloned (open_tree(2)): the minimal /dev's nodes and a bind of
     * the spec with {@code nodev: false} still work; and before the spec's mounts, which keep
     * their own flags.
     */
    void guardHostTree() {
        if (!applies || draft.spec.root().type() != RootType.HOST) {
            return;
        }
        draft.note("default: every mount of the host root is made nodev and nosuid, recursively, before any "
                + "mount of the spec: no device node of the host's tree opens (a devtmpfs mounted anywhere, say) "
                + "and no set-uid program gains its owner; the minimal /dev and the spec's own mounts keep "
                + "their flags (a bind with nodev: false still shows devices)");
        draft.add(new Op.SetAttr(-1, "/", true, Flags.MOUNT_ATTR_NODEV | Flags.MOUNT_ATTR_NOSUID, 0, 0,
                hostRootOrigin().withPath("root (default: nodev, nosuid)")));
    }

    private Origin hostRootOrigin() {
        Origin o = draft.spec.root().origins().self();
        if (o.line() <= 0) {
            o = draft.spec.origins().of("namespaces");
        }
        return o;
    }

    /**
     * The guards of every procfs and sysfs of the host in sight under a host root (its /proc
     * and /sys, and any other the host has mounted, as a container runtime leaves them): uid 0
     * with no capability still writes /proc/sys and most of /sys through owner permission bits.
     * Planned after the spec's mounts, so that no remount of the spec undoes them; one the spec
     * has covered, or another mount of the host hides, is not in sight and is skipped.
     */
    void guardHostCopies() {
        if (!applies || draft.spec.root().type() != RootType.HOST) {
            return;
        }
        Origin o = hostRootOrigin();
        List<String> procs = hostFilesystems("proc", "/proc");
        List<String> sysfss = hostFilesystems("sysfs", "/sys");
        if (!procs.isEmpty()) {
            draft.note("default: the host's procfs (" + String.join(", ", procs) + "), in sight under the host "
                    + "root, gets the guards of every proc: read-only sys, sysrq-trigger, irq, bus, fs; kcore, "
                    + "keys and their kin masked");
        }
        for (String proc : procs) {
            guardProc(proc, o.withPath("root (default guard of the host's procfs at " + proc + ")"));
        }
        if (!sysfss.isEmpty()) {
            draft.note("default: the host's sysfs (" + String.join(", ", sysfss) + "), in sight under the host "
                    + "root, is made read-only with every submount (its files are root's, mode 0644), and its "
                    + "firmware and devices/virtual/powercap are masked");
        }
        for (String sys : sysfss) {
            Origin so = o.withPath("root (default guard of the host's sysfs at " + sys + ")");
            readOnly(sys, so);
            for (String name : SYS_MASKED) {
                mask(sys + "/" + name, draft.view.kind(sys + "/" + name), so);
            }
        }
    }

    /**
     * Where the host root shows a filesystem of {@code fsType}: {@code usual} (the host's /proc
     * or /sys, known without the table), then every mount of that type in the host's table that
     * no later mount of the host covers, each still the host root's own directory in the sandbox.
     */
    private List<String> hostFilesystems(String fsType, String usual) {
        List<String> found = new ArrayList<>();
        found.add(usual);
        List<HostView.HostMount> table = draft.host.mounts();
        for (int i = 0; i < table.size(); i++) {
            HostView.HostMount m = table.get(i);
            if (m.fsType().equals(fsType) && !found.contains(m.mountPoint()) && !coveredLater(table, i)) {
                found.add(m.mountPoint());
            }
        }
        found.removeIf(p -> !hostsOwn(p));
        return found;
    }

    /** Whether a later mount of the host's table is at or above mount {@code i}, hiding it (mountinfo's order). */
    private static boolean coveredLater(List<HostView.HostMount> table, int i) {
        String at = table.get(i).mountPoint();
        for (int j = i + 1; j < table.size(); j++) {
            if (Planner.under(at, table.get(j).mountPoint())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code path} is still the host root's own directory there, not something the spec mounted. */
    private boolean hostsOwn(String path) {
        SandboxView.Layer l = draft.view.layerOf(path);
        return l != null && l.target().equals("/") && l.backing().kind() == SandboxView.BackingKind.HOST
                && draft.view.kind(path) == HostView.Kind.DIRECTORY;
    }

    private void guardProc(String proc, Origin o) {
        for (String name : PROC_READ_ONLY) {
            if (draft.view.exists(proc + "/" + name)) {
                readOnly(proc + "/" + name, o);
            }
        }
        for (String name : PROC_MASKED) {
            mask(proc + "/" + name, draft.view.kind(proc + "/" + name), o);
        }
    }

    /**
     * {@code path} bound onto itself, read-only with every submount: the attribute is set on the
     * detached copy before it is attached, as for a read-only bind, so no copy is ever writable.
     * The copy is taken here, after the mounts before it, so it is of what the sandbox shows.
     */
    private void readOnly(String path, Origin o) {
        String actual = root.actual(path);
        // The source is the target, which the plan requires to have no symlink on its path.
        int tree = draft.openTree(actual, Op.OpenTree.Lookup.NO_SYMLINKS, true, false, o);
        draft.add(new Op.SetAttr(tree, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, o));
        draft.add(new Op.MoveMount(tree, actual, o));
        draft.expect(new Expectation(label(path), path, null, true, true, null, o));
    }

    /**
     * What is at {@code path} made unreadable, as a {@code hide} does: a file gets /dev/null, a
     * directory an empty read-only tmpfs. Nothing for a path the kernel does not have.
     */
    private void mask(String path, HostView.Kind kind, Origin o) {
        if (kind == HostView.Kind.MISSING || kind == HostView.Kind.SYMLINK) {
            return;
        }
        String actual = root.actual(path);
        if (kind == HostView.Kind.DIRECTORY) {
            draft.add(new Op.Mount("tmpfs", actual, "tmpfs",
                    Flags.MS_RDONLY | Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC, "size=0,mode=0000", o));
            draft.view.push(path, SandboxView.Backing.scratch(true));
            draft.expect(new Expectation(label(path), path, "tmpfs", true, false, null, o));
        } else {
            int nullTree = draft.openTreeEarly("/dev/null", Op.OpenTree.Lookup.FOLLOW, false, o);
            draft.add(new Op.SetAttr(nullTree, "", false, Flags.MOUNT_ATTR_RDONLY | Flags.MOUNT_ATTR_NOSUID
                    | Flags.MOUNT_ATTR_NODEV | Flags.MOUNT_ATTR_NOEXEC, 0, 0, o));
            draft.add(new Op.MoveMount(nullTree, actual, o));
            draft.view.push(path, SandboxView.Backing.host("/dev/null"));
            draft.expect(new Expectation(label(path), path, null, true, false, null, o));
        }
    }

    /** An expectation's label: never {@code mounts[...]}, which would hide the mount it guards. */
    private static String label(String path) {
        return "default " + path;
    }
}
