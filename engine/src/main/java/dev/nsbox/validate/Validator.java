package dev.nsbox.validate;

import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.seccomp.SeccompRules;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.SeccompSpec;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The checks a parsed spec must pass before anything is planned: the rules of docs/spec.md that
 * relate one part of a spec to another. Each check is small and named, and reports every
 * problem it finds, not the first; {@link #validate} runs them all.
 *
 * <p>Stateless. Never touches the host: these are facts about the spec alone (whether a target
 * exists, or a source, is the planner's question).
 */
public final class Validator {

    private Validator() {
    }

    /** One named check. */
    public record Check(String name, BiConsumer<Spec, List<Diagnostic>> rule) {
    }

    /** Every check, in the order they run. */
    public static final List<Check> CHECKS = List.of(
            new Check("mount-namespace", Validator::mountNamespace),
            new Check("uts-namespace", Validator::utsNamespace),
            new Check("ipc-namespace", Validator::ipcNamespace),
            new Check("proc-without-pid", Validator::procWithoutPid),
            new Check("sysfs-without-net", Validator::sysfsWithoutNet),
            new Check("unchanged-propagation-with-new-root", Validator::unchangedWithNewRoot),
            new Check("steps-may-mount-on-shared-tree", Validator::stepsMayMountOnSharedTree),
            new Check("hidden-mount", Validator::hiddenMounts),
            new Check("remount-changes-nothing", Validator::remountChangesNothing),
            new Check("duplicate-step-name", Validator::duplicateStepNames),
            new Check("env-keep-without-clear", Validator::keepWithoutClear));

    /** Every problem the checks find, errors and warnings, in the order the checks ran. */
    public static List<Diagnostic> validate(Spec spec) {
        List<Diagnostic> found = new ArrayList<>();
        for (Check c : CHECKS) {
            c.rule().accept(spec, found);
        }
        return found;
    }

    /** mounts, root, and a propagation written out all act on a mount namespace of the sandbox's own. */
    static void mountNamespace(Spec spec, List<Diagnostic> out) {
        if (spec.has(Namespace.MOUNT)) {
            return;
        }
        for (String field : List.of("propagation", "root", "mounts")) {
            if (spec.origins().has(field) && !(field.equals("mounts") && spec.mounts().isEmpty())) {
                out.add(Diagnostic.error(spec.origins().of(field), field
                        + " needs a mount namespace; add \"mount\" to namespaces"));
            }
        }
    }

    static void utsNamespace(Spec spec, List<Diagnostic> out) {
        if (spec.hostname() != null && !spec.has(Namespace.UTS)) {
            out.add(Diagnostic.error(spec.origins().of("hostname"),
                    "hostname needs a uts namespace (it would rename the host); add \"uts\" to namespaces"));
        }
    }

    static void ipcNamespace(Spec spec, List<Diagnostic> out) {
        if (spec.has(Namespace.IPC)) {
            return;
        }
        for (MountSpec m : spec.mounts()) {
            if (m.type() == MountType.MQUEUE) {
                out.add(Diagnostic.error(m.origins().self(), describe(m)
                        + " needs an ipc namespace (it would show the host's message queues); add \"ipc\" to namespaces"));
            }
        }
    }

    static void procWithoutPid(Spec spec, List<Diagnostic> out) {
        if (spec.has(Namespace.PID)) {
            return;
        }
        for (MountSpec m : spec.mounts()) {
            if (m.type() == MountType.PROC) {
                out.add(Diagnostic.warning(m.origins().self(), describe(m)
                        + " without a pid namespace shows the host's processes"));
            }
        }
    }

    static void sysfsWithoutNet(Spec spec, List<Diagnostic> out) {
        if (spec.has(Namespace.NET)) {
            return;
        }
        for (MountSpec m : spec.mounts()) {
            if (m.type() == MountType.SYSFS) {
                out.add(Diagnostic.warning(m.origins().self(), describe(m)
                        + " without a net namespace shows the host's network devices"));
            }
        }
    }

    /**
     * A tmpfs or dir root is entered with pivot_root(2), which fails with EINVAL when the new
     * root's parent mount is shared, and is built under a staging tmpfs that, on a shared tree,
     * would appear on the host: so the tree's propagation must be settled first.
     */
    static void unchangedWithNewRoot(Spec spec, List<Diagnostic> out) {
        if (spec.propagation() == Propagation.UNCHANGED && spec.root().type() != RootType.HOST) {
            out.add(Diagnostic.error(spec.origins().of("propagation"), "propagation unchanged cannot be used with root "
                    + "type " + spec.root().type().word() + ": pivot_root(2) fails with EINVAL when the new root's parent "
                    + "mount is shared, and the root's staging tmpfs would appear on the host; use rprivate or rslave"));
        }
    }

    /** The calls that put a mount in the tree: mount(2), and move_mount(2) for the new mount API. */
    private static final List<String> MOUNT_CALLS = List.of("mount", "move_mount");

    /**
     * With {@code propagation} unchanged, shared or rshared, the sandbox's mounts stay peers of
     * the host's (mount_namespaces(7), "Shared subtrees"; systemd makes the host's shared), so a
     * mount a step makes appears on the host, which {@code hostEffects: deny} refuses. A step can
     * mount only with CAP_SYS_ADMIN (mount(2), EPERM) and a filter that lets mount(2) or
     * move_mount(2) through: steps keep no capability by default, and a filter cannot grant one,
     * so the spec is refused only when it keeps CAP_SYS_ADMIN and its filter allows those calls
     * (Docker's baseline, nsbox's default, allows them to a process that keeps CAP_SYS_ADMIN).
     * A user namespace a step might create of its own cannot carry mounts back: a less
     * privileged mount namespace gets its shared mounts as slaves (mount_namespaces(7)).
     */
    static void stepsMayMountOnSharedTree(Spec spec, List<Diagnostic> out) {
        Propagation p = spec.propagation();
        boolean shared = p == Propagation.UNCHANGED || p == Propagation.SHARED || p == Propagation.RSHARED;
        if (!shared || spec.hostEffects() != HostEffectsPolicy.DENY || !spec.has(Namespace.MOUNT)
                || !spec.process().capabilities().contains(Capability.CAP_SYS_ADMIN)) {
            return;
        }
        String filter = mountFilter(spec.process().seccomp());
        if (filter == null) {
            return;
        }
        out.add(Diagnostic.error(spec.origins().of("propagation"), "propagation " + p.word() + " keeps the "
                + "sandbox's mounts shared with the host, and process.capabilities keeps CAP_SYS_ADMIN, with which "
                + filter + ": each mount it makes would appear on the host, which hostEffects: deny refuses; "
                + "use rprivate or rslave, or drop CAP_SYS_ADMIN from process.capabilities"));
    }

    /**
     * How a step keeping CAP_SYS_ADMIN may mount under {@code s}, in words, or {@code null} when the
     * filter refuses every call that mounts (on every architecture nsbox has a table for).
     */
    private static String mountFilter(SeccompSpec s) {
        if (!s.filtered()) {
            return "a step may mount (process.seccomp: unconfined)";
        }
        SeccompPolicy policy;
        try {
            policy = s.mode() == SeccompSpec.Mode.CUSTOM
                    ? new SeccompPolicy.Custom(s.allow(), s.deny()) : SeccompPolicy.defaults();
        } catch (IllegalArgumentException e) {
            return null; // a misspelt call name, which the parser reports at its line
        }
        for (SeccompArch arch : SeccompArch.values()) {
            SeccompRules rules = SeccompRules.of(policy, arch, Set.of(Capability.CAP_SYS_ADMIN.name())).orElseThrow();
            for (String call : MOUNT_CALLS) {
                if (rules.decide(call).mayRun()) {
                    return "a step may call " + call + "(2), which the system-call filter allows a step that keeps it";
                }
            }
        }
        return null;
    }

    /**
     * A mount made later on the same target or on a parent of it covers an earlier one, which
     * is then unreachable: almost always a mistake of order. A remount changes what is there
     * and hides nothing. The first such later mount is named.
     */
    static void hiddenMounts(Spec spec, List<Diagnostic> out) {
        // Walks the list backwards, remembering for every target the first mount made on it
        // after the current one, so that each mount looks up its own path and its parents:
        // linear in the number of mounts (times the depth of a path), even for a huge list.
        List<MountSpec> mounts = spec.mounts();
        Map<String, Integer> firstLaterOn = new HashMap<>();
        Diagnostic[] hidden = new Diagnostic[mounts.size()];
        for (int i = mounts.size() - 1; i >= 0; i--) {
            MountSpec earlier = mounts.get(i);
            int hider = Integer.MAX_VALUE;
            for (String p = earlier.target(); p != null; p = parent(p)) {
                Integer j = firstLaterOn.get(p);
                if (j != null && j < hider) {
                    hider = j;
                }
            }
            if (hider != Integer.MAX_VALUE) {
                MountSpec later = mounts.get(hider);
                boolean same = later.target().equals(earlier.target());
                hidden[i] = Diagnostic.warning(earlier.origins().self(), describe(earlier) + " is hidden by "
                        + describe(later) + ", mounted later " + (same ? "on the same target" : "on a parent"));
            }
            if (earlier.type() != MountType.REMOUNT) {
                firstLaterOn.put(earlier.target(), i);
            }
        }
        for (Diagnostic d : hidden) {
            if (d != null) {
                out.add(d);
            }
        }
    }

    /** {@code /a} for {@code /a/b}, {@code /} for {@code /a}, null for {@code /}. */
    static String parent(String path) {
        if (path.equals("/")) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static void remountChangesNothing(Spec spec, List<Diagnostic> out) {
        for (MountSpec m : spec.mounts()) {
            if (m.type() == MountType.REMOUNT && m.readOnly() == null && m.nosuid() == null && m.nodev() == null
                    && m.noexec() == null && m.propagation() == null) {
                out.add(Diagnostic.warning(m.origins().self(), describe(m)
                        + " changes nothing; set readOnly, nosuid, nodev, noexec or propagation"));
            }
        }
    }

    /** Steps are named in logs and results, so a name must say which step it was. */
    static void duplicateStepNames(Spec spec, List<Diagnostic> out) {
        Map<String, Step> seen = new HashMap<>();
        for (Step s : spec.steps()) {
            Step first = seen.putIfAbsent(s.name(), s);
            if (first != null) {
                out.add(Diagnostic.error(s.origins().of("name"), s.label() + " is named \"" + s.name()
                        + "\" like " + first.label() + "; step names must be unique"));
            }
        }
    }

    static void keepWithoutClear(Spec spec, List<Diagnostic> out) {
        if (!spec.process().env().clear() && !spec.process().env().keep().isEmpty()) {
            out.add(Diagnostic.warning(spec.process().env().origins().of("keep"),
                    "process.env.keep has no effect without clear: true (the whole environment is kept)"));
        }
    }

    /** {@code mounts[3] (proc on /proc)}, how messages name a mount. */
    static String describe(MountSpec m) {
        return m.label() + " (" + m.type().word() + " on " + m.target() + ")";
    }

}
