package dev.nsbox.bench;

import static dev.nsbox.bench.Commands.*;

import dev.nsbox.engine.Preparation;
import dev.nsbox.exec.JvmFlags;
import dev.nsbox.plan.Confinement;
import dev.nsbox.seccomp.SeccompFilter;
import dev.nsbox.seccomp.SeccompPolicy;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Issue #7's harness: nsbox side by side with bwrap, unshare(1), a bare spawn and a bare JVM,
 * each measurement with its baseline in the same run. Prints every table, writes CSV files and
 * PNG plots to the results folder and, given {@code --report}, the Markdown report.
 *
 * <pre>
 * java -jar bench/target/nsbox-bench.jar [--smoke] [--repo DIR] [--out DIR] [--report FILE] [--only warm,cold,...]
 * </pre>
 *
 * <p>It creates sandboxes as root, so {@code bench/run} starts it under
 * {@code unshare --mount --propagation private}: every mount it or its peers make stays in that
 * scratch namespace. {@code --smoke} uses few repetitions and small sizes and checks only that
 * every variant runs (exit 0); it times nothing that anyone asserts.
 */
public final class Harness {

    static final List<String> ALL = List.of("warm", "breakdown", "cold", "scaling", "engine", "maven", "rootless",
            "forks");

    private final boolean smoke;
    private final Path repo;
    private final Path out;
    private final Path specs;
    private final String java;
    private final List<Section> sections = new ArrayList<>();

    private Harness(boolean smoke, Path repo, Path out) {
        this.smoke = smoke;
        this.repo = repo;
        this.out = out;
        this.specs = out.resolve("specs");
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path repo = Path.of("").toAbsolutePath();
        Path out = null;
        Path report = null;
        Set<String> only = new LinkedHashSet<>(ALL);
        boolean render = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--report" -> report = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--only" -> only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                case "--render" -> render = true;
                default -> {
                    System.err.println("usage: nsbox-bench [--smoke] [--render] [--repo DIR] [--out DIR] [--report FILE] "
                            + "[--only " + String.join(",", ALL) + "]");
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            out = repo.resolve(smoke ? "bench/target/smoke" : "bench/target/results");
        }
        Files.createDirectories(out.resolve("specs"));
        if (render) {
            // The report again from the last run's measurements, e.g. after bench/analysis.md changed.
            Report.write(Report.load(out), out, report, smoke, repo);
            System.out.println("rendered again from " + out.resolve("sections.bin"));
            return;
        }
        Harness h = new Harness(smoke, repo, out);
        int failures = 0;
        for (String id : only) {
            String loadBefore = loadAverage();
            int before = h.sections.size();
            try {
                switch (id) {
                    case "warm" -> h.warm();
                    case "breakdown" -> h.breakdown();
                    case "cold" -> h.cold();
                    case "scaling" -> h.scaling();
                    case "engine" -> h.engine();
                    case "maven" -> h.maven();
                    case "rootless" -> h.rootless();
                    case "forks" -> h.forks();
                    default -> throw new IllegalArgumentException("no measurement " + id);
                }
            } catch (Exception e) {
                // A measurement that breaks is reported as such, with what broke, and the
                // others still run: one failure must not cost the whole report.
                System.err.println("bench: " + id + ": " + e);
                e.printStackTrace();
                failures++;
                Section failed = new Section(id, "Measurement `" + id + "`", null);
                failed.notMeasured = "this measurement failed during the run, after " + Measure.checks
                        + " successful runs in all: `" + e + "`" + (e.getCause() == null ? "" : ", caused by `"
                        + e.getCause() + "`") + ". See the analysis below.";
                h.sections.removeIf(x -> x.id.equals(id));
                h.sections.add(failed);
            }
            if (h.sections.size() > before) {
                h.sections.get(h.sections.size() - 1).load = loadBefore + " before, " + loadAverage() + " after";
                System.out.println("  load average: " + h.sections.get(h.sections.size() - 1).load);
            }
        }
        if (!Measure.SPAWN_ERRORS.isEmpty()) {
            Section errors = new Section("spawn-errors", "Spawn errors during the run", null);
            errors.notMeasured = Measure.SPAWN_ERRORS.size() + " spawn(s) from the harness's JVM failed and were "
                    + "retried once (the retry succeeded, or the measurement is reported as failed above): `"
                    + Measure.SPAWN_ERRORS.get(0) + "`. See the analysis.";
            h.sections.add(errors);
            System.out.println("spawn errors retried: " + Measure.SPAWN_ERRORS.size() + ", first: "
                    + Measure.SPAWN_ERRORS.get(0));
        }
        Report.write(h.sections, out, report, smoke, repo);
        // The closing line: every variant that ran exited 0 (smoke asserts nothing else).
        System.out.println((smoke ? "smoke" : "bench") + ": " + Measure.checks + " passed, " + failures + " failed");
        System.exit(failures == 0 ? 0 : 1);
    }

    /** The 1, 5 and 15 minute load averages, from /proc/loadavg: how busy the shared machine was. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private Path writeSpec(String name, String text) throws IOException {
        Path p = specs.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    // ---------------------------------------------------------------------------------------------
    // 1. Warm sandbox start.

    private void warm() throws Exception {
        Section s = new Section("warm", "1. Warm sandbox start, from one running JVM", "true, bare spawn");
        Path src = repo;
        Path spec = writeSpec("warm.yaml", warmSpec(src));
        Preparation ready = InProcess.prepare(spec);
        List<Measure.Variant> v = List.of(
                new Measure.Variant("true, bare spawn", "ProcessBuilder(\"true\").start().waitFor()",
                        () -> Measure.spawn(List.of("true"))),
                new Measure.Variant("nsbox", "in-process: NsboxEngine.prepare(" + repo.relativize(spec) + ") (a warm "
                        + "engine's preparation reused while its inputs are unchanged, decision 0032), then NsboxEngine.run",
                        () -> InProcess.prepareAndRun(spec)),
                new Measure.Variant("nsbox, prepared afresh", "in-process: load + plan + predict every time, then "
                        + "NsboxEngine.run", () -> InProcess.prepareAfreshAndRun(spec)),
                new Measure.Variant("nsbox, plan reused", "in-process: NsboxEngine.run of a plan prepared once",
                        () -> InProcess.run(ready)),
                new Measure.Variant("bwrap", shown(bwrapWarm(src)), () -> Measure.spawn(bwrapWarm(src))),
                new Measure.Variant("unshare + sh mounts", shown(unshareWarm(src)), () -> Measure.spawn(unshareWarm(src))),
                new Measure.Variant("unshare, namespaces + proc only", shown(unshareBare()),
                        () -> Measure.spawn(unshareBare())));
        s.rows.addAll(Measure.roundRobin(v, smoke ? 1 : 100, smoke ? 3 : 100));
        s.targets.add(Target.ratio("nsbox at most 0.7x bwrap", "nsbox", "bwrap", 0.7));
        s.targets.add(Target.ratio("nsbox at most 1.0x unshare (with the same mounts)", "nsbox", "unshare + sh mounts", 1.0));
        s.notes.add("The spec: `" + repo.relativize(spec) + "` in the results folder, i.e. `namespaces: [mount, pid, "
                + "net, uts, ipc]`, `propagation: rprivate`, a recursive read-only bind of the repository onto itself, "
                + "a tmpfs on `/tmp`, a proc on `/proc` (`pidns=`), one step `true`. nsbox also brings `lo` up, checks "
                + "the sandbox's mount table against the plan before the step and compares the host's mount table "
                + "after it; its supervisor `nsbox-init` is PID 1.");
        s.notes.add("`nsbox` is the engine as a warm front end calls it: `NsboxEngine.prepare` reuses the preparation of "
                + "the previous round after checking that its inputs are unchanged (the spec's bytes, `mountinfo`, every "
                + "question about the host's files asked again; decision 0032), then runs it. `nsbox, prepared afresh` "
                + "loads, plans and predicts on every round; `nsbox, plan reused` only runs a plan prepared once.");
        s.notes.add("bwrap: `--bind / /` because nsbox's `root: host` keeps the host's tree; bwrap always builds its "
                + "root on a tmpfs and pivots into it, binds `/` there recursively, makes its tree `rslave`, brings "
                + "`lo` up, and runs its own PID 1. `--ro-bind` is bwrap's recursive read-only bind.");
        s.notes.add("unshare(1) makes the tree private recursively (`--propagation private`, its default) and mounts "
                + "proc, but cannot bind or mount a tmpfs: a `sh -c` with `mount(8)` does that, three more "
                + "processes (the ro remount is not recursive; the repository has no submounts here). It leaves "
                + "`lo` down. The namespaces-only row is unshare without any of the spec's mounts, for scale.");
        sections.add(s);
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 1b. Where the warm start goes: nsbox's stages, and what each namespace adds on both sides.

    private void breakdown() throws Exception {
        Section s = new Section("breakdown", "1b. Where a warm start goes: nsbox's stages, and each feature on both sides",
                "true, bare spawn");
        Path spec = writeSpec("warm.yaml", warmSpec(repo));
        int warmup = smoke ? 1 : 100;
        int reps = smoke ? 3 : 100;
        // The stages of one in-process run, timed inside the same calls.
        String[] stages = {"stage: load spec (parse, validate)", "stage: plan", "stage: read host mountinfo",
            "stage: predict host effects", "stage: Sandbox.run"};
        List<List<Double>> t = new ArrayList<>();
        for (String ignored : stages) {
            t.add(new ArrayList<>());
        }
        for (int i = -warmup; i < reps; i++) {
            double[] d = InProcess.timedStages(spec);
            if (d == null) {
                throw new Measure.Failure("a staged nsbox run did not exit 0");
            }
            Measure.checks++;
            for (int k = 0; i >= 0 && k < d.length; k++) {
                t.get(k).add(d[k]);
            }
        }
        for (int k = 0; k < stages.length; k++) {
            s.rows.add(new Row(stages[k], "InProcess.timedStages: " + stages[k].substring(7), Stats.of(t.get(k))));
        }
        // Features one at a time, nsbox and bwrap side by side.
        List<Measure.Variant> v = new ArrayList<>();
        v.add(new Measure.Variant("true, bare spawn", "ProcessBuilder(\"true\").start().waitFor()",
                () -> Measure.spawn(List.of("true"))));
        String[][] steps = {
            {"mount", "[mount]", "", ""},
            {"+ pid, proc", "[mount, pid]", "  - {type: proc, target: /proc}\n", "--unshare-pid --proc /proc"},
            {"+ net", "[mount, pid, net]", "  - {type: proc, target: /proc}\n", "--unshare-pid --unshare-net --proc /proc"},
        };
        for (String[] f : steps) {
            String text = "version: 1\nname: bench-features\nnamespaces: " + f[1] + "\npropagation: rprivate\n"
                    + (f[2].isEmpty() ? "" : "mounts:\n" + f[2]) + "steps:\n  - {name: \"true\", run: [\"true\"], cwd: /}\n";
            Path p = writeSpec("features-" + f[1].replaceAll("[^a-z]+", "-") + "yaml", text);
            List<String> bwrap = new ArrayList<>(List.of("bwrap", "--bind", "/", "/"));
            if (!f[0].equals("mount")) {
                bwrap.addAll(List.of(f[3].split(" ")));
            }
            bwrap.add("true");
            Preparation plan = InProcess.prepare(p);
            v.add(new Measure.Variant("nsbox " + f[0], "in-process, plan reused: namespaces: " + f[1]
                    + (f[2].isEmpty() ? "" : ", proc on /proc") + ", true", () -> InProcess.run(plan)));
            v.add(new Measure.Variant("bwrap " + f[0], shown(bwrap), () -> Measure.spawn(bwrap)));
        }
        // The secure defaults, one at a time, against bwrap with the comparable features.
        Path filter = out.resolve("default-seccomp.bpf");
        Files.write(filter, defaultFilter().program().bytes());
        List<String> bwrapSecure = bwrapSecure();
        String held = String.join(", ", heldCapabilities());
        // {row, spec addition, capabilities kept, filter installed, cgroup made}
        String[][] security = {
            {"nsbox loosened", "process: {capabilities: [" + held + "], seccomp: unconfined}\n", "all", "no", "no"},
            {"nsbox, no capability, no filter", "process: {seccomp: unconfined}\n", "none", "no", "no"},
            {"nsbox default", "", "none", "yes", "no"},
            {"nsbox default + limits", "limits: {memory: 256m, pids: 256}\n", "none", "yes", "yes"},
        };
        for (String[] f : security) {
            Path p = writeSpec("security-" + f[0].replaceAll("[^a-z]+", "-") + ".yaml", warmSpec(repo) + f[1]);
            Preparation plan = InProcess.prepare(p);
            // The rows mean what they say only if the plan confines the step as intended.
            Confinement c = plan.plan().launch().confinement();
            boolean ok = c.capabilities().isEmpty() == f[2].equals("none")
                    && (!f[2].equals("all") || c.capabilities().size() == heldCapabilities().size())
                    && c.seccomp().isPresent() == f[3].equals("yes")
                    && c.limits().needsCgroup() == f[4].equals("yes");
            if (!ok) {
                throw new IllegalStateException(f[0] + ": the plan's confinement is not what the row claims: "
                        + c.describe());
            }
            v.add(new Measure.Variant(f[0], "in-process, plan reused: the warm-start spec"
                    + (f[1].isEmpty() ? " as it is" : " + " + f[1].trim()), () -> InProcess.run(plan)));
        }
        v.add(new Measure.Variant(BWRAP_SECURE, shown(bwrapSecure) + " 0<" + repo.relativize(filter),
                () -> Measure.spawn(bwrapSecure, filter.toFile())));
        s.rows.addAll(Measure.roundRobin(v, warmup, reps));
        s.targets.add(Target.ratio("nsbox default at most 1.0x " + BWRAP_SECURE, "nsbox default", BWRAP_SECURE, 1.0));
        s.targets.add(Target.ratio("nsbox default + limits at most 1.0x " + BWRAP_SECURE, "nsbox default + limits",
                BWRAP_SECURE, 1.0));
        StringBuilder ratios = new StringBuilder("Medians against `" + BWRAP_SECURE + "` ("
                + Plot.fmt(s.row(BWRAP_SECURE).stats().median()) + " ms):");
        for (String[] f : security) {
            double m = s.row(f[0]).stats().median();
            ratios.append(String.format(Locale.ROOT, " %s %s ms, %.2fx;", f[0], Plot.fmt(m),
                    m / s.row(BWRAP_SECURE).stats().median()));
        }
        s.notes.add(ratios.substring(0, ratios.length() - 1) + ".");
        s.notes.add("The security rows: the warm-start spec (1) four ways, plans prepared once (the harness checks each "
                + "plan's confinement against its row). `nsbox loosened` keeps every capability this JVM holds ("
                + held + ") and installs no filter; `no capability, no filter` drops them all but installs no "
                + "filter; in all four rows the mount defaults stay, "
                + "since the planner has no key that turns them off (a minimal `/dev`, the guards on `/proc`, the "
                + "recursive `nodev|nosuid` on the host's tree; spec-reference, \"Defaults\"). `nsbox default` is "
                + "the spec as it is: no capability, locked securebits, the default filter, the mount defaults. "
                + "`+ limits` adds a cgroup: made, joined and removed on every run. `" + BWRAP_SECURE + "` is bwrap "
                + "with what comes closest: all namespaces, `--die-with-parent`, its minimal `/dev`, a proc, the "
                + "host's tree read-only (bound first, so that `/dev` and `/proc` land on it), a tmpfs on `/tmp` as "
                + "nsbox's spec has, no capability, and nsbox's default filter compiled to `" + repo.relativize(filter)
                + "` (`SeccompFilter.of(new SeccompPolicy.Default(), Set.of(), arch).program().bytes()`), handed "
                + "to bwrap as its standard input, which `--seccomp 0` reads. bwrap makes no cgroup.");
        s.notes.add("The stage rows split one in-process run of the warm-start spec (load + plan + read the host's "
                + "mount table + predict + `Sandbox.run`), each timed around its own call. The feature rows add one "
                + "thing at a time to both sides, with the plan prepared once for nsbox: the mount namespace alone "
                + "(bwrap cannot run without one; it also unshares nothing else here but makes its tmpfs root, so "
                + "bwrap's first row is `--bind / / true`), then a PID namespace with a proc, then a network "
                + "namespace (both bring `lo` up). The targets are the security rows' ratios to bwrap.");
        sections.add(s);
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Cold command line.

    private void cold() throws Exception {
        Section s = new Section("cold", "2. Cold command line", "java Hello");
        Path src = repo;
        Path spec = writeSpec("warm.yaml", warmSpec(src));
        List<String> flags = launcherFlags();
        List<String> hello = new ArrayList<>(List.of(java));
        hello.addAll(flags);
        hello.addAll(List.of("-cp", repo.resolve("bench/target/classes").toString(), Hello.class.getName()));
        List<String> nsbox = List.of(repo.resolve("nsbox").toString(), "run", spec.toString());
        // Where the cold run goes: the same launcher doing less and less.
        List<String> version = List.of(repo.resolve("nsbox").toString(), "--version");
        List<String> validate = List.of(repo.resolve("nsbox").toString(), "validate", spec.toString());
        List<String> plan = List.of(repo.resolve("nsbox").toString(), "plan", spec.toString());
        // The launcher's AppCDS archive in the user's cache is made by its first two calls: a cache
        // of this run's own, primed by two `run`s, as a user has it after their first runs.
        Path cache = out.resolve("launcher-cache");
        deleteTree(cache);
        Files.createDirectories(cache);
        // The default configuration: the plan cache is on unless NSBOX_PLAN_CACHE=0 (docs/decisions/0030).
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"),
                "XDG_CACHE_HOME", cache.toString());
        Map<String, String> noPlanCache = new java.util.HashMap<>(env);
        noPlanCache.put("NSBOX_PLAN_CACHE", "0");
        for (int i = 0; i < 2; i++) {
            if (Measure.spawn(nsbox, env, null) != 0) {
                throw new Measure.Failure("a first ./nsbox run failed: " + shown(nsbox));
            }
        }
        List<Measure.Variant> v = List.of(
                new Measure.Variant("java Hello", shown(hello), () -> Measure.spawn(hello)),
                new Measure.Variant("./nsbox run", shown(nsbox) + " (JAVA_HOME=" + System.getProperty("java.home")
                        + ", XDG_CACHE_HOME=" + repo.relativize(cache) + ")",
                        () -> Measure.spawn(nsbox, env, null)),
                new Measure.Variant("bwrap", shown(bwrapWarm(src)), () -> Measure.spawn(bwrapWarm(src))),
                new Measure.Variant("unshare + sh mounts", shown(unshareWarm(src)), () -> Measure.spawn(unshareWarm(src))),
                new Measure.Variant("./nsbox --version", shown(version), () -> Measure.spawn(version, env, null)),
                new Measure.Variant("./nsbox validate", shown(validate), () -> Measure.spawn(validate, env, null)),
                new Measure.Variant("./nsbox plan", shown(plan), () -> Measure.spawn(plan, env, null)),
                new Measure.Variant("./nsbox run, no plan cache", shown(nsbox) + " (NSBOX_PLAN_CACHE=0)",
                        () -> Measure.spawn(nsbox, noPlanCache, null)));
        s.rows.addAll(Measure.roundRobin(v, smoke ? 0 : 3, smoke ? 1 : 20));
        s.targets.add(Target.ratio("./nsbox run at most 2x a bare JVM", "./nsbox run", "java Hello", 2.0));
        s.targets.add(Target.ratio("./nsbox validate at most 1.5x a bare JVM", "./nsbox validate", "java Hello", 1.5));
        s.targets.add(Target.ratio("./nsbox plan at most 1.5x a bare JVM", "./nsbox plan", "java Hello", 1.5));
        s.notes.add("Each command spawned from the harness's JVM and waited for. The bare JVM gets the same flags "
                + "as the `nsbox` launcher (" + String.join(" ", flags) + "), so the ratio is nsbox's own work, "
                + "not a difference of JVM flags; the launcher is a `sh` script that execs java (one more exec).");
        s.notes.add("`--version`, `validate` and `plan` are the same launcher doing less: JVM and CLI only; + YAML "
                + "parsing and validation; + the live host, the mount table and the prediction. `run` adds the native "
                + "layer (nsbox's JNI library of libc's functions, one dlopen) and the sandbox itself. The launcher maps an AppCDS archive of nsbox.jar from the user's cache, made by "
                + "its first two calls: here a cache of this run's own (`XDG_CACHE_HOME`), made by two `./nsbox run`s "
                + "before the rounds, as a user has it after the first runs. The bare JVM has the JDK's default CDS "
                + "archive only. That first `run` also stores the spec's checked plan in the same cache "
                + "(`plans/`, on by default, docs/decisions/0030-plancache2-no-secret-on-disk.md), so the `run`, `plan` "
                + "and `validate` rows, in nsbox's default configuration (no nsbox variable set), are warm-cache rows: "
                + "they skip the YAML load, the checks, the planning, the prediction and the seccomp compilation. "
                + "`./nsbox run, no plan cache` is the same run with the cache turned off (`NSBOX_PLAN_CACHE=0`).");
        sections.add(s);
        Console.table(s);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    /**
     * The JVM flags the nsbox launcher script passes: it reads them from the engine's resource
     * {@code lean-jvm-flags}, which {@link JvmFlags#lean()} reads too, so the two stay in step. The
     * launcher must still read that resource, or the comparison would be of different flags.
     */
    private List<String> launcherFlags() throws IOException {
        String script = Files.readString(repo.resolve("nsbox"));
        if (!script.contains("NSBOX_JAVA_OPTS:-") || !script.contains("dev/nsbox/exec/lean-jvm-flags")) {
            throw new IllegalStateException("./nsbox no longer takes its JVM flags from dev/nsbox/exec/lean-jvm-flags");
        }
        return JvmFlags.lean();
    }

    // ---------------------------------------------------------------------------------------------
    // 3. Scaling with the number of binds.

    private void scaling() throws Exception {
        Section s = new Section("scaling", "3. Scaling: read-only bind mounts, nsbox against bwrap", null);
        int[] sizes = smoke ? new int[] {1, 10} : new int[] {1, 10, 100, 1000};
        s.sizes = sizes;
        Path base = out.resolve("scaling");
        for (int n : sizes) {
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path d = base.resolve(String.format("d%04d", i));
                Files.createDirectories(d);
                dirs.add(d);
            }
            Path spec = writeSpec("scaling-" + n + ".yaml", scalingSpec(dirs));
            List<String> bwrap = bwrapScaling(dirs);
            String bwrapShown = n <= 2 ? shown(bwrap) : shown(bwrap.subList(0, 9)) + " ... (" + n
                    + " --ro-bind DIR DIR) --proc /proc true";
            List<Measure.Variant> v = List.of(
                    new Measure.Variant("nsbox N=" + n, "in-process: load + plan + predict + run of "
                            + repo.relativize(spec), () -> InProcess.prepareAndRun(spec)),
                    new Measure.Variant("bwrap N=" + n, bwrapShown, () -> Measure.spawn(bwrap)));
            int reps = smoke ? 2 : n >= 1000 ? 10 : 30;
            s.rows.addAll(Measure.roundRobin(v, smoke ? 0 : n >= 1000 ? 1 : 5, reps));
        }
        int last = sizes[sizes.length - 1];
        s.targets.add(Target.ratio("nsbox at most 1.0x bwrap at 1000 mounts", "nsbox N=" + last, "bwrap N=" + last,
                1.0));
        s.notes.add("Each side: the warm-start namespaces (mount, pid, net, uts, ipc), N directories each bound "
                + "read-only onto itself (recursive read-only bind), a proc on `/proc`, and `true`. nsbox through "
                + "the in-process API (load + plan + predict + run), bwrap spawned with `--bind / /` first as in 1.");
        sections.add(s);
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 4. The engine's own work, with JMH.

    private void engine() throws Exception {
        Section s = new Section("engine", "4. The engine's own work (JMH): 1000 mounts, a mount table of 5000 entries",
                null);
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(EngineBenchmark.class.getName() + "\\.")
                .shouldFailOnError(true);
        if (smoke) {
            // Nothing is timed in a smoke run, so another JMH on the machine (which holds
            // /tmp/jmh.lock) is no reason to stop.
            System.setProperty("jmh.ignoreLock", "true");
            o.forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(300))
                    .param("mounts", "10").param("tableEntries", "50");
        } else {
            o.forks(1).warmupIterations(5).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(2))
                    .jvmArgs("-Xmx1g");
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        List<String> order = List.of("all", "parseMountTable", "parseAndValidateSpec", "plan", "predict");
        for (String name : order) {
            for (RunResult r : results) {
                String label = r.getParams().getBenchmark();
                if (!label.endsWith("." + name)) {
                    continue;
                }
                Statistics st = r.getPrimaryResult().getStatistics();
                s.rows.add(new Row(name, "EngineBenchmark." + name + " (mounts=" + r.getParams().getParam("mounts")
                        + ", tableEntries=" + r.getParams().getParam("tableEntries") + ")",
                        new Stats(st.getMin(), st.getPercentile(50), st.getMax(), st.getN(), List.of())));
                Measure.checks++;
            }
        }
        // The same work with one size small at a time: which one makes it grow.
        ChainedOptionsBuilder sizes = new OptionsBuilder()
                .include(EngineSizesBenchmark.class.getName() + "\\.")
                .shouldFailOnError(true);
        if (smoke) {
            sizes.forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(300))
                    .param("mounts", "10").param("tableEntries", "50");
        } else {
            sizes.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(2))
                    .jvmArgs("-Xmx1g");
        }
        for (RunResult r : new Runner(sizes.build()).run()) {
            Statistics st = r.getPrimaryResult().getStatistics();
            String m = r.getParams().getParam("mounts");
            String e = r.getParams().getParam("tableEntries");
            s.rows.add(new Row("all, " + m + " mounts, " + e + " entries", "EngineSizesBenchmark.all (mounts=" + m
                    + ", tableEntries=" + e + ")", new Stats(st.getMin(), st.getPercentile(50), st.getMax(), st.getN(),
                    List.of())));
            Measure.checks++;
        }
        s.targets.add(Target.absolute("parse, validate, plan and predict under 100 ms", "all", 100));
        s.notes.add("JMH 1.37, SampleTime (each invocation timed), " + (smoke ? "in-process, tiny sizes"
                : "1 fork, 5 warm-up iterations of 1 s, 5 measured iterations of 2 s") + ". `all` = parse the "
                + "5000-line mountinfo + parse and validate the spec + plan + predict host effects; the other rows "
                + "are its stages alone. Inputs are synthetic (`EngineInputs`): a host on which every path is a "
                + "directory, a systemd-like table with peer groups and slaves; nothing touches the kernel. "
                + "The rows `all, M mounts, E entries` (`EngineSizesBenchmark`, 3 + 3 iterations) repeat `all` "
                + "with each size small in turn.");
        sections.add(s);
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Maven: nsbox:run against exec:exec.

    private void maven() throws Exception {
        Section s = new Section("maven", "5. Maven: `nsbox:run` of one `true` step against `exec:exec` of `true`",
                "mvn exec:exec");
        sections.add(s);
        Path pluginPom = repo.resolve("maven-plugin/pom.xml");
        if (!Files.exists(pluginPom)) {
            s.notMeasured = "the Maven plugin is not in this tree (no `maven-plugin/` module): it is being written "
                    + "on its own branch and had not been merged into main when this ran. The harness measures it "
                    + "as soon as the module is there (`bench/run` installs it into the local repository first).";
            System.out.println("\n" + s.title + ": not measured: " + s.notMeasured);
            return;
        }
        String version = System.getProperty("nsbox.version", "0.1.0-SNAPSHOT");
        Path project = out.resolve("maven-project");
        Files.createDirectories(project);
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>bench</groupId>
                  <artifactId>bench-maven</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                </project>
                """);
        Files.writeString(project.resolve("nsbox.yaml"), warmSpec(repo));
        String mvn = "mvn";
        List<String> exec = List.of(mvn, "-B", "-q", "-o", "org.codehaus.mojo:exec-maven-plugin:3.5.0:exec",
                "-Dexec.executable=true");
        List<String> nsbox = List.of(mvn, "-B", "-q", "-o", "dev.nsbox:nsbox-maven-plugin:" + version + ":run");
        File dir = project.toFile();
        List<Measure.Variant> v = List.of(
                new Measure.Variant("mvn exec:exec", shown(exec), () -> Measure.spawn(exec, null, dir)),
                new Measure.Variant("mvn nsbox:run", shown(nsbox) + " (nsbox.yaml: the warm-start spec)",
                        () -> Measure.spawn(nsbox, null, dir)));
        s.rows.addAll(Measure.roundRobin(v, smoke ? 0 : 1, smoke ? 1 : 8));
        s.targets.add(Target.ratio("mvn nsbox:run at most 1.1x mvn exec:exec", "mvn nsbox:run", "mvn exec:exec", 1.1));
        s.notes.add("Both in a minimal `pom` project, offline (`-o`), quiet, each a fresh `mvn` process. The spec is "
                + "the warm-start one (1).");
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 7. Test forks: nsbox:prepare against a plain Surefire.

    private void forks() throws Exception {
        Section s = ForksBenchmark.measure(smoke, repo, out);
        sections.add(s);
        if (s.notMeasured != null) {
            System.out.println("\n" + s.title + ": not measured: " + s.notMeasured);
            return;
        }
        Console.table(s);
    }

    // ---------------------------------------------------------------------------------------------
    // 6. Rootless.

    private void rootless() throws Exception {
        Section s = new Section("rootless", "6. Rootless: the first sandbox and the following ones, as an ordinary user",
                "root, following");
        sections.add(s);
        Path spec = writeSpec("warm.yaml", warmSpec(repo));
        int following = smoke ? 3 : 50;
        try (Probe root = new Probe(List.of(), spec);
             Probe user = new Probe(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), spec)) {
            double rootFirst = root.step();
            if (Double.isNaN(rootFirst)) {
                throw new Measure.Failure("the probe failed as root: " + root.error());
            }
            Measure.checks++;
            double userFirst = user.step();
            if (Double.isNaN(userFirst)) {
                s.notMeasured = "nsbox cannot run a sandbox as an ordinary user here. As uid 65534 the engine answered: `"
                        + user.error().strip().replace("\n", " / ") + "`. The harness measures it once that works: `"
                        + user.command + "`.";
                System.out.println("\n" + s.title + ": not measured: " + s.notMeasured);
                return;
            }
            // Interleaved: each round runs one sandbox of each, the order alternating, so that a
            // change of the machine's load weighs on both alike.
            List<Double> rootNext = new ArrayList<>();
            List<Double> userNext = new ArrayList<>();
            for (int i = 0; i < following; i++) {
                Probe a = i % 2 == 0 ? root : user;
                Probe b = a == root ? user : root;
                for (Probe p : List.of(a, b)) {
                    double ms = p.step();
                    if (Double.isNaN(ms)) {
                        throw new Measure.Failure("the probe failed at sandbox " + (i + 2) + ": " + p.error());
                    }
                    (p == root ? rootNext : userNext).add(ms);
                }
            }
            Measure.checks++;
            s.rows.add(new Row("root, first", root.command, Stats.of(List.of(rootFirst))));
            s.rows.add(new Row("root, following", root.command, Stats.of(rootNext)));
            s.rows.add(new Row("rootless, first", user.command, Stats.of(List.of(userFirst))));
            s.rows.add(new Row("rootless, following", user.command, Stats.of(userNext)));
        }
        s.targets.add(Target.ratio("following rootless sandboxes within 1.5x of root mode", "rootless, following",
                "root, following", 1.5));
        s.notes.add("Two fresh JVMs (`RootlessProbe`), one as root and one as an ordinary user (uid 65534 via "
                + "`setpriv`), run the warm-start spec " + (following + 1) + " times each through the in-process API, "
                + "interleaved: one sandbox of each per round, the order alternating. The first includes loading the "
                + "engine and its JNI library (and, rootless, starting the helper JVM).");
        Console.table(s);
    }

    /** A running {@link RootlessProbe}: one sandbox per {@link #step()}. */
    private final class Probe implements AutoCloseable {
        final String command;
        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final StringBuilder said = new StringBuilder();

        Probe(List<String> prefix, Path spec) throws IOException {
            List<String> c = new ArrayList<>(prefix);
            c.addAll(List.of(java, "-Duser.home=/tmp", "-cp", System.getProperty("java.class.path"),
                    RootlessProbe.class.getName(), spec.toString()));
            command = shown(prefix) + (prefix.isEmpty() ? "" : " ") + "java -cp nsbox-bench.jar "
                    + RootlessProbe.class.getSimpleName() + " SPEC (one sandbox per line of input)";
            process = new ProcessBuilder(c).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** One sandbox; its milliseconds, or NaN when the probe failed ({@link #error()}). */
        double step() throws IOException {
            try {
                in.write("run\n");
                in.flush();
            } catch (IOException e) {
                return Double.NaN;
            }
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                String[] f = line.trim().split(" ");
                if (f.length == 2 && (f[0].equals("first") || f[0].equals("next"))) {
                    return Double.parseDouble(f[1]);
                }
                said.append(line).append('\n');
            }
            return Double.NaN;
        }

        String error() throws IOException {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return (process.isAlive() ? "" : "exit " + process.exitValue() + ": ") + said;
        }

        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
