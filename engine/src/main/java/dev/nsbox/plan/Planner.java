package dev.nsbox.plan;

import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a spec into a {@link Plan}: the ordered operations, what the finished mount table must
 * show, and the steps with their complete environments.
 *
 * <p>Pure: everything it knows about the machine comes from the {@link HostView} it is given;
 * it applies nothing. Problems that depend on the host (a mount target that does not exist, a
 * target whose path contains a symlink, a bind source that is missing) are reported as error
 * diagnostics of the plan, each with the spec line it comes from.
 *
 * <p>This class decides the order: namespaces, then the mounts (the tree's propagation, the
 * root, the sources, then each mount), the host name and loopback, pivot_root, and the steps.
 * {@link RootMount} plans the root, {@link MountPlanner} each mount, {@link MountPoints} its
 * target, {@link StepPlanner} the steps, and {@link Expectations} drops what a later mount
 * hides; they share one {@link PlanDraft}. The order of operations, and why, is in
 * docs/decisions/0005-the-order-of-operations.md.
 */
public final class Planner {

    private Planner() {
    }

    /** Plans {@code spec} with its own steps. */
    public static Plan plan(Spec spec, HostView host) {
        return plan(spec, host, null);
    }

    /**
     * Plans {@code spec}; when {@code command} is not null it replaces the spec's steps with one
     * step running that argv ({@code nsbox run SPEC -- COMMAND ARGS...}).
     */
    public static Plan plan(Spec spec, HostView host, List<String> command) {
        PlanDraft draft = new PlanDraft(spec, host);
        boolean mountNs = spec.has(Namespace.MOUNT);
        boolean pidNs = spec.has(Namespace.PID);
        Origin nsOrigin = spec.origins().of("namespaces");
        int flags = unshareFlags(draft);
        if (flags != 0) {
            draft.add(new Op.Unshare(flags, nsOrigin));
        }
        draft.add(new Op.SpawnInit(pidNs, nsOrigin));

        RootMount root = new RootMount(draft);
        if (mountNs) {
            planMounts(draft, root);
        }
        if (spec.hostname() != null) {
            draft.add(new Op.SetHostname(spec.hostname(), spec.origins().of("hostname")));
        }
        if (spec.has(Namespace.NET)) {
            draft.add(new Op.LoopbackUp(nsOrigin));
        }
        if (mountNs) {
            root.pivot();
        }
        List<Diagnostic> confinementProblems = new ArrayList<>();
        Confinement confinement = Confinement.of(spec, SeccompArch.current(), confinementProblems);
        draft.diagnostics().addAll(confinementProblems);
        Plan.Launch launch = new Plan.Launch(pidNs, spec.process().noNewPrivileges(), confinement,
                StepPlanner.steps(spec, host, command));
        if (mountNs) {
            StepPlanner.checkWorkingDirectories(draft, launch.steps());
        }
        return new Plan(spec, draft.notes(), draft.ops(), Expectations.kept(spec, draft.expectations()), launch,
                null, draft.diagnostics());
    }

    /** Flags of the namespaces, {@code CLONE_NEW*}. */
    public static int cloneFlag(Namespace ns) {
        return switch (ns) {
            case MOUNT -> Flags.CLONE_NEWNS;
            case PID -> Flags.CLONE_NEWPID;
            case NET -> Flags.CLONE_NEWNET;
            case UTS -> Flags.CLONE_NEWUTS;
            case IPC -> Flags.CLONE_NEWIPC;
            case CGROUP -> Flags.CLONE_NEWCGROUP;
            case USER -> Flags.CLONE_NEWUSER;
            case TIME -> Flags.CLONE_NEWTIME;
        };
    }

    /**
     * The namespaces to unshare: the spec's, and a user namespace when the caller lacks
     * CAP_SYS_ADMIN or already runs in one that nsbox made; each such decision is noted.
     */
    private static int unshareFlags(PlanDraft draft) {
        Spec spec = draft.spec;
        HostView host = draft.host;
        int flags = 0;
        for (Namespace ns : spec.namespaces()) {
            flags |= cloneFlag(ns);
        }
        String made = host.launcherUserNamespace();
        if ((!host.privileged() || made != null) && !spec.has(Namespace.USER)) {
            flags |= Flags.CLONE_NEWUSER;
            draft.note("adds a user namespace mapping the caller to uid " + spec.user().uid() + ", gid "
                    + spec.user().gid() + ": the caller lacks CAP_SYS_ADMIN");
        }
        if ((flags & Flags.CLONE_NEWUSER) != 0) {
            // unshare(CLONE_NEWUSER) is EINVAL in a multithreaded process: nsbox starts its
            // JVM inside a user namespace instead, and the executor unshares the rest.
            draft.note(made != null
                    ? "CLONE_NEWUSER: this JVM already runs in the user namespace (mapping " + made
                            + ") that nsbox created for it with unshare --user; the other namespaces are "
                            + "unshared per sandbox"
                    : "CLONE_NEWUSER: a JVM cannot unshare a user namespace; nsbox starts a JVM inside one "
                            + "(unshare --user, uid " + spec.user().uid() + ", gid " + spec.user().gid()
                            + "), once per nsbox run or once per build, and the other namespaces are unshared "
                            + "per sandbox");
        }
        return flags;
    }

    /**
     * The mount namespace's operations: the tree's propagation, the root's layer, every source
     * opened, the root attached, then each mount of the spec in order.
     */
    private static void planMounts(PlanDraft draft, RootMount root) {
        Spec spec = draft.spec;
        Propagation tree = spec.propagation();
        if (tree != Propagation.UNCHANGED) {
            Origin o = spec.origins().of("propagation");
            draft.add(new Op.SetPropagation("/", PropagationFlags.mountFlags(tree), o));
            if (spec.root().type() == RootType.HOST) {
                draft.expect(new Expectation("propagation", "/", null, false, false, tree.kind(), o));
            }
        }
        // Every source is opened before any mount is made, so that sources name the host's
        // view as it was before the sandbox.
        MountDefaults defaults = new MountDefaults(draft, root);
        MountPlanner mounts = new MountPlanner(draft, root, defaults);
        root.enter();
        mounts.openSources();
        if (!root.attach()) {
            return;
        }
        defaults.guardHostTree();
        mounts.planDefaultDev();
        for (MountSpec m : spec.mounts()) {
            mounts.plan(m);
        }
        defaults.guardHostCopies();
    }

    static boolean under(String path, String ancestor) {
        // Without building ancestor + "/": the planner asks this for every pair of mounts.
        return path.equals(ancestor) || ancestor.equals("/") || (path.length() > ancestor.length()
                && path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
