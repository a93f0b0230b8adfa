package dev.nsbox.oci;

import dev.nsbox.cgroups.Limits;
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
import java.util.LinkedHashMap;
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
 * stopping at the first that fails, with its exit status ({@link #script}).
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
        Map<String, Object> root = new LinkedHashMap<>();
        switch (spec.root().type()) {
            case HOST -> {
                root.put("path", ROOTFS);
                // An entry a mount of the spec covers whole is left unbound: it would be hidden
                // anyway, and runc makes its device nodes only when no bind is on /dev.
                Set<String> covered = spec.mounts().stream().filter(m -> m.type() != MountType.HIDE)
                        .map(MountSpec::target).collect(Collectors.toSet());
                for (RootEntry e : host.rootEntries()) {
                    rootfs.add(e);
                    if (e.kind() != RootEntry.Kind.SYMLINK && !covered.contains(e.path())) {
                        mounts.add(mount(e.path(), "bind", e.path(), !spec.root().readOnly() ? List.of("rbind")
                                : e.kind() == RootEntry.Kind.FILE ? List.of("bind", "ro") : List.of("rbind", "rro")));
                    }
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
        List<String> masked = new ArrayList<>();
        for (MountSpec m : spec.mounts()) {
            mounts(m, host, mounts, masked, errors);
        }
        config.put("mounts", mounts);
        config.put("linux", linux(plan, host, masked, errors));
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        return new OciBundle(config, spec.root().type() == RootType.HOST ? rootfs : List.of());
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

    private static void mounts(MountSpec m, ExportHost host, List<Object> mounts, List<String> masked,
            List<Diagnostic> errors) {
        List<String> options = new ArrayList<>();
        switch (m.type()) {
            case BIND -> {
                if (m.optional() && !host.exists().test(m.source())) {
                    return;
                }
                options.add(m.isRecursive() ? "rbind" : "bind");
                if (m.isReadOnly()) {
                    // "rro" is mount_setattr(2) with AT_RECURSIVE (Linux 5.12; runc 1.1, crun 1.4).
                    // A file has no submounts, and crun 1.8 opens an "rro" target as a directory.
                    options.add(m.isRecursive() && !host.isFile().test(m.source()) ? "rro" : "ro");
                }
                flags(m, options);
                propagation(m, options, errors);
                mounts.add(mount(m.target(), "bind", m.source(), options));
            }
            case TMPFS -> {
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
                fresh(m, "tmpfs", List.of("nosuid", "noexec", "strictatime", "mode=755", "size=65536k"), mounts,
                        errors);
                mounts.add(mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
                mounts.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "nodev", "mode=1777")));
            }
            case HIDE -> masked.add(m.target());
            case OVERLAY -> errors.add(Diagnostic.error(m.origins().self(), m.label() + ": overlay has no "
                    + "export yet: its throw-away upper directory and its work directory are made by nsbox at "
                    + "run time, which a static config.json cannot name"));
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

    private static void flags(MountSpec m, List<String> options) {
        if (Boolean.TRUE.equals(m.nosuid()) && !options.contains("nosuid")) {
            options.add("nosuid");
        }
        if (Boolean.TRUE.equals(m.nodev()) && !options.contains("nodev")) {
            options.add("nodev");
        }
        if (Boolean.TRUE.equals(m.noexec()) && !options.contains("noexec")) {
            options.add("noexec");
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

    private static Map<String, Object> linux(Plan plan, ExportHost host, List<String> masked,
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
        if (!masked.isEmpty()) {
            linux.put("maskedPaths", masked);
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
