package dev.nsbox.cgroups;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroups of this machine as nsbox uses them: where a sandbox's cgroup goes, whether the
 * caller may make one, what doctor says about it, and making it.
 *
 * <h2>Where a sandbox's cgroup goes</h2>
 *
 * <p><b>cgroup v1</b> (legacy or hybrid): one directory {@code nsbox-ID} per hierarchy a limit
 * needs, below the caller's own cgroup in it ({@code memory/…/nsbox-ID}, {@code pids/…/nsbox-ID},
 * {@code cpu,cpuacct/…/nsbox-ID}). v1 has no rule against processes in inner cgroups, so the
 * caller stays where it is, and its own limits still bound the sandbox.
 *
 * <p><b>cgroup v2</b>: a cgroup can hand a controller to its children only while it holds no
 * process itself, the root excepted (cgroup-v2.rst, "No Internal Process Constraint"), and the
 * caller always sits in its own cgroup. So:
 * <ul>
 *   <li>Root, seeing the real root cgroup (it has no {@code cgroup.type}): under
 *       {@code /sys/fs/cgroup/nsbox}, a process-free parent made once and kept (as Docker's
 *       cgroupfs driver keeps {@code /docker}), with the controllers enabled in the root's and in
 *       its {@code cgroup.subtree_control}. This leaves systemd's slices alone: systemd owns every
 *       cgroup below its units, and nsbox's sit beside them.</li>
 *   <li>Otherwise (rootless, or root in a cgroup namespace, as in a container): only in a
 *       delegated cgroup, one the caller owns and whose {@code cgroup.procs} and
 *       {@code cgroup.subtree_control} it may write ({@code systemd-run --user --scope -p
 *       Delegate=yes}). nsbox moves every process of that cgroup into a leaf
 *       {@code nsbox-caller} beside the sandboxes, as systemd's delegation rules ask of the
 *       delegated process (docs/CGROUP_DELEGATION.md, "Delegation"), enables the controllers,
 *       and makes {@code nsbox-ID} there. The caller stays in the leaf; a later run finds it
 *       there and reuses the parent.</li>
 * </ul>
 *
 * <p>Immutable; reads the files through its {@link CgroupFs} when asked.
 */
public final class Cgroups {

    /** The leaf the caller's processes move to in a delegated cgroup v2. */
    public static final String CALLER_LEAF = "nsbox-caller";

    /** The shared parent of sandbox cgroups in the cgroup v2 root. */
    public static final String ROOT_PARENT = "nsbox";

    /** The fix for a caller whose cgroup nsbox may not use. */
    public static final String DELEGATE_FIX =
            "run it under a delegated scope: systemd-run --user --scope -p Delegate=yes nsbox run SPEC";

    /**
     * The fix on cgroup v1, where systemd delegates no controller to an unprivileged user
     * (systemd.resource-control(5), "Delegate=": "not safe" on the legacy hierarchy).
     */
    public static final String V1_FIX = "cgroup v1 limits need root here: run nsbox as root, or on a cgroup v2 host "
            + "under a delegated scope: systemd-run --user --scope -p Delegate=yes nsbox run SPEC";

    private final CgroupFs fs;
    private final CgroupLayout layout;

    public Cgroups(CgroupFs fs, CgroupLayout layout) {
        this.fs = fs;
        this.layout = layout;
    }

    /** This machine's cgroups, as this process sees them. */
    public static Cgroups detect() throws IOException {
        return detect(CgroupFs.live());
    }

    /** The cgroups {@code fs} shows, {@code /proc/self/mountinfo} and {@code /proc/self/cgroup} included. */
    public static Cgroups detect(CgroupFs fs) throws IOException {
        return new Cgroups(fs, CgroupLayout.detect(fs));
    }

    public CgroupLayout layout() {
        return layout;
    }

    /**
     * How a cgroup named {@code name} with {@code limits} would be made here.
     *
     * @throws CgroupRefusedException when the limits need a controller this machine lacks, or a
     *                                cgroup the caller may not make
     * @throws IllegalArgumentException when {@code limits} need no cgroup, or {@code name} is not
     *                                  one path component
     */
    public CgroupPlan plan(String name, Limits limits) throws CgroupRefusedException, IOException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("a cgroup name is one path component: \"" + name + "\"");
        }
        Set<String> needed = limits.controllers();
        if (needed.isEmpty()) {
            throw new IllegalArgumentException("these limits need no cgroup");
        }
        return switch (layout.mode()) {
            case HYBRID, LEGACY -> planV1(name, limits, needed);
            case UNIFIED -> planV2(name, limits, needed);
            case NONE -> throw new CgroupRefusedException(
                    "limits." + needed.iterator().next() + " needs a cgroup, and no cgroup filesystem is mounted",
                    "mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or drop the limit");
        };
    }

    /** Makes the cgroup {@code plan} describes, step by step; on failure removes what it made. */
    public SandboxCgroup create(CgroupPlan plan) throws IOException {
        List<String> made = new ArrayList<>();
        try {
            for (CgroupOp op : plan.ops()) {
                apply(op, made);
            }
        } catch (IOException | RuntimeException e) {
            SandboxCgroup partial = new SandboxCgroup(fs, plan, made);
            try {
                partial.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new SandboxCgroup(fs, plan, made);
    }

    /** {@link #plan} then {@link #create}. */
    public SandboxCgroup create(String name, Limits limits) throws CgroupRefusedException, IOException {
        return create(plan(name, limits));
    }

    private void apply(CgroupOp op, List<String> made) throws IOException {
        if (op instanceof CgroupOp.Mkdir m) {
            if (m.ifAbsent() && fs.exists(m.path())) {
                return;
            }
            try {
                fs.mkdir(m.path());
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (m.ifAbsent()) {
                    return; // another nsbox made the shared parent meanwhile
                }
                throw new CgroupException(m.describe(), e);
            } catch (IOException e) {
                throw new CgroupException(m.describe(), e);
            }
            if (!m.ifAbsent()) {
                made.add(m.path());
            }
        } else if (op instanceof CgroupOp.Write w) {
            if (w.ifPresent() && !fs.exists(w.path())) {
                return;
            }
            try {
                fs.write(w.path(), w.value());
            } catch (IOException e) {
                throw new CgroupException(w.describe(), e);
            }
        } else if (op instanceof CgroupOp.MoveProcesses mv) {
            moveProcesses(mv);
        }
    }

    private void moveProcesses(CgroupOp.MoveProcesses mv) throws IOException {
        // A process forked while the list is read lands in the source again: read until empty.
        for (int round = 0; round < 100; round++) {
            List<Long> pids = SandboxCgroup.pids(fs, mv.from() + "/cgroup.procs");
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                String call = "write(\"" + mv.to() + "/cgroup.procs\", \"" + pid + "\")";
                try {
                    fs.write(mv.to() + "/cgroup.procs", Long.toString(pid));
                } catch (IOException e) {
                    // ESRCH for a process that exited meanwhile: it is no longer listed then.
                    if (SandboxCgroup.pids(fs, mv.from() + "/cgroup.procs").contains(pid)) {
                        throw new CgroupException(call, e);
                    }
                }
            }
        }
        throw new CgroupException(mv.describe(), "processes keep appearing in " + mv.from());
    }

    private CgroupPlan planV1(String name, Limits limits, Set<String> needed) throws CgroupRefusedException,
            IOException {
        List<CgroupOp> ops = new ArrayList<>();
        Map<String, String> dirs = new LinkedHashMap<>();
        Set<String> madeDirs = new LinkedHashSet<>();
        for (String c : needed) {
            CgroupLayout.Hierarchy h = layout.v1(c).orElseThrow(() -> new CgroupRefusedException(
                    "limits." + c + " needs the cgroup v1 controller " + c + ", and no hierarchy of it is mounted",
                    "mount it (mount -t cgroup -o " + c + " cgroup /sys/fs/cgroup/" + c + "), or drop the limit"));
            String caller = h.callerDirectory().orElseThrow(() -> new CgroupRefusedException(
                    "limits." + c + ": this process's " + c + " cgroup " + h.cgroupPath()
                            + " lies outside the mounted hierarchy at " + h.mountPoint(),
                    "run nsbox where its own cgroup is visible (a cgroup namespace created after moving into it)"));
            requireDelegated(c, caller, "cgroup v1 " + c + " hierarchy at " + h.mountPoint(), V1_FIX);
            String dir = caller + "/" + name;
            dirs.put(c, dir);
            if (madeDirs.add(dir)) {
                ops.add(new CgroupOp.Mkdir(dir, false));
            }
        }
        limits.memory().ifPresent(m -> {
            String d = dirs.get("memory");
            // memsw must stay at or above limit_in_bytes, so memory first when lowering from
            // unlimited (Documentation/admin-guide/cgroup-v1/memory.rst, 2.5); equal values keep
            // swap from softening the limit.
            ops.add(new CgroupOp.Write(d + "/memory.limit_in_bytes", Long.toString(m), false));
            ops.add(new CgroupOp.Write(d + "/memory.memsw.limit_in_bytes", Long.toString(m), true));
        });
        limits.pids().ifPresent(p -> ops.add(new CgroupOp.Write(dirs.get("pids") + "/pids.max", Long.toString(p),
                false)));
        limits.cpuQuotaMicros().ifPresent(q -> {
            String d = dirs.get("cpu");
            ops.add(new CgroupOp.Write(d + "/cpu.cfs_period_us", Long.toString(Limits.CPU_PERIOD_US), false));
            ops.add(new CgroupOp.Write(d + "/cpu.cfs_quota_us", Long.toString(q), false));
        });
        return new CgroupPlan(name, layout.mode(), ops, dirs, limits);
    }

    private CgroupPlan planV2(String name, Limits limits, Set<String> needed) throws CgroupRefusedException,
            IOException {
        CgroupLayout.Hierarchy h = layout.unified().orElseThrow();
        String root = h.mountPoint();
        String caller = h.callerDirectory().orElseThrow(() -> new CgroupRefusedException(
                "limits." + needed.iterator().next() + ": this process's cgroup " + h.cgroupPath()
                        + " lies outside the cgroup2 mounted at " + root,
                "run nsbox where its own cgroup is visible"));
        List<CgroupOp> ops = new ArrayList<>();
        String parent;
        if (fs.uid() == 0 && !fs.exists(root + "/cgroup.type") && fs.writable(root + "/cgroup.subtree_control")) {
            // The real root cgroup, which alone may hold processes and enable controllers.
            parent = root + "/" + ROOT_PARENT;
            enable(ops, root, needed, Set.of());
            if (!fs.exists(parent)) {
                ops.add(new CgroupOp.Mkdir(parent, true));
            }
            enable(ops, parent, needed, needed);
        } else {
            String base = caller;
            boolean inLeaf = caller.endsWith("/" + CALLER_LEAF);
            if (inLeaf) {
                base = caller.substring(0, caller.length() - CALLER_LEAF.length() - 1);
            }
            requireDelegated(needed.iterator().next(), base, "cgroup2 at " + root, DELEGATE_FIX);
            if (!inLeaf) {
                if (!fs.exists(base + "/" + CALLER_LEAF)) {
                    ops.add(new CgroupOp.Mkdir(base + "/" + CALLER_LEAF, true));
                }
                ops.add(new CgroupOp.MoveProcesses(base, base + "/" + CALLER_LEAF));
            }
            enable(ops, base, needed, Set.of());
            parent = base;
        }
        String dir = parent + "/" + name;
        ops.add(new CgroupOp.Mkdir(dir, false));
        limits.memory().ifPresent(m -> {
            ops.add(new CgroupOp.Write(dir + "/memory.max", Long.toString(m), false));
            // Without this a step swaps past memory.max instead of being stopped at it.
            ops.add(new CgroupOp.Write(dir + "/memory.swap.max", "0", true));
        });
        limits.pids().ifPresent(p -> ops.add(new CgroupOp.Write(dir + "/pids.max", Long.toString(p), false)));
        limits.cpuQuotaMicros().ifPresent(q -> ops.add(
                new CgroupOp.Write(dir + "/cpu.max", q + " " + Limits.CPU_PERIOD_US, false)));
        Map<String, String> dirs = new LinkedHashMap<>();
        needed.forEach(c -> dirs.put(c, dir));
        return new CgroupPlan(name, layout.mode(), ops, dirs, limits);
    }

    /**
     * Adds a write of {@code +c} to {@code dir/cgroup.subtree_control} for each needed
     * controller it does not enable yet. {@code assumedAvailable} are controllers known to be
     * available although {@code dir} does not exist yet (a parent the same plan makes).
     */
    private void enable(List<CgroupOp> ops, String dir, Set<String> needed, Set<String> assumedAvailable)
            throws CgroupRefusedException, IOException {
        Set<String> enabled = fs.exists(dir) ? words(fs.read(dir + "/cgroup.subtree_control")) : Set.of();
        Set<String> available = fs.exists(dir) ? words(fs.read(dir + "/cgroup.controllers")) : assumedAvailable;
        List<String> missing = new ArrayList<>();
        for (String c : needed) {
            if (enabled.contains(c)) {
                continue;
            }
            if (!available.contains(c)) {
                throw new CgroupRefusedException(
                        "limits." + c + " needs the cgroup v2 controller " + c + ", which " + dir
                                + " does not have (its cgroup.controllers: " + String.join(" ", available) + ")",
                        "enable it in the parent's cgroup.subtree_control, or " + DELEGATE_FIX
                                + " (systemd delegates memory, pids and cpu)");
            }
            missing.add("+" + c);
        }
        if (!missing.isEmpty()) {
            ops.add(new CgroupOp.Write(dir + "/cgroup.subtree_control", String.join(" ", missing), false));
        }
    }

    private void requireDelegated(String controller, String dir, String where, String fix)
            throws CgroupRefusedException, IOException {
        Optional<String> why = notDelegated(dir);
        if (why.isPresent()) {
            throw new CgroupRefusedException("limits." + controller + " needs a cgroup of the sandbox's own, and "
                    + "this caller's cgroup " + dir + " (" + where + ") is not delegated to uid " + fs.uid() + ": "
                    + why.get(), fix);
        }
    }

    /**
     * Why the cgroup directory {@code dir} is not delegated to this caller, or empty when it is:
     * the caller owns it and may write its {@code cgroup.procs} and, on cgroup v2, its
     * {@code cgroup.subtree_control} (cgroup-v2.rst, "Delegation Containment"). Root owns
     * every cgroup.
     */
    public Optional<String> notDelegated(String dir) throws IOException {
        if (!fs.exists(dir)) {
            return Optional.of(dir + " does not exist");
        }
        int uid = fs.uid();
        int owner = fs.owner(dir);
        if (uid != 0 && owner != uid) {
            return Optional.of("it is owned by uid " + owner);
        }
        for (String f : List.of("", "/cgroup.procs", "/cgroup.subtree_control")) {
            String p = dir + f;
            if (fs.exists(p) && !fs.writable(p)) {
                return Optional.of(p + " is not writable");
            }
        }
        return Optional.empty();
    }

    /** The caller's own cgroup directories that limits would go below, per mode. */
    private List<String> callerDirectories() {
        List<String> dirs = new ArrayList<>();
        if (layout.mode().v1()) {
            for (String c : List.of("memory", "pids", "cpu")) {
                layout.v1(c).flatMap(CgroupLayout.Hierarchy::callerDirectory).ifPresent(d -> {
                    if (!dirs.contains(d)) {
                        dirs.add(d);
                    }
                });
            }
        } else {
            layout.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory).ifPresent(dirs::add);
        }
        return dirs;
    }

    /**
     * One line of the doctor's report on cgroups.
     *
     * @param ok   false where something does not work here
     * @param text what was found
     * @param fix  how to get it, or null
     */
    public record DoctorLine(boolean ok, String text, String fix) {
    }

    /**
     * What doctor says about cgroups here: the version, where each hierarchy is mounted, the
     * controllers available, the caller's cgroup and whether it is delegated, and which limits
     * would work. Reads files only.
     */
    public List<DoctorLine> doctor() {
        List<DoctorLine> lines = new ArrayList<>();
        lines.add(new DoctorLine(layout.mode() != CgroupLayout.Mode.NONE, "version: " + layout.mode().words(),
                layout.mode() == CgroupLayout.Mode.NONE ? "mount cgroup2 on /sys/fs/cgroup" : null));
        List<String> mounts = new ArrayList<>();
        layout.unified().ifPresent(u -> mounts.add("cgroup2 at " + u.mountPoint()));
        for (CgroupLayout.Hierarchy h : layout.legacy()) {
            mounts.add(String.join(",", h.controllers()) + " at " + h.mountPoint());
        }
        if (!mounts.isEmpty()) {
            lines.add(new DoctorLine(true, "mounted: " + String.join("; ", mounts), null));
        }
        lines.add(new DoctorLine(true, "controllers: " + controllers(), null));
        for (String dir : callerDirectories()) {
            try {
                Optional<String> why = notDelegated(dir);
                lines.add(new DoctorLine(why.isEmpty(), "caller's cgroup " + dir + ": "
                        + why.map(w -> "not delegated to uid " + fs.uid() + " (" + w + ")").orElse("delegated to uid "
                        + fs.uid()), why.isPresent() ? (layout.mode().v1() ? V1_FIX : DELEGATE_FIX) : null));
            } catch (IOException e) {
                lines.add(new DoctorLine(false, "caller's cgroup " + dir + ": cannot be read: " + e.getMessage(), null));
            }
        }
        Limits probe = Limits.NONE;
        for (String c : List.of("memory", "pids", "cpu")) {
            Limits one = switch (c) {
                case "memory" -> probe.withMemory(1L << 30);
                case "pids" -> probe.withPids(1024);
                default -> probe.withCpu(java.math.BigDecimal.ONE);
            };
            try {
                plan("nsbox-doctor", one);
                lines.add(new DoctorLine(true, "limits." + c + ": works here", null));
            } catch (CgroupRefusedException e) {
                lines.add(new DoctorLine(false, "limits." + c + ": refused: " + e.reason(), e.fix()));
            } catch (IOException e) {
                lines.add(new DoctorLine(false, "limits." + c + ": cannot tell: " + e.getMessage(), null));
            }
        }
        lines.add(new DoctorLine(true, "limits.openFiles, limits.fileSize: work everywhere (rlimits)", null));
        return lines;
    }

    /** The controllers this machine offers: v2 the caller's cgroup.controllers, v1 /proc/cgroups. */
    private String controllers() {
        try {
            if (layout.mode().v1()) {
                // /proc/cgroups: subsys_name hierarchy num_cgroups enabled; hierarchy 0 is unmounted.
                List<String> mounted = new ArrayList<>();
                List<String> unmounted = new ArrayList<>();
                for (String l : fs.read("/proc/cgroups").split("\n")) {
                    String[] f = l.trim().split("\\s+");
                    if (l.startsWith("#") || f.length < 4 || !f[3].equals("1")) {
                        continue;
                    }
                    (f[1].equals("0") ? unmounted : mounted).add(f[0]);
                }
                String s = "v1 " + String.join(" ", mounted);
                if (!unmounted.isEmpty()) {
                    s += " (not mounted: " + String.join(" ", unmounted) + ")";
                }
                Optional<String> v2 = layout.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory);
                if (v2.isPresent() && fs.exists(v2.get() + "/cgroup.controllers")) {
                    s += "; cgroup2: " + orNone(fs.read(v2.get() + "/cgroup.controllers"));
                }
                return s;
            }
            Optional<String> dir = layout.unified().flatMap(CgroupLayout.Hierarchy::callerDirectory);
            if (dir.isEmpty()) {
                return "none";
            }
            return "cgroup2 " + orNone(fs.read(dir.get() + "/cgroup.controllers"));
        } catch (IOException e) {
            return "cannot be read: " + e.getMessage();
        }
    }

    private static String orNone(String words) {
        String w = words.trim();
        return w.isEmpty() ? "(none)" : w;
    }

    private static Set<String> words(String text) {
        Set<String> s = new LinkedHashSet<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                s.add(w);
            }
        }
        return s;
    }
}
