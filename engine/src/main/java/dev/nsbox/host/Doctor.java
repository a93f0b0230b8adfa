package dev.nsbox.host;

import dev.nsbox.cgroups.Cgroups;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.plan.HostView;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Capability;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this machine allows nsbox to do, and how to enable what it does not: the report behind
 * {@code nsbox doctor} and the Maven plugin's {@code doctor} goal.
 *
 * <p>Everything is probed for real where that is harmless: user namespaces and each namespace
 * type with {@code unshare(1)} exactly as a rootless run needs them ({@code unshare --user
 * --map-root-user --mount true}, without {@code --user} for root); procfs {@code pidns=} by
 * mounting a proc with it inside such a throwaway namespace ({@code unshare(1)} makes its mount
 * tree private first, and a user namespace's mounts cannot reach the host); the new mount API
 * with {@code open_tree} on a path that does not exist and {@code mount_setattr} on a
 * descriptor that is not open (ENOSYS means missing, anything else present). Nothing is
 * mounted in this process's mount namespace and no setting is changed.
 *
 * <p>Immutable result.
 */
public final class Doctor {

    /** How one check came out. */
    public enum Status {
        OK("ok"), NO("no"), WARN("warn"), INFO("info");

        private final String word;

        Status(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /**
     * One line of the report.
     *
     * @param section the group it belongs to ({@code "user namespaces"})
     * @param status  how it came out
     * @param text    what was found
     * @param fix     how to enable it, or null
     */
    public record Check(String section, Status status, String text, String fix) {
        /**
         * Whether it reports something missing or doubtful ({@code no}, {@code warn}), which a front
         * end shows as a warning.
         */
        public boolean lacking() {
            return status == Status.NO || status == Status.WARN;
        }
    }

    /** The report: every check in order. */
    public record Report(List<Check> checks) {
        public Report {
            checks = List.copyOf(checks);
        }

        /** The report as text, one check a line, grouped by section, a fix indented under its check. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            String section = null;
            for (Check c : checks) {
                if (!c.section().equals(section)) {
                    section = c.section();
                    sb.append(sb.length() == 0 ? "" : "\n").append(section).append(":\n");
                }
                sb.append(String.format("  %-5s %s%n", c.status().word(), c.text()));
                if (c.fix() != null) {
                    sb.append("        fix: ").append(c.fix()).append('\n');
                }
            }
            return sb.toString();
        }

        /** The checks of one section. */
        public List<Check> section(String name) {
            return checks.stream().filter(c -> c.section().equals(name)).toList();
        }
    }

    private static final String[][] NAMESPACES = {
        {"mount", "--mount"}, {"pid", "--pid --fork"}, {"net", "--net"}, {"uts", "--uts"}, {"ipc", "--ipc"},
        {"cgroup", "--cgroup"}, {"time", "--time"}, {"user", "--user"},
    };

    private final Map<String, String> env;
    private final Path sysctl;
    private final List<Check> checks = new ArrayList<>();
    private boolean privileged;
    private boolean userNsWorks;
    /** Whether the front ends will let a spec use a user namespace: it works and no sysctl forbids it. */
    private boolean userNsAllowed;
    private boolean procCovered;

    private Doctor(Map<String, String> env, Path sysctl) {
        this.env = env;
        this.sysctl = sysctl;
    }

    /**
     * How a spec becomes a plan, as a run would make it: the engine's pipeline, passed in so
     * that this probe of the machine depends on no front end.
     */
    @FunctionalInterface
    public interface SpecPlanner {
        /**
         * Loads {@code file} with {@code variables}, plans it against {@code host} and predicts it
         * against {@code table}.
         *
         * @throws SpecException when the spec is invalid
         */
        Planned plan(Path file, Map<String, String> variables, HostView host, MountTable table) throws SpecException;
    }

    /** A planned spec: its plan and every error that would refuse it, in order. */
    public record Planned(Plan plan, List<Diagnostic> errors) {
        public Planned {
            errors = List.copyOf(errors);
        }
    }

    /**
     * Examines this machine, then each spec of {@code specs} (files, or folders of {@code *.yaml}
     * files) with {@code variables} for its {@code ${...}} references, planned by {@code planner}.
     */
    public static Report examine(List<Path> specs, Map<String, String> variables, SpecPlanner planner) {
        Doctor d = new Doctor(System.getenv(), UserNamespaces.SYSCTL);
        d.caller();
        d.container();
        d.userNamespaces();
        d.namespaceTypes();
        d.mountApi();
        d.cgroups();
        d.confinement();
        d.specs(specs, variables, planner);
        return new Report(d.checks);
    }

    private void add(String section, Status s, String text, String fix) {
        checks.add(new Check(section, s, text, fix));
    }

    private void caller() {
        String section = "caller";
        int uid = UserNamespaces.uid();
        privileged = LiveHost.hasCapSysAdmin();
        Optional<UserNamespaces.Mapping> entered = UserNamespaces.entered(env);
        if (privileged && entered.isEmpty()) {
            add(section, Status.OK, "uid " + uid + " with CAP_SYS_ADMIN: sandboxes are made in this JVM, "
                    + "as root; a spec that lists user runs in a JVM started inside a user namespace", null);
        } else if (entered.isPresent()) {
            add(section, Status.OK, "uid " + uid + " in a user namespace nsbox made (mapping " + entered.get()
                    + "): sandboxes are made in this JVM", null);
        } else {
            add(section, Status.INFO, "uid " + uid + " without CAP_SYS_ADMIN: rootless; nsbox run starts its JVM in a "
                    + "user namespace mapping you to the spec's user (root by default), once per call, and the "
                    + "Maven plugin one helper JVM per build", null);
        }
    }

    private void container() {
        String section = "container";
        List<String> hints = new ArrayList<>();
        if (Files.exists(Path.of("/.dockerenv"))) {
            hints.add("/.dockerenv exists (Docker)");
        }
        if (Files.exists(Path.of("/run/.containerenv"))) {
            hints.add("/run/.containerenv exists (Podman)");
        }
        if (env.containsKey("container")) {
            hints.add("$container=" + env.get("container"));
        }
        UserNamespaces.read("/proc/1/cgroup").ifPresent(c -> {
            for (String l : c.split("\n")) {
                if (l.matches(".*(docker|kubepods|containerd|lxc|libpod|crio).*")) {
                    hints.add("PID 1's cgroup is " + l.substring(l.lastIndexOf(':') + 1));
                    break;
                }
            }
        });
        MountTable table = null;
        try {
            table = LiveHost.mountTable();
            table.mountAt("/").filter(m -> m.fsType().equals("overlay"))
                    .ifPresent(m -> hints.add("/ is an overlay filesystem"));
        } catch (IOException | IllegalArgumentException e) {
            add(section, Status.WARN, "cannot read /proc/self/mountinfo: " + e.getMessage(), null);
        }
        UserNamespaces.read("/proc/self/status").ifPresent(s -> {
            for (String l : s.split("\n")) {
                if (l.startsWith("Seccomp:") && l.substring(8).trim().equals("2")) {
                    hints.add("a seccomp filter is installed (Seccomp: 2)");
                }
            }
        });
        if (hints.isEmpty()) {
            add(section, Status.INFO, "no sign of a container", null);
        } else {
            add(section, Status.INFO, "probably inside a container: " + String.join("; ", hints), null);
        }
        if (table != null) {
            for (String[] fs : new String[][] {{"proc", "/proc"}, {"sysfs", "/sys"}}) {
                Optional<String> cover = Rootless.hidden(table, fs[0], fs[1]);
                procCovered |= cover.isPresent() && fs[0].equals("proc");
                if (cover.isPresent()) {
                    add(section, privileged ? Status.INFO : Status.NO, fs[1] + " is partly covered (" + cover.get()
                            + "): a fresh " + fs[0] + " cannot be mounted in a user namespace",
                            privileged ? null : "run nsbox as root here, or start the container with unmasked paths "
                                    + "(docker --security-opt systempaths=unconfined)");
                } else {
                    add(section, Status.OK, fs[1] + " is fully visible: a fresh " + fs[0]
                            + " can be mounted in a user namespace", null);
                }
            }
        }
    }

    private void userNamespaces() {
        String section = "user namespaces";
        checks.addAll(policyChecks(sysctl, privileged));
        Optional<Path> unshare = UserNamespaces.unshareBinary(env);
        if (unshare.isEmpty()) {
            add(section, Status.NO, "unshare(1) is not on PATH", "install util-linux");
        } else {
            Optional<int[]> v = UserNamespaces.unshareVersion(unshare.get());
            String version = v.map(x -> x[0] + "." + x[1]).orElse("unknown");
            boolean mapUser = v.map(x -> UserNamespaces.atLeast(x, UserNamespaces.MAP_USER_VERSION)).orElse(false);
            add(section, mapUser ? Status.OK : Status.WARN, unshare.get() + " is util-linux " + version
                    + (mapUser ? ", with --map-user/--map-group (any user: mapping)"
                            : ": only --map-root-user (user: 0:0); other mappings need 2.38"),
                    mapUser ? null : "upgrade util-linux to 2.38 or later for specs that map to another uid");
            Optional<String> refused = UserNamespaces.probe(env);
            userNsWorks = refused.isEmpty();
            // validate, plan and run refuse on the sysctls before they try (UserNamespaces.refusal):
            // judge the specs below the same way.
            userNsAllowed = userNsWorks && UserNamespaces.policyRefusals(sysctl).isEmpty();
            add(section, userNsWorks ? Status.OK : Status.NO, "unshare --user --map-root-user true: "
                    + (userNsWorks ? "works" : "refused: " + refused.get()),
                    userNsWorks ? null : UserNamespaces.policyRefusals(sysctl).isEmpty()
                            ? "no sysctl forbids it; a container's seccomp profile or an LSM does: run the "
                                    + "container with a profile that allows unshare(CLONE_NEWUSER), or run nsbox as root"
                            : String.join("; ", UserNamespaces.policyRefusals(sysctl)));
        }
        for (String tool : List.of("newuidmap", "newgidmap")) {
            Optional<Path> p = Stream.of("/usr/bin", "/bin", "/usr/sbin", "/sbin").map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable).findFirst();
            add(section, Status.INFO, tool + ": " + p.map(x -> x + " (not needed: nsbox maps only the caller)")
                    .orElse("absent (not needed: nsbox maps only the caller)"), null);
        }
        String user = env.getOrDefault("USER", System.getProperty("user.name"));
        int uid = UserNamespaces.uid();
        for (String file : List.of("/etc/subuid", "/etc/subgid")) {
            Optional<String> entry = UserNamespaces.read(file).flatMap(t -> t.lines()
                    .filter(l -> l.startsWith(user + ":") || l.startsWith(uid + ":")).findFirst());
            add(section, Status.INFO, file + ": " + entry.map(e -> "has " + e).orElse("no entry for " + user)
                    + " (not needed: one uid and one gid are mapped)", null);
        }
    }

    /**
     * One check for each sysctl that can restrict user namespaces ({@link UserNamespaces#POLICIES}),
     * read under {@code sysctl}: what it restricts and how to enable it when it does. For a
     * caller with CAP_SYS_ADMIN a restriction is a warning, since nsbox needs no user namespace
     * there unless a spec lists user.
     */
    static List<Check> policyChecks(Path sysctl, boolean privileged) {
        String section = "user namespaces";
        List<Check> out = new ArrayList<>();
        for (UserNamespaces.Policy p : UserNamespaces.POLICIES) {
            Optional<String> v = UserNamespaces.read(p.file(sysctl).toString()).map(String::trim);
            if (v.isEmpty()) {
                out.add(new Check(section, Status.INFO, p.name() + ": not present on this kernel", null));
            } else if (v.get().equals(p.refusing())) {
                out.add(new Check(section, privileged ? Status.WARN : Status.NO, p.what()
                        + (privileged ? " (for ordinary users; root needs none)" : ""), p.fix()));
            } else {
                out.add(new Check(section, Status.OK, p.name() + " = " + v.get(), null));
            }
        }
        return out;
    }

    private void namespaceTypes() {
        String section = "namespaces";
        Optional<Path> unshare = UserNamespaces.unshareBinary(env);
        if (unshare.isEmpty()) {
            add(section, Status.NO, "not probed: unshare(1) is missing", "install util-linux");
            return;
        }
        boolean rootless = !privileged && UserNamespaces.entered(env).isEmpty();
        if (rootless && !userNsWorks) {
            add(section, Status.NO, "not probed: no user namespace to create them in",
                    "enable user namespaces (see 'user namespaces' above), or run nsbox as root");
            return;
        }
        for (String[] ns : NAMESPACES) {
            List<String> cmd = new ArrayList<>(List.of(unshare.get().toString()));
            if (rootless || ns[0].equals("user")) {
                cmd.addAll(List.of("--user", "--map-root-user"));
            }
            if (!ns[0].equals("user")) {
                cmd.addAll(List.of(ns[1].split(" ")));
            }
            cmd.add("true");
            Optional<UserNamespaces.Result> r = UserNamespaces.run(cmd, 10);
            boolean ok = r.isPresent() && r.get().exit() == 0;
            add(section, ok ? Status.OK : Status.NO, ns[0] + (rootless && !ns[0].equals("user")
                    ? " (in a user namespace)" : "") + (ok ? "" : ": " + oneLine(r)),
                    ok ? null : "this kernel lacks CONFIG_" + ns[0].toUpperCase() + "_NS, or a policy forbids it; "
                            + "leave " + ns[0] + " out of namespaces");
        }
        // procfs pidns= (Linux 6.x): mounted in a throwaway mount namespace that unshare(1)
        // makes private first; in a user namespace nothing done inside can reach the host.
        List<String> cmd = new ArrayList<>(List.of(unshare.get().toString()));
        if (rootless) {
            cmd.addAll(List.of("--user", "--map-root-user"));
        }
        cmd.addAll(List.of("--mount", "--propagation", "private", "--pid", "--fork", "mount", "-t", "proc", "-o",
                "pidns=/proc/self/ns/pid", "proc", "/proc"));
        Optional<UserNamespaces.Result> r = UserNamespaces.run(cmd, 10);
        boolean ok = r.isPresent() && r.get().exit() == 0;
        if (!ok && rootless && procCovered) {
            // mnt_already_visible refuses any fresh proc here, pidns= or not: that is the cause.
            add(section, Status.NO, "procfs pidns= not known: a fresh proc is refused in a user namespace while "
                    + "/proc is partly covered (see 'container' above): " + oneLine(r),
                    "run nsbox as root here, or start the container with unmasked paths "
                            + "(docker --security-opt systempaths=unconfined)");
            return;
        }
        add(section, ok ? Status.OK : Status.NO, "procfs accepts pidns=" + (ok ? "" : ": " + oneLine(r)),
                ok ? null : "a proc mount needs a kernel whose procfs takes pidns= (a recent Linux 6.x); "
                        + "leave proc mounts out of specs, or upgrade the kernel");
    }

    /** What a failed probe said, on one line: the report has one line per check. */
    private static String oneLine(Optional<UserNamespaces.Result> r) {
        return r.map(x -> String.join(" ", x.output().trim().split("\\s*\\n\\s*"))).orElse("cannot run unshare");
    }

    private void mountApi() {
        String section = "mount API";
        Sys sys;
        try {
            sys = Sys.get();
        } catch (LinkageError | RuntimeException e) {
            add(section, Status.NO, "cannot load the native layer (libnsbox-sys.so): " + e.getMessage(),
                    "nsbox needs Linux with glibc on x86_64 or aarch64, and java.io.tmpdir must allow executables");
            return;
        }
        try {
            sys.close(sys.openTree(-100, "/nonexistent/nsbox-doctor-probe", 0, "open_tree"));
            add(section, Status.OK, "open_tree", null);
        } catch (SyscallException e) {
            apiResult(section, "open_tree, move_mount (Linux 5.2)", e.errno());
        }
        try {
            sys.mountSetattr(-1, "", 0, 0, 0, 0, "mount_setattr");
            add(section, Status.OK, "mount_setattr", null);
        } catch (SyscallException e) {
            apiResult(section, "mount_setattr (Linux 5.12)", e.errno());
        }
        // A run mounts every new filesystem with fsopen(2) and opens every target with
        // openat2(2) (docs/decisions/0024-mountfd-mounts-on-checked-descriptors.md): a type no
        // kernel has answers ENODEV (or EPERM unprivileged), only a kernel without the call ENOSYS.
        try {
            sys.close(sys.fsopen("nsbox-doctor-probe", 0, "fsopen"));
            add(section, Status.OK, "fsopen", null);
        } catch (SyscallException e) {
            apiResult(section, "fsopen, fsconfig, fsmount (Linux 5.2)", e.errno());
        }
        try {
            sys.close(sys.openat2(-100, "/", Sys.O_PATH | Sys.O_CLOEXEC, 0, 0x06, "openat2"));
            add(section, Status.OK, "openat2 (RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS)", null);
        } catch (SyscallException e) {
            apiResult(section, "openat2 (Linux 5.6)", e.errno());
        }
        add(section, Status.INFO, "kernel " + System.getProperty("os.version"), null);
    }

    /** The cgroup version, mounts, controllers, the caller's delegation and each limit ({@link Cgroups#doctor()}). */
    private void cgroups() {
        String section = "cgroups";
        try {
            for (Cgroups.DoctorLine l : Cgroups.detect().doctor()) {
                add(section, l.ok() ? Status.OK : Status.NO, l.text(), l.fix());
            }
        } catch (IOException | RuntimeException e) {
            add(section, Status.NO, "cannot read this machine's cgroups: " + e.getMessage(),
                    "limits.memory, limits.pids and limits.cpu need a mounted cgroup filesystem");
        }
    }

    /**
     * Whether the secure defaults work here: the capabilities a step may keep (those this
     * process holds), and the system-call filter (the kernel's seccomp, shown by a
     * {@code Seccomp:} line in {@code /proc/self/status}, and nsbox's table for this
     * architecture).
     */
    private void confinement() {
        String section = "confinement";
        OptionalLong held = HostConfinement.heldCapabilities();
        if (held.isEmpty()) {
            add(section, Status.WARN, "cannot read CapPrm and CapBnd in /proc/self/status", null);
        } else {
            Set<Capability> missing = EnumSet.allOf(Capability.class);
            missing.removeAll(Capability.fromMask(held.getAsLong()));
            add(section, Status.OK, "process.capabilities: none by default; every step starts with empty sets", null);
            if (!missing.isEmpty() && privileged) {
                add(section, Status.INFO, "this process lacks " + missing.stream().map(Capability::name)
                        .collect(Collectors.joining(", ")) + " (CapPrm & CapBnd): a spec that keeps "
                        + (missing.size() == 1 ? "it" : "one of them") + " is refused here (exit 3)",
                        null);
            }
        }
        Optional<String> seccomp = UserNamespaces.read("/proc/self/status").flatMap(s -> s.lines()
                .filter(l -> l.startsWith("Seccomp:")).findFirst());
        if (seccomp.isEmpty()) {
            add(section, Status.NO, "seccomp: this kernel has none (no Seccomp line in /proc/self/status)",
                    "say process.seccomp: unconfined in each spec, or use a kernel built with CONFIG_SECCOMP_FILTER");
        } else {
            add(section, Status.OK, "seccomp: available (" + seccomp.get().replaceAll("\\s+", " ") + ")", null);
        }
        Optional<SeccompArch> arch = SeccompArch.current();
        add(section, arch.isPresent() ? Status.OK : Status.NO, "seccomp filter table for " + System.getProperty("os.arch")
                + (arch.isPresent() ? ": " + arch.get().name() : ": none"),
                arch.isPresent() ? null : "nsbox runs on x86_64 (amd64) and aarch64 (arm64) only: run it on such a machine");
    }

    private void apiResult(String section, String what, int errno) {
        if (errno == Errnos.ENOSYS) {
            add(section, Status.NO, what + ": missing (ENOSYS)", "nsbox needs Linux 5.12 or later");
        } else {
            add(section, Status.OK, what + ": present", null);
        }
    }

    private void specs(List<Path> specs, Map<String, String> variables, SpecPlanner planner) {
        String section = "specs";
        MountTable table;
        try {
            table = LiveHost.mountTable();
        } catch (IOException | IllegalArgumentException e) {
            add(section, Status.NO, "cannot read /proc/self/mountinfo: " + e.getMessage(), null);
            return;
        }
        List<Path> files = new ArrayList<>();
        for (Path p : specs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".yaml") && Files.isRegularFile(f)).sorted().forEach(files::add);
                } catch (IOException | java.io.UncheckedIOException e) {
                    add(section, Status.NO, p + ": cannot list: " + e.getMessage(), null);
                }
            } else {
                files.add(p);
            }
        }
        if (files.isEmpty()) {
            add(section, Status.INFO, "no spec given (and no specs/ here)", null);
        }
        LiveHost host = LiveHost.current();
        for (Path f : files) {
            Planned p;
            try {
                p = planner.plan(f, variables, host, table);
            } catch (SpecException e) {
                add(section, Status.NO, f + ": invalid spec (" + e.diagnostics().size() + " problem"
                        + (e.diagnostics().size() == 1 ? "" : "s") + "): " + e.diagnostics().get(0).format(),
                        "nsbox validate " + f);
                continue;
            }
            if (!p.errors().isEmpty()) {
                add(section, Status.NO, f + ": refused: " + p.errors().get(0).format(), "nsbox plan " + f);
                continue;
            }
            Plan plan = p.plan();
            boolean rootless = Rootless.needsUserNamespace(plan);
            List<Diagnostic> limits = new ArrayList<>(Rootless.limits(plan, table, env, false));
            limits.addAll(HostConfinement.limits(plan));
            if (rootless && !userNsAllowed && UserNamespaces.entered(env).isEmpty()) {
                add(section, Status.NO, f + ": will not run here: it needs a user namespace, which this machine "
                        + "refuses", "see 'user namespaces' above");
            } else if (!limits.isEmpty()) {
                StringBuilder why = new StringBuilder();
                for (Diagnostic d : limits) {
                    why.append(why.length() == 0 ? "" : "; ").append(d.format());
                }
                add(section, Status.NO, f + ": will not run here: " + why, "see each message");
            } else {
                add(section, Status.OK, f + ": will run here" + (rootless ? " (in a user namespace mapping you to "
                        + plan.spec().user().uid() + ":" + plan.spec().user().gid() + ")" : " (as root)"), null);
            }
        }
    }
}
