package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.Mount;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountNamespace;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.PropagationModel;
import dev.nsbox.mounts.Refused;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the directories a plan's mounts and mkdirs need exist where the kernel will look
 * them up (openat2(2), mount(2), mkdir(2): ENOENT), as far as the simulation can tell. It
 * keeps the host's table as the plan found it, loaded in a model of its own; the host's files
 * ({@code null}: not asked); and each directory or file the plan created, as
 * {@code filesystem:dentry}.
 *
 * <p>Not thread-safe; belongs to one {@link Simulator} run. Never touches the host: it asks
 * the {@link HostView} the planner was given.
 */
final class TargetExistence {

    private final Kernel kernel;
    /** The host as it was when the plan was made; loaded at its first use ({@link #before()}). */
    private PropagationModel before;
    private MountNamespace host;
    private final MountTable table;
    private final HostView files;
    private final Set<String> created = new HashSet<>();

    TargetExistence(MountTable hostTable, Kernel kernel, HostView files) {
        this.kernel = kernel;
        this.table = hostTable;
        this.files = files;
    }

    /**
     * The model of the host before the plan, to find where it showed a directory. Loaded only
     * when a check needs it: most plans never ask, and a load is linear in the host's table.
     */
    private PropagationModel before() {
        if (before == null) {
            PropagationModel m = new PropagationModel(kernel);
            host = m.load("host", table);
            before = m;
        }
        return before;
    }

    /** Records that the plan created directory or file {@code dentry} of filesystem {@code filesystem}. */
    void created(String filesystem, String dentry) {
        created.add(filesystem + ":" + dentry);
    }

    /**
     * A mount target must exist where the kernel looks it up (openat2(2), mount(2): ENOENT).
     * The planner checked it in its own view, which knows neither that a non-recursive bind
     * leaves out the mounts below its source nor that a copy propagated inside the sandbox
     * (sharedsubtree.rst 2a, fs/pnode.c propagate_mnt) may now cover a path with another
     * directory. The simulation knows which filesystem and which directory of it the path
     * reaches now. A directory of a tmpfs the plan made (or of a copy of it: one superblock)
     * exists only if it is that tmpfs's root or the plan created it. A directory of a host
     * filesystem exists if the host showed it, at the path where the host reached that same
     * directory before the plan ran; where the host hid it under another mount, only the kernel
     * knows, and the check says nothing.
     */
    void check(PropagationModel model, MountNamespace sandbox, String target) {
        Mount m = model.covering(sandbox, target);
        String dentry = model.dentry(sandbox, target);
        String fs = m.filesystem();
        if (created.contains(fs + ":" + dentry)) {
            return;
        }
        if (fs.startsWith("new:")) {
            if (m.fsType().equals("tmpfs") && !dentry.equals("/")) {
                throw new Refused("ENOENT", target + " is " + dentry + " in the " + m.fsType() + " mounted at "
                        + model.path(m) + ", which the plan did not create there; a propagated copy of a fresh "
                        + "tmpfs covers the path (sharedsubtree.rst 2a); keep the tree's propagation rprivate");
            }
            // A fresh proc holds what every procfs holds (proc_root_init), as the host's /proc
            // shows, besides its PID namespace's process directories, which are not modelled.
            if (m.fsType().equals("proc") && !dentry.equals("/") && !SandboxView.pidDirectory(dentry)
                    && files != null && files.kind("/proc" + dentry) == HostView.Kind.MISSING) {
                throw new Refused("ENOENT", target + " is " + dentry + " in the proc mounted at " + model.path(m)
                        + ", which no procfs holds; a propagated copy of the spec's proc covers the path "
                        + "(sharedsubtree.rst 2a); keep the tree's propagation rprivate");
            }
            return;
        }
        if (files == null) {
            return;
        }
        String shown = shownAt(fs, dentry);
        if (shown != null && files.kind(shown) == HostView.Kind.MISSING) {
            throw new Refused("ENOENT", target + " reaches " + dentry + " of the filesystem " + fs + " mounted at "
                    + model.path(m) + ", which the host shows at " + shown + " and which does not exist there"
                    + (shown.equals(target) ? "" : "; a non-recursive bind or a propagated copy changed what "
                    + target + " leads to"));
        }
        if (shown == null) {
            // Hidden on the host under another mount (a non-recursive bind shows it again): ask
            // for that mount's own directory, below what is mounted on it.
            for (var mi : table.mounts()) {
                if (!mi.device().equals(fs) || !Planner.under(dentry, mi.root())) {
                    continue;
                }
                Mount top;
                try {
                    top = before().mountAt(host, mi.mountPoint());
                } catch (Refused e) {
                    continue;
                }
                if (top == null || top.id() != mi.id()) {
                    continue;
                }
                String rest = dentry.equals(mi.root()) ? ""
                        : mi.root().equals("/") ? dentry : dentry.substring(mi.root().length());
                if (files.kindBeneath(mi.mountPoint(), rest).orElse(null) == HostView.Kind.MISSING) {
                    throw new Refused("ENOENT", target + " reaches " + dentry + " of the filesystem " + fs
                            + " mounted at " + model.path(m) + ", which the host hides under the mounts on "
                            + mi.mountPoint() + " and which does not exist there; a non-recursive bind leaves "
                            + "out the mounts below its source");
                }
                return;
            }
        }
    }

    /** Where the host, before the plan, showed directory {@code dentry} of filesystem {@code fs}; or {@code null}. */
    private String shownAt(String fs, String dentry) {
        for (var mi : table.mounts()) {
            if (!mi.device().equals(fs) || !Planner.under(dentry, mi.root())) {
                continue;
            }
            String rest = dentry.equals(mi.root()) ? ""
                    : mi.root().equals("/") ? dentry : dentry.substring(mi.root().length());
            String path = mi.mountPoint().equals("/") ? (rest.isEmpty() ? "/" : rest) : mi.mountPoint() + rest;
            try {
                Mount there = before().covering(host, path);
                if (there.filesystem().equals(fs) && before.dentry(host, path).equals(dentry)) {
                    return path;
                }
            } catch (Refused e) {
                return null;
            }
        }
        return null;
    }

    /**
     * The planner creates mount points only inside a tmpfs the spec mounted, at the path it
     * mounted it. A copy a later mount propagated inside the sandbox (sharedsubtree.rst 2a: a
     * tmpfs on a mount whose peer is an ancestor lands on that peer too) may cover that
     * place with the fresh tmpfs's empty root: the directory mkdir(2) needs is not there
     * (ENOENT). A copy stacked at the same place as the spec's tmpfs shows the same
     * directories (one superblock) and changes nothing.
     */
    static void notCoveredByACopy(PropagationModel model, MountNamespace sandbox, String path,
                                  List<OpOutcome> outcomes, Map<Integer, MountEvent> copies) {
        String parent = path.lastIndexOf('/') <= 0 ? "/" : path.substring(0, path.lastIndexOf('/'));
        Mount holder = model.covering(sandbox, parent);
        MountEvent copy = holder == null ? null : copies.get(holder.id());
        if (copy == null) {
            return;
        }
        String own = null;
        for (OpOutcome st : outcomes) {
            if (st.op() instanceof Op.Mount m && m.fstype().equals("tmpfs") && st.mountId() != 0
                    && Planner.under(parent, m.target()) && (own == null || m.target().length() > own.length())) {
                own = m.target();
            }
        }
        String at = model.path(holder);
        if (own != null && !at.equals(own)) {
            throw new Refused("ENOENT", "a copy of " + copy.fsType() + " propagated through peer group "
                    + copy.via() + " onto " + at + " inside the sandbox (" + copy.rule() + ") covers " + own
                    + ", the tmpfs the plan creates " + path + " in; keep the tree's propagation rprivate");
        }
    }
}
