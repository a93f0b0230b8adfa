package dev.nsbox.oci;

import dev.nsbox.cgroups.Limits;
import dev.nsbox.plan.MountDefaults;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.seccomp.OciSeccomp;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.SeccompSpec;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A spec as an OCI runtime bundle (runtime-spec 1.0.2, config.md and config-linux.md): the
 * {@code config.json} object and what the bundle's {@code rootfs} directory must hold, for runc
 * 1.1 and crun 1.8 to run with {@code run --bundle DIR ID}.
 *
 * <p>{@code root: host} is the bundle's own empty {@code rootfs} with every directory and file of
 * the host's {@code /} bound at the same place (recursively, {@code rro} when the root is
 * read-only) and every symlink of {@code /} repeated in it: runc cannot pivot_root(2) into the
 * namespace's own root (EBUSY) and crun takes no mount on {@code /}, so the host's root itself
 * cannot be the bundle's. The steps are one process: the command after {@code --} when one was
 * given (and the only step alone), otherwise {@code /bin/sh -c} running each step in turn and
 * stopping at the first that fails, with its exit status ({@link #script}). nsbox's secure
 * defaults of mounts (plan.MountDefaults: a nodev, nosuid host tree, the minimal /dev, the
 * guarded procfs and sysfs) are written as the runtimes' own forms of them. A network namespace
 * needs nothing more: runc and crun set {@code lo} up in one they make, as nsbox does.
 *
 * <p>Immutable. Pure: the host is read by the caller into an {@link ExportHost}. A key with no
 * OCI form is refused with a diagnostic at its line.
 *
 * @param config the {@code config.json} object as plain maps and lists for {@link dev.nsbox.json.Json}
 * @param rootfs what {@code DIR/rootfs} holds: mount points for the host's directories and files,
 *               and its symlinks; empty when the root is a directory of the host
 */
public record OciBundle(Map<String, Object> config, List<RootEntry> rootfs) {

    /** The runtime-spec version written; runc 1.1 and crun 1.8 read it. */
    public static final String OCI_VERSION = "1.0.2";

    /** Where the bundle's root is, relative to the bundle for {@code root: host}. */
    public static final String ROOTFS = "rootfs";

    public OciBundle {
        rootfs = List.copyOf(rootfs);
    }

    /**
     * The bundle of {@code plan} (prepared with the command after {@code --}, if any) on
     * {@code host}.
     *
     * @throws SpecException listing every key that has no OCI form, each at its line
     */
    public static OciBundle export(Plan plan, ExportHost host) throws SpecException {
        Spec spec = plan.spec();
        List<Diagnostic> errors = new ArrayList<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ociVersion", OCI_VERSION);
        config.put("process", process(plan, host, errors));

        List<RootEntry> rootfs = new ArrayList<>();
        List<Object> mounts = new ArrayList<>();
        Guards guards = new Guards();
        Map<String, Object> root = new LinkedHashMap<>();
        // nsbox's secure defaults (plan.MountDefaults) are mounted only where they cannot reach
        // the host: in a tree whose propagation is recursive and not shared.
        boolean defaults = MountDefaults.appliesTo(spec.propagation());
        switch (spec.root().type()) {
            case HOST -> {
                root.put("path", ROOTFS);
                boolean minimalDev = defaults && spec.mounts().stream()
                        .noneMatch(m -> m.type() != MountType.REMOUNT && m.target().equals("/dev"));
                // An entry a mount of the spec covers whole is left unbound: it would be hidden
                // anyway, and runc makes its device nodes only when no bind is on /dev.
                Set<String> covered = spec.mounts().stream().filter(m -> m.type() != MountType.HIDE)
                        .map(MountSpec::target).collect(Collectors.toCollection(HashSet::new));
                if (minimalDev) {
                    covered.add("/dev");
                }
                for (RootEntry e : host.rootEntries()) {
                    rootfs.add(e);
                    if (e.kind() != RootEntry.Kind.SYMLINK && !covered.contains(e.path())) {
                        mounts.add(mount(e.path(), "bind", e.path(), rootOptions(e, spec.root().readOnly(), defaults)));
                    }
                }
                if (minimalDev) {
                    runtimeDev(mounts);
                }
                if (defaults) {
                    // The host's procfs and sysfs in sight under the host root get the guards
                    // of every proc and sysfs (plan.MountDefaults.guardHostCopies).
                    guards.proc("/proc");
                    guards.sysfs("/sys");
                }
            }
            case DIR -> root.put("path", spec.root().path());
            case TMPFS -> errors.add(Diagnostic.error(spec.root().origins().of("type"), "root: tmpfs has no OCI "
                    + "form: runc and crun take no mount on / and the bundle's root is a directory on disk; "
                    + "use root: {type: dir, path: ...} for an export"));
        }
        root.put("readonly", spec.root().readOnly());
        config.put("root", root);
        if (spec.hostname() != null) {
            config.put("hostname", spec.hostname());
        }
        for (MountSpec m : spec.mounts()) {
            mounts(m, host, mounts, guards, errors);
            if (defaults && m.type() == MountType.PROC) {
                guards.proc(m.target());
            } else if (defaults && m.type() == MountType.SYSFS) {
                guards.sysfs(m.target());
            }
        }
        config.put("mounts", mounts);
        config.put("linux", linux(plan, host, guards, errors));
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        return new OciBundle(config, spec.root().type() == RootType.HOST ? rootfs : List.of());
    }

    /**
     * The options of the bind of one entry of the host's {@code /}: read-only as the root is,
     * and with the defaults {@code nodev} and {@code nosuid} on every mount beneath
     * (plan.MountDefaults.guardHostTree), since a devtmpfs of the host would otherwise give uid 0
     * its block devices. {@code rro}, {@code rnodev} and {@code rnosuid} are mount_setattr(2)
     * with AT_RECURSIVE (runc 1.1, crun 1.8); a file has no submounts, and crun 1.8 opens a
     * recursive target as a directory (ENOTDIR), so a file gets the plain words. The host's
     * {@code /sys} is read-only with every submount even under a writable root, as nsbox makes it.
     */
    private static List<String> rootOptions(RootEntry e, boolean readOnly, boolean defaults) {
        boolean file = e.kind() == RootEntry.Kind.FILE;
        List<String> options = new ArrayList<>(List.of(file ? "bind" : "rbind"));
        if (readOnly || (defaults && e.path().equals("/sys"))) {
            options.add(file ? "ro" : "rro");
        }
        if (defaults) {
            options.addAll(file ? List.of("nosuid", "nodev") : List.of("rnosuid", "rnodev"));
        }
        return options;
    }

    /**
     * The runtime's own {@code /dev}, which is nsbox's minimal one: on a tmpfs there, runc and
     * crun make null, zero, full, random, urandom, tty and the fd links (runtime-spec
     * config-linux.md, "Default Devices"); a devpts with ptmx and a shm beside them.
     */
    private static void runtimeDev(List<Object> mounts) {
        mounts.add(mount("/dev", "tmpfs", "tmpfs", DEV_TMPFS));
        devBeside(mounts);
    }

    /** The options of the tmpfs on /dev, as runc's own {@code runc spec} writes them. */
    private static final List<String> DEV_TMPFS = List.of("nosuid", "noexec", "strictatime", "mode=755",
            "size=65536k");

    /** The devpts and the shm of a runtime's /dev. */
    private static void devBeside(List<Object> mounts) {
        mounts.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "nodev", "mode=1777")));
    }

    /**
     * {@code linux.readonlyPaths} and {@code linux.maskedPaths}: the spec's {@code hide}s and
     * nsbox's guards of each procfs and sysfs (plan.MountDefaults), in order, each path once.
     * runc and crun apply both after every mount, bind a read-only path onto itself read-only,
     * and cover a masked folder with an empty read-only tmpfs and a masked file with /dev/null;
     * a path the kernel does not have is skipped, as nsbox skips it.
     */
    private static final class Guards {
        final Set<String> readOnly = new LinkedHashSet<>();
        final Set<String> masked = new LinkedHashSet<>();

        void proc(String target) {
            MountDefaults.PROC_READ_ONLY.forEach(n -> readOnly.add(target + "/" + n));
            MountDefaults.PROC_MASKED.forEach(n -> masked.add(target + "/" + n));
        }

        void sysfs(String target) {
            MountDefaults.SYS_MASKED.forEach(n -> masked.add(target + "/" + n));
        }
    }

    private static Map<String, Object> process(Plan plan, ExportHost host, List<Diagnostic> errors) {
        Spec spec = plan.spec();
        ProcessSpec p = spec.process();
        List<StepLaunch> steps = plan.launch().steps();
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("uid", spec.has(Namespace.USER) ? spec.user().uid() : host.uid());
        user.put("gid", spec.has(Namespace.USER) ? spec.user().gid() : host.gid());
        process.put("user", user);
        if (steps.isEmpty()) {
            errors.add(Diagnostic.error(spec.origins().of("steps"), "steps: an OCI bundle runs one process and "
                    + "this spec has no step; give the command after --"));
            return process;
        }
        StepLaunch first = steps.get(0);
        process.put("args", steps.size() == 1 ? first.argv() : List.of("/bin/sh", "-c", script(steps)));
        process.put("env", first.env());
        process.put("cwd", first.cwd());
        List<String> caps = p.capabilities().stream().map(Capability::name).toList();
        Map<String, Object> capabilities = new LinkedHashMap<>();
        for (String set : List.of("bounding", "effective", "inheritable", "permitted", "ambient")) {
            capabilities.put(set, caps);
        }
        process.put("capabilities", capabilities);
        process.put("noNewPrivileges", p.noNewPrivileges());
        List<Object> rlimits = new ArrayList<>();
        LimitsSpec l = spec.limits();
        if (l.openFiles() != null) {
            rlimits.add(rlimit("RLIMIT_NOFILE", l.openFiles()));
        }
        if (l.fileSize() != null) {
            rlimits.add(rlimit("RLIMIT_FSIZE", l.fileSize()));
        }
        if (!rlimits.isEmpty()) {
            process.put("rlimits", rlimits);
        }
        return process;
    }

    /**
     * The script that runs several steps as one process: each step in turn, in a subshell with
     * its own working directory and exactly its own environment ({@code env -i}) where they
     * differ from the first step's (the process's own), and at the
     * first that fails, {@code exit} with its status, as {@code nsbox run} exits with the
     * first failing step's code.
     */
    static String script(List<StepLaunch> steps) {
        StringBuilder sb = new StringBuilder();
        StepLaunch first = steps.get(0);
        for (StepLaunch s : steps) {
            sb.append('(');
            if (!s.cwd().equals(first.cwd())) {
                sb.append("cd ").append(quote(s.cwd())).append(" && ");
            }
            sb.append("exec");
            if (!s.env().equals(first.env())) {
                sb.append(" env -i");
                for (String e : s.env()) {
                    sb.append(' ').append(quote(e));
                }
            }
            for (String a : s.argv()) {
                sb.append(' ').append(quote(a));
            }
            sb.append(") || exit $?\n");
        }
        return sb.toString();
    }

    /** One word for sh(1): single quotes, each single quote as {@code '\''}. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static Map<String, Object> rlimit(String type, long value) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", type);
        r.put("hard", value);
        r.put("soft", value);
        return r;
    }

    private static void mounts(MountSpec m, ExportHost host, List<Object> mounts, Guards guards,
            List<Diagnostic> errors) {
        List<String> options = new ArrayList<>();
        switch (m.type()) {
            case BIND -> {
                if (m.optional() && !host.exists().test(m.source())) {
                    return;
                }
                options.add(m.isRecursive() ? "rbind" : "bind");
                // "rro", "rnodev"... are mount_setattr(2) with AT_RECURSIVE (Linux 5.12; runc
                // 1.1, crun 1.4), as nsbox sets a bind's attributes on its whole tree. A file has
                // no submounts, and crun 1.8 opens a recursive target as a directory (ENOTDIR).
                String r = m.isRecursive() && !host.isFile().test(m.source()) ? "r" : "";
                if (m.isReadOnly()) {
                    options.add(r + "ro");
                }
                // Attributes are only set on a bind, never cleared; nodev unless it says
                // nodev: false (plan.MountPlanner: a bound device node is no way to a host device).
                if (Boolean.TRUE.equals(m.nosuid())) {
                    options.add(r + "nosuid");
                }
                if (!Boolean.FALSE.equals(m.nodev())) {
                    options.add(r + "nodev");
                }
                if (Boolean.TRUE.equals(m.noexec())) {
                    options.add(r + "noexec");
                }
                propagation(m, options, errors);
                mounts.add(mount(m.target(), "bind", m.source(), options));
            }
            case TMPFS -> {
                // nsbox mounts a tmpfs nosuid and nodev unless the spec says otherwise.
                options.addAll(List.of("nosuid", "nodev"));
                if (m.size() != null) {
                    options.add("size=" + m.size());
                }
                if (m.mode() != null) {
                    options.add("mode=" + Integer.toOctalString(m.mode()));
                }
                if (m.uid() != null) {
                    options.add("uid=" + m.uid());
                }
                if (m.gid() != null) {
                    options.add("gid=" + m.gid());
                }
                if (m.isReadOnly()) {
                    options.add("ro");
                }
                flags(m, options);
                propagation(m, options, errors);
                mounts.add(mount(m.target(), "tmpfs", "tmpfs", options));
            }
            case PROC -> fresh(m, "proc", List.of("nosuid", "nodev", "noexec"), mounts, errors);
            case SYSFS -> fresh(m, "sysfs", List.of("ro", "nosuid", "nodev", "noexec"), mounts, errors);
            case DEVPTS -> fresh(m, "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666",
                    "mode=0620"), mounts, errors);
            case MQUEUE -> fresh(m, "mqueue", List.of("nosuid", "nodev", "noexec"), mounts, errors);
            case DEV -> {
                if (!m.target().equals("/dev")) {
                    errors.add(Diagnostic.error(m.origins().of("target"), m.label() + ": a dev mount on "
                            + m.target() + " has no OCI form: the runtimes make their device nodes in /dev only"));
                    return;
                }
                // runc and crun create null, zero, full, random, urandom, tty and the fd links
                // in a tmpfs /dev (runtime-spec config-linux.md, "Default Devices").
                fresh(m, "tmpfs", DEV_TMPFS, mounts, errors);
                devBeside(mounts);
            }
            case HIDE -> guards.masked.add(m.target());
            case OVERLAY -> errors.add(Diagnostic.error(m.origins().self(), m.label() + ": overlay has no OCI "
                    + "form: runc and crun mount an overlay only with its upperdir and workdir named in config.json, "
                    + "and nsbox makes a fresh throw-away upper and work directory for each run; a bundle's would "
                    + "be shared by every run of it and outlive them"));
            case REMOUNT -> errors.add(Diagnostic.error(m.origins().self(), m.label() + ": remount has no OCI "
                    + "form: an OCI mount always makes a new mount, and cannot change the flags of one the "
                    + "root already holds; bind the path to itself with the flags instead"));
        }
    }

    private static void fresh(MountSpec m, String type, List<String> defaults, List<Object> mounts,
            List<Diagnostic> errors) {
        List<String> options = new ArrayList<>(defaults);
        if (m.isReadOnly() && !options.contains("ro")) {
            options.add("ro");
        }
        flags(m, options);
        propagation(m, options, errors);
        mounts.add(mount(m.target(), type, m.type() == MountType.DEV ? "tmpfs" : type, options));
    }

    /**
     * The spec's {@code nosuid}, {@code nodev} and {@code noexec} over the type's defaults
     * already in {@code options}: true adds the word, false takes it out and says the opposite
     * ({@code suid}, {@code dev}, {@code exec}), as nsbox's mount(2) flags do.
     */
    private static void flags(MountSpec m, List<String> options) {
        flag(m.nosuid(), "nosuid", "suid", options);
        flag(m.nodev(), "nodev", "dev", options);
        flag(m.noexec(), "noexec", "exec", options);
    }

    private static void flag(Boolean value, String set, String clear, List<String> options) {
        if (value == null) {
            return;
        }
        options.remove(value ? clear : set);
        if (!options.contains(value ? set : clear)) {
            options.add(value ? set : clear);
        }
    }

    private static void propagation(MountSpec m, List<String> options, List<Diagnostic> errors) {
        if (m.propagation() == null) {
            return;
        }
        if (m.propagation() == Propagation.UNCHANGED) {
            errors.add(Diagnostic.error(m.origins().of("propagation"), m.label() + ".propagation: unchanged has "
                    + "no OCI form: a runtime always sets each mount's propagation"));
            return;
        }
        options.add(m.propagation().word());
    }

    private static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        if (!options.isEmpty()) {
            m.put("options", List.copyOf(options));
        }
        return m;
    }

    private static Map<String, Object> linux(Plan plan, ExportHost host, Guards guards,
            List<Diagnostic> errors) {
        Spec spec = plan.spec();
        Map<String, Object> linux = new LinkedHashMap<>();
        List<Object> namespaces = new ArrayList<>();
        // A runtime always makes a mount namespace: config-linux.md lists "mount" as one to
        // create, and runc refuses a config without it.
        namespaces.add(Map.of("type", "mount"));
        for (Namespace ns : spec.namespaces()) {
            String type = switch (ns) {
                case MOUNT -> null;
                case PID -> "pid";
                case NET -> "network";
                case UTS -> "uts";
                case IPC -> "ipc";
                case CGROUP -> "cgroup";
                case USER -> "user";
                case TIME -> {
                    errors.add(Diagnostic.error(spec.origins().of("namespaces"), "namespaces: time has no form in "
                            + "runtime-spec 1.0.2, which runc 1.1 and crun 1.8 read"));
                    yield null;
                }
            };
            if (type != null) {
                namespaces.add(Map.of("type", type));
            }
        }
        linux.put("namespaces", namespaces);
        if (spec.has(Namespace.USER)) {
            linux.put("uidMappings", List.of(idMapping(spec.user().uid(), host.uid())));
            linux.put("gidMappings", List.of(idMapping(spec.user().gid(), host.gid())));
        }
        if (!guards.masked.isEmpty()) {
            linux.put("maskedPaths", List.copyOf(guards.masked));
        }
        if (!guards.readOnly.isEmpty()) {
            linux.put("readonlyPaths", List.copyOf(guards.readOnly));
        }
        if (spec.propagation() == Propagation.UNCHANGED) {
            errors.add(Diagnostic.error(spec.origins().of("propagation"), "propagation: unchanged has no OCI "
                    + "form: a runtime always sets the propagation of its root (rootfsPropagation, rprivate "
                    + "when unset); say rprivate, rslave or rshared"));
        } else {
            linux.put("rootfsPropagation", spec.propagation().word());
        }
        seccomp(spec.process(), host).ifPresent(s -> linux.put("seccomp", s));
        Map<String, Object> resources = resources(spec.limits(), plan.launch().confinement().limits());
        if (!resources.isEmpty()) {
            linux.put("resources", resources);
        }
        return linux;
    }

    private static Map<String, Object> idMapping(int inside, int outside) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("containerID", inside);
        m.put("hostID", outside);
        m.put("size", 1);
        return m;
    }

    /** The {@code linux.seccomp} object of the spec's filter, empty for {@code unconfined}. */
    static Optional<Map<String, Object>> seccomp(ProcessSpec p, ExportHost host) {
        Set<String> kept = p.capabilities().stream().map(Enum::name).collect(Collectors.toSet());
        return OciSeccomp.linuxSeccomp(policy(p.seccomp()), kept, List.of(host.arch()));
    }

    static SeccompPolicy policy(SeccompSpec s) {
        return switch (s.mode()) {
            case DEFAULT -> SeccompPolicy.defaults();
            case UNCONFINED -> new SeccompPolicy.Unconfined();
            case CUSTOM -> new SeccompPolicy.Custom(s.allow(), s.deny());
        };
    }

    private static Map<String, Object> resources(LimitsSpec l, Limits compiled) {
        Map<String, Object> r = new LinkedHashMap<>();
        if (l.memory() != null) {
            r.put("memory", Map.of("limit", l.memory()));
        }
        if (l.cpu() != null) {
            Map<String, Object> cpu = new LinkedHashMap<>();
            // The same quota as nsbox's own cgroup: rounded, and never under the kernel's minimum.
            cpu.put("quota", compiled.cpuQuotaMicros().getAsLong());
            cpu.put("period", Limits.CPU_PERIOD_US);
            r.put("cpu", cpu);
        }
        if (l.pids() != null) {
            r.put("pids", Map.of("limit", l.pids()));
        }
        return r;
    }
}
