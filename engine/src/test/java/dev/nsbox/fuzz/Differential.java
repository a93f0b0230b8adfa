package dev.nsbox.fuzz;

import dev.nsbox.exec.Listener;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.Sandbox;
import dev.nsbox.exec.StepIO;
import dev.nsbox.host.LiveHost;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.MountTableDiff;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.OpOutcome;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.plan.Simulation;
import dev.nsbox.plan.Simulator;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A randomized differential test of nsbox's predictions against the kernel. From a seed it
 * builds a random "host" mount tree (tmpfs mounts and binds under a scratch directory, random
 * propagation, peer groups, slave chains, stacked mounts, optionally {@code /} rshared as on a
 * systemd host), generates a random spec, asks the {@link Planner} and {@link HostEffectPredictor} what
 * will happen, runs the spec for real with the executor ({@link Sandbox}), and compares:
 *
 * <ul>
 *   <li>which operation the kernel refused, if any, with the predicted refusal;</li>
 *   <li>the host's mount table while the sandbox is alive with the predicted one (each mount's
 *       place, stack position, type, source, root and propagation, new peer groups named by
 *       their members);</li>
 *   <li>the sandbox's own table, as a step inside reads it, with the predicted one (host root);</li>
 *   <li>the host's table after the run with the one before, judged by {@link MountTableDiff}
 *       against the predicted host effects, as the executor judges it: every difference must be
 *       a predicted effect, and every predicted effect must have happened;</li>
 *   <li>the run's exit code: the plan's expectations checked by the executor's verifier hold.</li>
 * </ul>
 *
 * <p>Everything happens on a fresh thread of this JVM that first unshares a mount namespace of
 * its own, copied from the test JVM's scratch namespace (whose mounts are all private): that
 * namespace is the "host" of one case, and vanishes with the thread. The sandbox's thread,
 * started from it, inherits it. Nothing can reach the test JVM's namespace, let alone the
 * machine's.
 */
final class Differential {

    /** What one case did. */
    record Outcome(long seed, Case theCase, Status status, List<String> mismatches, String detail) {
        boolean mismatch() {
            return status == Status.MISMATCH;
        }
    }

    /**
     * OK: everything agreed. INVALID: the generated spec does not validate (not run). MISMATCH:
     * anything else.
     */
    enum Status { OK, INVALID, MISMATCH }

    /** A case: the host's set-up and the spec. */
    record Case(List<HostSetup> host, SpecShape spec) {
    }

    private final Path base;
    private final Kernel kernel = Kernel.ofRelease(System.getProperty("os.version", ""));

    /** @param base an empty directory of the test JVM's namespace; each case mounts a tmpfs on it */
    Differential(Path base) {
        this.base = base;
    }

    // -------------------------------------------------------------------------------------------
    // Running

    /** The scratch base directory, {@code $B} in reports. */
    String base() {
        return base.toString();
    }

    /** Generates the case of {@code seed} and runs it. */
    Outcome run(long seed) {
        return onFreshThread(() -> execute(seed, null));
    }

    /** Runs a given case (a replay, or a candidate while shrinking). */
    Outcome replay(long seed, Case c) {
        return onFreshThread(() -> execute(seed, c));
    }

    private interface Body {
        Outcome get() throws Exception;
    }

    private Outcome onFreshThread(Body body) {
        Outcome[] out = new Outcome[1];
        Throwable[] err = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                out[0] = body.get();
            } catch (Throwable e) {
                err[0] = e;
            }
        }, "nsbox-fuzz-host");
        t.start();
        try {
            t.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
        if (t.isAlive()) {
            throw new IllegalStateException("a case did not finish in 60 s");
        }
        if (err[0] != null) {
            throw new IllegalStateException("the case failed: " + err[0], err[0]);
        }
        return out[0];
    }

    private Outcome execute(long seed, Case given) throws Exception {
        Sys sys = Sys.get();
        // The case's host: a mount namespace of this thread alone, copied from the test JVM's
        // private scratch namespace.
        sys.unshare(Flags.CLONE_NEWNS, "unshare(CLONE_NEWNS)");
        String b = base.toString();
        Random r = new Random(seed);
        List<HostSetup> host = new ArrayList<>();
        if (given != null) {
            for (HostSetup h : given.host()) {
                h.apply(sys, b);
                host.add(h);
            }
        } else {
            buildHost(sys, r, host);
        }
        try (FileChannel table = FileChannel.open(Path.of("/proc/thread-self/mountinfo"), StandardOpenOption.READ)) {
            String beforeText = read(table);
            MountTable before = MountTable.parse(beforeText);
            SpecShape shape = given != null ? given.spec() : generateSpec(r, before);
            Case c = new Case(List.copyOf(host), shape);
            return check(seed, c, table, before);
        }
    }

    /**
     * Whether the executor's message reports the predicted refusal at the step that lookup
     * fails in: the executor opens every target with openat2(2) first and mounts on that
     * descriptor (docs/decisions/0024-mountfd-mounts-on-checked-descriptors.md), so an ENOENT
     * predicted for the move_mount comes from that open, and a refused mount("none", ...)
     * propagation change is the same refusal of a mount_setattr(2), at the same spec value.
     */
    private static boolean sameRefusal(String message, OpOutcome step) {
        String errno = step.refused().substring(0, step.refused().indexOf(':'));
        String at = step.op().origin().path();
        return (message.contains(": error: " + step.label() + ": ") || message.contains(": error: " + at + ": "))
                && message.contains("): " + errno + " (");
    }

    private Outcome check(long seed, Case c, FileChannel table, MountTable before) throws Exception {
        String b = base.toString();
        String yaml = c.spec().yaml(b);
        LoadedSpec loaded;
        try {
            loaded = SpecLoader.load(yaml, "fuzz.yaml", base, Map.of());
        } catch (SpecException e) {
            return new Outcome(seed, c, Status.INVALID, List.of(), e.getMessage());
        }
        LiveHost live = new LiveHost(Map.of("PATH", "/usr/bin:/bin"), "/");
        Plan plan = Planner.plan(loaded.spec(), live);
        List<Diagnostic> planErrors = plan.diagnostics().stream().filter(Diagnostic::isError).toList();
        if (!planErrors.isEmpty()) {
            return new Outcome(seed, c, Status.INVALID, List.of(), planErrors.toString());
        }
        Simulation sim = Simulator.simulate(plan, before, kernel, live);
        plan = HostEffectPredictor.predict(plan, before, kernel, live);
        OpOutcome refusedStep = sim.outcomes().stream().filter(s -> s.refused() != null).findFirst()
                .orElse(null);

        List<String> stdout = new ArrayList<>();
        String[] during = new String[1];
        Listener listener = new Listener() {
            @Override
            public void stepStarted(int index, StepLaunch step) {
                // Called on this thread once set-up is done, while the sandbox is alive.
                try {
                    during[0] = read(table);
                } catch (IOException e) {
                    during[0] = null;
                }
            }
        };
        RunResult result = new Sandbox(plan, StepIO.lines(stdout::add, l -> { }), listener,
                Sandbox.Options.defaults()).run();
        MountTable after = MountTable.parse(read(table));

        List<String> mismatches = new ArrayList<>();
        int stepExit = c.spec().hostRoot() ? 0 : 127;
        boolean realRefused = result.exitCode() != stepExit && during[0] == null;
        if (refusedStep != null && !realRefused) {
            mismatches.add("refusal: predicted that the kernel refuses " + refusedStep.op().call() + " ("
                    + refusedStep.refused() + "), but set-up succeeded (exit " + result.exitCode() + ")");
        } else if (refusedStep == null && realRefused) {
            mismatches.add("refusal: predicted that set-up succeeds, but the run failed with exit "
                    + result.exitCode() + ": " + String.join("\n", result.messages()));
        } else if (refusedStep != null && result.messages().stream()
                .noneMatch(m -> m.contains(refusedStep.op().call().replaceAll(" = tree[0-9]+$", ""))
                        || sameRefusal(m, refusedStep))) {
            mismatches.add("refusal: predicted that the kernel refuses " + refusedStep.op().call()
                    + ", but the run failed elsewhere: " + String.join("\n", result.messages()));
        }
        if (refusedStep == null && !realRefused && result.exitCode() != stepExit) {
            mismatches.add("run: exit " + result.exitCode() + " (expected " + stepExit + "): "
                    + String.join("\n", result.messages()));
        }

        MountTable sandboxReal = null;
        if (c.spec().hostRoot() && result.exitCode() == 0 && !stdout.isEmpty()
                && stdout.get(stdout.size() - 1).contains(" - ")) {
            sandboxReal = MountTable.parse(String.join("\n", stdout) + "\n");
        }
        if (during[0] != null && refusedStep == null) {
            MountTable duringTable = MountTable.parse(during[0]);
            Canon canon = new Canon(before, sandboxReal == null
                    ? List.of(duringTable) : List.of(duringTable, sandboxReal));
            Canon predicted = new Canon(before, sandboxReal == null
                    ? List.of(sim.hostAfter()) : List.of(sim.hostAfter(), sim.sandboxAfter()));
            diff("host table while the sandbox runs", predicted.lines(sim.hostAfter(), 0),
                    canon.lines(duringTable, 0), mismatches);
            if (sandboxReal != null) {
                diff("sandbox table", predicted.lines(sim.sandboxAfter(), 1), canon.lines(sandboxReal, 1), mismatches);
            }
        }

        Set<Integer> groups = sandboxReal != null ? MountTableDiff.peerGroups(sandboxReal)
                : MountTableDiff.peerGroups(before);
        MountTableDiff judged = MountTableDiff.compare(before, after, plan.hostEffects(), groups);
        int predictedSeen = 0;
        for (MountTableDiff.Difference d : judged.differences()) {
            if (d.verdict() == MountTableDiff.Verdict.PREDICTED) {
                // A mount tucked under a predicted one is part of that effect, not one more.
                predictedSeen += d.kind() == MountTableDiff.Kind.CHANGED ? 0 : 1;
            } else {
                mismatches.add("after the run: " + d.verdict() + ": " + d.describe());
            }
        }
        int transientEffects = transientHostEffects(sim);
        if (predictedSeen != plan.hostEffects().size() - transientEffects) {
            List<String> effects = plan.hostEffects().stream().map(e -> e.describe()).toList();
            mismatches.add("after the run: " + plan.hostEffects().size() + " host effects predicted, "
                    + predictedSeen + " seen: " + effects + "; differences: " + judged.report());
        }
        String detail = "plan:\n  " + String.join("\n  ", plan.ops().stream().map(o -> o.call()).toList())
                + "\npredicted host effects: " + plan.hostEffects().stream().map(e -> e.describe()).toList()
                + "\nrun: exit " + result.exitCode() + " " + result.messages();
        return new Outcome(seed, c, mismatches.isEmpty() ? Status.OK : Status.MISMATCH, mismatches, detail);
    }

    /**
     * Predicted host effects that set-up itself undoes: a copy propagated into the host (its
     * mount event) that a later operation of the plan unmounts there again (its umount event,
     * for the same mount), as pivot_root's umount2(".", MNT_DETACH) does when the copy's parent
     * is a peer of a mount of the old root (fs/pnode.c propagate_umount). Both are real, and the
     * plan rightly names them, but the host's table after the run cannot show them; the table
     * while the sandbox runs is compared on its own.
     */
    private static int transientHostEffects(Simulation sim) {
        Set<Integer> mounted = new HashSet<>();
        Set<Integer> unmounted = new HashSet<>();
        List<Integer> all = new ArrayList<>();
        for (OpOutcome st : sim.outcomes()) {
            for (var e : st.events()) {
                boolean elsewhere = e.namespace() != sim.sandbox() && !e.namespace().anonymous();
                boolean inHostItself = !sim.ownNamespace() && e.namespace() == sim.host();
                if (e.kind() == MountEvent.Kind.PIVOT_ROOT || !(elsewhere || inHostItself)) {
                    continue;
                }
                (e.kind() == MountEvent.Kind.MOUNT ? mounted : unmounted).add(e.mountId());
                all.add(e.mountId());
            }
        }
        mounted.retainAll(unmounted);
        return (int) all.stream().filter(mounted::contains).count();
    }

    private static void diff(String what, List<String> expected, List<String> actual, List<String> out) {
        if (expected.equals(actual)) {
            return;
        }
        Set<String> e = new TreeSet<>(expected);
        Set<String> a = new TreeSet<>(actual);
        StringBuilder sb = new StringBuilder(what + ": predicted (-) vs kernel (+)");
        for (String l : e) {
            if (!a.contains(l)) {
                sb.append("\n    - ").append(l);
            }
        }
        for (String l : a) {
            if (!e.contains(l)) {
                sb.append("\n    + ").append(l);
            }
        }
        out.add(sb.toString());
    }

    private static String read(FileChannel ch) throws IOException {
        ch.position(0);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        StringBuilder sb = new StringBuilder();
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n <= 0) {
                break;
            }
            sb.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /**
     * Canonical lines of mount tables: each mount named by its mount point and its position in
     * a stack of mounts on the same place ({@code /x^1} sits on {@code /x}); peer groups that
     * existed before keep their numbers, new ones (numbered differently by kernel and model) are
     * named by their first member over every table given.
     */
    static final class Canon {
        private final Set<Integer> old = new HashSet<>();
        private final Map<Integer, String> names = new HashMap<>();
        private final String base;

        Canon(MountTable before, List<MountTable> all) {
            this(before, all, null);
        }

        Canon(MountTable before, List<MountTable> all, String base) {
            this.base = base;
            for (MountInfo m : before.mounts()) {
                old.add(m.sharedGroup());
                old.add(m.masterGroup());
            }
            for (int i = 0; i < all.size(); i++) {
                MountTable t = all.get(i);
                for (MountInfo m : t.mounts()) {
                    int g = m.sharedGroup();
                    if (g != 0 && !old.contains(g)) {
                        String key = (i == 0 ? "host:" : "sandbox:") + ident(t, m);
                        names.merge(g, key, (x, y) -> x.compareTo(y) <= 0 ? x : y);
                    }
                }
            }
        }

        List<String> lines(MountTable t, int which) {
            List<String> out = new ArrayList<>();
            for (MountInfo m : t.mounts()) {
                // The root's parent lies outside the table (the kernel) or is itself (the model).
                String parent = m.parentId() == m.id() ? "-" : t.byId(m.parentId()).map(p -> ident(t, p)).orElse("-");
                String prop = "";
                if (m.sharedGroup() != 0) {
                    prop += " shared:" + name(m.sharedGroup());
                }
                if (m.masterGroup() != 0) {
                    prop += " master:" + (names.containsKey(m.masterGroup()) || old.contains(m.masterGroup())
                            ? name(m.masterGroup()) : "(a group with no member here)");
                }
                if (m.unbindable()) {
                    prop += " unbindable";
                }
                out.add(ident(t, m) + " on " + parent + " " + m.fsType() + " " + m.source() + " root=" + m.root()
                        + (prop.isEmpty() ? " private" : prop));
            }
            out.sort(null);
            return out;
        }

        private String name(int g) {
            String n = names.get(g);
            return n != null ? "{" + n + "}" : String.valueOf(g);
        }

        private String ident(MountTable t, MountInfo m) {
            int depth = 0;
            MountInfo cur = m;
            while (true) {
                MountInfo p = t.byId(cur.parentId()).orElse(null);
                if (p == null || p == cur || !p.mountPoint().equals(m.mountPoint())) {
                    break;
                }
                depth++;
                cur = p;
            }
            String path = base == null ? m.mountPoint() : m.mountPoint().replace(base, "$B");
            return depth == 0 ? path : path + "^" + depth;
        }
    }

    // -------------------------------------------------------------------------------------------
    // Generating

    private static final List<String> OUTSIDE = List.of("/mnt", "/tmp", "/proc", "/srv", "/opt");

    private void buildHost(Sys sys, Random r, List<HostSetup> host) throws IOException {
        String b = base.toString();
        if (r.nextInt(10) < 6) {
            add(sys, HostSetup.rshareRoot(), host);
        }
        add(sys, HostSetup.tmpfs("$B"), host);
        int n = 1 + r.nextInt(9);
        for (int i = 0; i < n; i++) {
            List<String> dirs = dirs(b);
            List<String> points = mountPoints(b);
            if (points.size() > 120) {
                break;
            }
            if (dirs.isEmpty() || points.isEmpty()) {
                break;
            }
            int k = r.nextInt(100);
            HostSetup op;
            if (k < 25) {
                op = HostSetup.tmpfs(pick(r, r.nextInt(5) == 0 ? points : dirs));
            } else if (k < 55) {
                op = HostSetup.bind(pick(r, dirs), pick(r, r.nextInt(5) == 0 ? points : dirs), r.nextBoolean());
            } else if (k < 93) {
                op = HostSetup.make(pick(r, points), HostSetup.randomType(r), r.nextInt(3) == 0);
            } else {
                List<String> below = points.stream().filter(p -> !p.equals("$B")).toList();
                if (below.isEmpty()) {
                    continue;
                }
                op = HostSetup.umount(pick(r, below));
            }
            add(sys, op, host);
        }
    }

    private void add(Sys sys, HostSetup op, List<HostSetup> host) {
        if (op.apply(sys, base.toString())) {
            host.add(op);
        }
    }

    private SpecShape generateSpec(Random r, MountTable before) throws IOException {
        String b = base.toString();
        List<String> dirs = dirs(b);
        List<String> files = files(b);
        List<String> points = mountPoints(b);
        List<String> outside = OUTSIDE.stream().filter(p -> Files.isDirectory(Path.of(p))).toList();
        String[] tree = {"unchanged", "unchanged", "unchanged", "rprivate", "private", "rslave", "slave", "rshared",
            "shared", "runbindable", "unbindable"};
        String[] each = {"shared", "rshared", "private", "rprivate", "slave", "rslave", "unbindable", "runbindable"};
        String rootType = r.nextInt(7) == 0 ? "tmpfs" : "host";
        boolean pid = r.nextBoolean();
        List<SpecShape.MountShape> mounts = new ArrayList<>();
        int n = dirs.isEmpty() || points.isEmpty() ? 0 : r.nextInt(5);
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(100);
            String target = r.nextInt(8) == 0 && !outside.isEmpty() ? pick(r, outside) : pick(r, dirs);
            if (k < 40) {
                boolean file = r.nextInt(8) == 0 && !files.isEmpty();
                String source = file ? pick(r, files) : r.nextInt(15) == 0 ? "/" : pick(r, dirs);
                if (file) {
                    target = pick(r, files);
                }
                mounts.add(new SpecShape.MountShape("bind", source, target, r.nextBoolean() ? null : r.nextBoolean(),
                        r.nextInt(4) == 0 ? true : null, r.nextInt(5) < 2 ? each[r.nextInt(each.length)] : null));
            } else if (k < 58) {
                if (target.equals("/proc")) {
                    target = pick(r, dirs);
                }
                mounts.add(new SpecShape.MountShape("tmpfs", null, target, null, null, null));
            } else if (k < 68) {
                if (target.equals("/proc")) {
                    target = pick(r, dirs);
                }
                mounts.add(new SpecShape.MountShape("hide", null, r.nextInt(5) == 0 && !files.isEmpty() ? pick(r, files) : target, null,
                        null, null));
            } else if (k < 78) {
                pid = true;
                String p = r.nextInt(3) == 0 ? "/proc" : pick(r, dirs);
                mounts.add(new SpecShape.MountShape("proc", null, p, null, null, null));
            } else {
                String t = r.nextInt(6) == 0 ? pick(r, dirs) : r.nextInt(10) == 0 ? "/" : pick(r, points);
                mounts.add(new SpecShape.MountShape("remount", null, t, r.nextBoolean() ? null : r.nextBoolean(),
                        r.nextInt(4) == 0 ? true : null, each[r.nextInt(each.length)]));
            }
        }
        return new SpecShape(tree[r.nextInt(tree.length)], pid, rootType, rootType.equals("host") && r.nextInt(4) == 0,
                mounts);
    }

    private static String pick(Random r, List<String> from) {
        return from.get(r.nextInt(from.size()));
    }

    /** Directories at most three levels under the base, as {@code $B/...}. */
    private static List<String> dirs(String b) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(b), 3)) {
            return s.filter(Files::isDirectory).map(p -> "$B" + p.toString().substring(b.length())).sorted().toList();
        }
    }

    private static List<String> files(String b) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(b), 3)) {
            return s.filter(Files::isRegularFile).map(p -> "$B" + p.toString().substring(b.length())).sorted()
                    .toList();
        }
    }

    /** Mount points at or under the base, as this thread's namespace shows them. */
    private static List<String> mountPoints(String b) throws IOException {
        MountTable t = MountTable.parse(Files.readString(Path.of("/proc/thread-self/mountinfo")));
        Set<String> out = new TreeSet<>();
        for (MountInfo m : t.mounts()) {
            if (MountTable.isPrefix(b, m.mountPoint())) {
                out.add("$B" + m.mountPoint().substring(b.length()));
            }
        }
        return List.copyOf(out);
    }

    // -------------------------------------------------------------------------------------------
    // Shrinking and reporting

    /**
     * A smaller case that still mismatches: drops host set-up steps and spec mounts one at a
     * time, and tries the tree propagation {@code unchanged}, keeping each change that still
     * fails.
     */
    Outcome shrink(Outcome failing) {
        Outcome best = failing;
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = best.theCase().host().size() - 1; i >= 0; i--) {
                List<HostSetup> h = new ArrayList<>(best.theCase().host());
                h.remove(i);
                Outcome o = replay(best.seed(), new Case(h, best.theCase().spec()));
                if (o.mismatch()) {
                    best = o;
                    progress = true;
                }
            }
            for (int i = best.theCase().spec().mounts().size() - 1; i >= 0; i--) {
                List<SpecShape.MountShape> m = new ArrayList<>(best.theCase().spec().mounts());
                m.remove(i);
                Outcome o = replay(best.seed(), new Case(best.theCase().host(), best.theCase().spec().withMounts(m)));
                if (o.mismatch()) {
                    best = o;
                    progress = true;
                }
            }
        }
        return best;
    }

    /** The seed, the host set-up as shell commands, the spec, and what differed. */
    String report(Outcome o) {
        String b = base.toString();
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(o.seed()).append(": ").append(o.status()).append('\n');
        sb.append("host set-up (in a scratch namespace: unshare --mount --propagation private sh -c '...'; B=")
                .append(b).append("):\n");
        for (HostSetup h : o.theCase().host()) {
            sb.append("  ").append(h.shell()).append('\n');
        }
        sb.append("spec:\n").append(o.theCase().spec().yaml("$B").indent(2));
        for (String m : o.mismatches()) {
            sb.append("MISMATCH ").append(m.replace(b, "$B")).append('\n');
        }
        sb.append(o.detail() == null ? "" : o.detail().replace(b, "$B")).append('\n');
        return sb.toString();
    }
}
