package dev.nsbox.engine;

import dev.nsbox.exec.ForkServer;
import dev.nsbox.exec.JvmFlags;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.Preload;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.Sandbox;
import dev.nsbox.exec.Sandboxes;
import dev.nsbox.exec.StepIO;
import dev.nsbox.host.Doctor;
import dev.nsbox.host.HostConfinement;
import dev.nsbox.host.LiveHost;
import dev.nsbox.host.Rootless;
import dev.nsbox.host.UserNamespaces;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.plan.Explainer;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import dev.nsbox.spec.yaml.Variables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine as every front end uses it (the CLI, the Maven goals, the benchmarks): one flow from
 * a spec file to a run, so that each front end only reads its own parameters and prints.
 *
 * <pre>{@code
 * Preparation p = NsboxEngine.prepare(source, Overrides.NONE, NsboxEngine.host());
 * p.diagnostics().forEach(d -> err.println(d.format()));
 * if (p.runExitCode() == ExitCode.OK) {
 *     RunResult r = NsboxEngine.run(p, StepIO.inherit(), Listener.NONE, RunOptions.defaults());
 * }
 * }</pre>
 *
 * <p>{@link #prepare} reads the spec, the host's file kinds and {@code /proc/self/mountinfo}, and
 * may probe whether this machine lets the caller create a user namespace; it changes nothing.
 * {@link #run} is the only call that touches the kernel. Stateless apart from the helper JVMs
 * {@link #run} keeps for plans that need a user namespace (see {@link Sandboxes}); thread-safe.
 */
public final class NsboxEngine {

    /**
     * The flags of every JVM nsbox starts for itself: nsbox does milliseconds of work, so the
     * fastest cold start. One list for the launcher, the CLI's relaunch, the helper JVM and the
     * Maven plugin's test wrapper.
     */
    public static List<String> leanJvmFlags() {
        return JvmFlags.lean();
    }

    /**
     * Whether this JVM has seen the machine let it create a user namespace: the probe forks
     * {@code unshare --user true}, so it is made once per JVM (a Maven build prepares many specs),
     * as {@link Sandboxes} does before it starts a helper.
     */
    private static volatile boolean userNamespacesWork;

    private NsboxEngine() {
    }

    /** This machine as the planner sees it, with this process's working directory. */
    public static HostView host() {
        return LiveHost.current();
    }

    /** This machine as the planner sees it, with {@code cwd} as the default working directory. */
    public static HostView host(String cwd) {
        return new LiveHost(System.getenv(), cwd);
    }

    /**
     * Reads and checks one spec without touching the machine.
     *
     * @throws SpecException when the spec is invalid (every problem in it)
     */
    public static LoadedSpec load(SpecSource source) throws SpecException {
        return SpecLoader.load(source.file(), source.displayName(), source.variables());
    }

    /**
     * Reads the spec, applies {@code overrides}, plans it against {@code host}, predicts its host
     * effects against this process's mount table, applies the spec's {@code hostEffects} policy,
     * and, when that leaves no error, asks what a user namespace cannot do for it on this machine.
     * The preparation is returned even when it holds errors, so that a front end can show what is
     * refused; {@link Preparation#runExitCode()} says whether it may run.
     *
     * @throws SpecException    when the spec is invalid
     * @throws PrepareException when an override is invalid, or the mount table cannot be read
     */
    public static Preparation prepare(SpecSource source, Overrides overrides, HostView host)
            throws SpecException, PrepareException {
        if (!overrides.keepsSpec()) {
            return prepareAfresh(source, overrides, host);
        }
        // A warm engine (a Maven build, the benchmark) reuses a preparation of the same inputs
        // (PreparationMemo); the first preparation of a JVM only records what a reuse would check.
        PreparationMemo.Key key = new PreparationMemo.Key(source, overrides.command(), host);
        byte[] info;
        try {
            info = Files.readAllBytes(MOUNTINFO);
        } catch (IOException e) {
            return prepareAfresh(source, overrides, host);
        }
        Optional<PreparationMemo.Hit> hit = PreparationMemo.lookup(key, host, info);
        if (hit.isPresent()) {
            MountTable table = hit.get().table();
            return Preparation.of(hit.get().warnings(), hit.get().plan(), table, plan -> limits(plan, table));
        }
        PlanCache.Reads reads = new PlanCache.Reads();
        LoadedSpec loaded = SpecLoader.load(source.file(), source.displayName(), source.variables(), reads);
        MountTable table;
        try {
            table = MountTable.parse(new String(info, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw mountTableUnreadable(e);
        }
        HostRecorder recorder = new HostRecorder(host, host.mounts());
        Preparation p = Preparation.of(loaded, overrides.command(), recorder, table, plan -> limits(plan, table));
        PreparationMemo.store(key, reads, info, recorder, p, loaded.warnings());
        return p;
    }

    /** {@link #prepare(SpecSource, Overrides, HostView)} without the warm engine's memory. */
    private static Preparation prepareAfresh(SpecSource source, Overrides overrides, HostView host)
            throws SpecException, PrepareException {
        LoadedSpec loaded = load(source);
        Spec spec;
        try {
            spec = overrides.spec().apply(loaded.spec());
        } catch (IllegalArgumentException e) {
            throw new PrepareException(PrepareException.Kind.OVERRIDE, e.getMessage(), e);
        }
        MountTable table = mountTable();
        return Preparation.of(new LoadedSpec(spec, loaded.warnings()), overrides.command(), host, table,
                plan -> limits(plan, table));
    }

    /**
     * {@link #prepare(SpecSource, Overrides, HostView)} for the command line, against this
     * process's host, through {@code cache}: a spec prepared before with every input unchanged
     * is taken from the cache instead of being read, checked, planned and predicted again; the
     * result is the same (docs/decisions/0027-plancache-a-plan-cache-that-asks-again.md; the
     * steps are planned again from the live environment, docs/decisions/0030). What
     * this machine cannot do for the plan ({@link Preparation#limits()}) is asked afresh either
     * way. A spec with an error takes the full path and is never stored, so errors keep their
     * FILE:LINE:COL.
     *
     * @param command replaces the spec's steps when not null
     * @throws SpecException    when the spec is invalid
     * @throws PrepareException when the mount table cannot be read
     */
    public static Preparation prepare(SpecSource source, List<String> command, PlanCache cache)
            throws SpecException, PrepareException {
        return prepare(source, command, cache, LiveHost.current());
    }

    /** The same against {@code host} (the caller's environment and working directory). */
    static Preparation prepare(SpecSource source, List<String> command, PlanCache cache, LiveHost host)
            throws SpecException, PrepareException {
        PlanCache.Inputs in = cache.inputs(source, command, host);
        if (in == null) {
            return prepareAfresh(source, Overrides.command(command), host);
        }
        // One lambda for both paths, so that the class a hit needs is the one a first run (a miss) archives.
        java.util.function.Function<Plan, List<Diagnostic>> limits = plan -> limits(plan, in.table());
        Optional<PlanCache.Hit> hit = cache.lookup(in);
        Optional<Plan> cached = hit.flatMap(h -> h.plan(in));
        if (cached.isPresent()) {
            return Preparation.of(hit.get().warnings(), cached.get(), in.table(), limits);
        }
        HostRecorder recorder = new HostRecorder(in.host(), in.mounts());
        PlanCache.Reads reads = new PlanCache.Reads();
        RecordingVariables variables = new RecordingVariables(source.variables());
        LoadedSpec loaded = SpecLoader.load(source.file(), source.displayName(), variables, reads);
        Preparation p = Preparation.of(loaded, command, recorder, in.table(), limits);
        if (!p.hasErrors()) {
            cache.store(in, reads, variables, recorder, loaded.warnings(), p.plan());
        }
        return p;
    }

    /**
     * A spec checked as {@code nsbox validate} checks it: its warnings, and what a user namespace
     * cannot do for it here ({@link #rootlessLimits}). Taken from {@code cache} when a plan of the
     * spec as written (no command) is there with every input unchanged; else the spec is loaded.
     *
     * @throws SpecException when the spec is invalid
     */
    public static Checked check(SpecSource source, PlanCache cache) throws SpecException {
        PlanCache.Inputs in = cache.inputs(source, null, LiveHost.current());
        Optional<PlanCache.Hit> hit = cache.lookup(in);
        if (hit.isPresent()) {
            if (LiveHost.hasCapSysAdmin() && !hit.get().listsUser()) {
                return new Checked(hit.get().warnings(), List.of());
            }
            // The cached plan has the same spec and operations as the one rootlessLimits makes
            // (the prediction adds host effects and expectations only), against the same table.
            Optional<Plan> plan = hit.get().plan(in);
            if (plan.isPresent()) {
                return new Checked(hit.get().warnings(), Rootless.limits(plan.get(), in.table(), System.getenv(), true));
            }
        }
        LoadedSpec loaded = load(source);
        return new Checked(loaded.warnings(), rootlessLimits(loaded));
    }

    /** What {@link #check} found: the spec's warnings, then what this machine cannot do for it. */
    public record Checked(List<Diagnostic> warnings, List<Diagnostic> limits) {
    }

    /**
     * What this machine cannot do for {@code plan}: what a user namespace cannot do for it
     * ({@link Rootless}), then the cgroup its limits need and the capabilities it keeps
     * ({@link HostConfinement}). Every front end refuses these with exit 3 before anything runs.
     */
    private static List<Diagnostic> limits(Plan plan, MountTable table) {
        List<Diagnostic> limits = new ArrayList<>(Rootless.limits(plan, table, System.getenv(), !userNamespacesWork));
        if (limits.isEmpty() && Rootless.needsUserNamespace(plan)) {
            userNamespacesWork = true;
        }
        limits.addAll(HostConfinement.limits(plan));
        return limits;
    }

    /**
     * What a user namespace cannot do for a valid spec on this machine, for a check that applies
     * nothing ({@code nsbox validate}): empty when the spec will not run in a user namespace (the
     * caller holds CAP_SYS_ADMIN and it does not list {@code user}), or when the mount table
     * cannot be read (a run would say so).
     */
    public static List<Diagnostic> rootlessLimits(LoadedSpec loaded) {
        if (LiveHost.hasCapSysAdmin() && !loaded.spec().has(Namespace.USER)) {
            return List.of();
        }
        try {
            Plan plan = Planner.plan(loaded.spec(), LiveHost.current());
            return Rootless.limits(plan, LiveHost.mountTable(), System.getenv(), true);
        } catch (IOException | IllegalArgumentException e) {
            return List.of();
        }
    }

    /**
     * Applies a prepared plan and runs its steps: in this JVM, or in a helper JVM inside a user
     * namespace when the plan needs one (see {@link Sandboxes}). Never throws for what the
     * kernel, the machine or a step does; the result says it.
     */
    public static RunResult run(Preparation prepared, StepIO io, Listener listener, RunOptions options) {
        return Sandboxes.forCaller().run(prepared.plan(), io, listener, sandboxOptions(options));
    }

    /**
     * Starts loading, on another thread, what the first run in this JVM needs before its sandbox
     * can start ({@link Preload}): a command line calls it before it prepares a spec it is about
     * to run here, and closes it before the JVM exits.
     */
    public static Preload preload() {
        return Preload.start();
    }

    /**
     * A run in this JVM that another thread may signal ({@code nsbox run} forwards SIGINT, SIGTERM,
     * SIGHUP and SIGQUIT to its step). Only for a plan that needs no user namespace, or when this
     * JVM is in the one it needs ({@link #userNamespaceToEnter} is empty).
     */
    public static LocalRun local(Preparation prepared, StepIO io, Listener listener, RunOptions options) {
        Sandbox box = new Sandbox(prepared.plan(), io, listener, sandboxOptions(options));
        return new LocalRun() {
            @Override
            public RunResult run() {
                return box.run();
            }

            @Override
            public void signal(int signal) {
                box.signal(signal);
            }
        };
    }

    /** A run in this JVM: {@link #run()} blocks; {@link #signal} may be called from any thread meanwhile. */
    public interface LocalRun {
        RunResult run();

        /** Sends {@code signal} to the running step, if any. */
        void signal(int signal);
    }

    /**
     * Serves test forks of {@code plan} on {@code directory/socket} where the plan runs (this
     * JVM, or the helper JVM of a rootless plan) for as long as that JVM lives; see
     * {@link Sandboxes#serveForks}.
     *
     * @return the socket
     * @throws java.io.IOException when no server listens; no fork may then run
     */
    public static java.nio.file.Path serveForks(java.nio.file.Path directory, Plan plan, ForkServer.Command command,
                                                java.time.Duration grace, Listener listener,
                                                java.util.function.Consumer<String> log) throws java.io.IOException {
        return Sandboxes.forCaller().serveForks(directory, plan, command, grace, listener, log);
    }

    /** Why forks of {@code plan} cannot go through a fork server, or null; see {@link Sandboxes#forksUnservable}. */
    public static String forksUnservable(Plan plan) {
        return Sandboxes.forksUnservable(plan);
    }

    /** Where {@link #run} will run the plan, for logs: {@code "in this JVM"}, or a helper JVM. */
    public static String where(Plan plan) {
        return Sandboxes.forCaller().where(plan);
    }

    /** Whether the plan runs in a user namespace. */
    public static boolean needsUserNamespace(Plan plan) {
        return Rootless.needsUserNamespace(plan);
    }

    /**
     * The user namespace this JVM must be started in to run {@code plan} itself; empty when the
     * plan needs none, or when this JVM is in it already.
     */
    public static Optional<UserNamespaces.Mapping> userNamespaceToEnter(Plan plan) {
        if (!Rootless.needsUserNamespace(plan)) {
            return Optional.empty();
        }
        UserNamespaces.Mapping wanted = new UserNamespaces.Mapping(plan.spec().user().uid(), plan.spec().user().gid());
        return UserNamespaces.entered().map(wanted::equals).orElse(false) ? Optional.empty() : Optional.of(wanted);
    }

    /**
     * For each mount of the prepared plan, its propagation before and after, where it propagates
     * and which rule of the running kernel decides it; then whether the sandbox is sealed.
     */
    public static List<String> explain(Preparation prepared) {
        Kernel kernel = Kernel.ofRelease(System.getProperty("os.version", ""));
        return Explainer.explain(prepared.plan(), prepared.hostTable(), kernel);
    }

    /** What this machine allows, and whether each of {@code specs} can run here; probes only. */
    public static Doctor.Report doctor(List<Path> specs, Map<String, String> variables) {
        return Doctor.examine(specs, variables, (file, vars, host, table) -> {
            LoadedSpec loaded = SpecLoader.load(file, file.toString(), Variables.forCli(file, vars));
            // Doctor judges the limits itself, without probing the machine once per spec.
            Preparation p = Preparation.of(loaded, null, host, table, plan -> List.of());
            return new Doctor.Planned(p.plan(), p.errors());
        });
    }

    /** The mount table of this process's mount namespace, as {@link #prepare} reads it. */
    public static MountTable mountTable() throws PrepareException {
        try {
            return LiveHost.mountTable();
        } catch (IOException | IllegalArgumentException e) {
            throw mountTableUnreadable(e);
        }
    }

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private static PrepareException mountTableUnreadable(Exception e) {
        return new PrepareException(PrepareException.Kind.MOUNT_TABLE,
                "cannot read this process's mount table (/proc/self/mountinfo): " + e.getMessage(), e);
    }

    private static Sandbox.Options sandboxOptions(RunOptions options) {
        return new Sandbox.Options(options.grace(), options.shutdownHook());
    }
}
