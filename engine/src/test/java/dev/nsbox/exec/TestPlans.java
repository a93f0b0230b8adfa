package dev.nsbox.exec;

import dev.nsbox.plan.Expectation;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.Root;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.UserMapping;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Plans built by hand, as the planner would emit them, for the executor's tests. */
final class TestPlans {

    static final String FILE = "test.yaml";
    static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C");
    static final long PROC_FLAGS = Flags.MS_NOSUID | Flags.MS_NODEV | Flags.MS_NOEXEC;
    static final String PIDNS = "pidns=/proc/thread-self/ns/pid_for_children";

    private final List<Op> ops = new ArrayList<>();
    private final List<Expectation> expectations = new ArrayList<>();
    private final List<StepLaunch> steps = new ArrayList<>();
    private final boolean pid;
    private boolean noNewPrivs = true;
    private boolean dropCapabilities;
    private dev.nsbox.cgroups.Limits limits = dev.nsbox.cgroups.Limits.NONE;
    private Long memory;
    private int line = 1;

    private TestPlans(boolean pid) {
        this.pid = pid;
    }

    static Origin at(int line, String path) {
        return new Origin(FILE, line, 5, path);
    }

    /** unshare(flags), the supervisor, then mount --make-rprivate /. */
    static TestPlans sandbox(int cloneFlags) {
        TestPlans p = new TestPlans((cloneFlags & Flags.CLONE_NEWPID) != 0);
        p.ops.add(new Op.Unshare(cloneFlags, at(2, "namespaces")));
        p.ops.add(new Op.SpawnInit(p.pid, at(2, "namespaces")));
        p.ops.add(new Op.SetPropagation("/", Flags.MS_REC | Flags.MS_PRIVATE, at(3, "propagation")));
        return p;
    }

    static TestPlans allNamespaces() {
        return sandbox(Flags.CLONE_NEWNS | Flags.CLONE_NEWPID | Flags.CLONE_NEWUTS | Flags.CLONE_NEWIPC
                | Flags.CLONE_NEWNET);
    }

    TestPlans op(Op op) {
        ops.add(op);
        return this;
    }

    TestPlans proc(String target, int mountIndex) {
        ops.add(new Op.Mount("proc", target, "proc", PROC_FLAGS, PIDNS, at(10 + mountIndex, "mounts[" + mountIndex + "]")));
        return this;
    }

    TestPlans expect(Expectation e) {
        expectations.add(e);
        return this;
    }

    TestPlans dropCapabilities(boolean on) {
        dropCapabilities = on;
        return this;
    }

    TestPlans noNewPrivs(boolean on) {
        noNewPrivs = on;
        return this;
    }

    TestPlans run(String... argv) {
        return step(null, null, argv);
    }

    TestPlans shell(String script) {
        return step(null, null, "/bin/sh", "-c", script);
    }

    TestPlans shell(String script, Duration timeout) {
        return step(timeout, null, "/bin/sh", "-c", script);
    }

    TestPlans step(Duration timeout, String cwd, String... argv) {
        int i = steps.size();
        steps.add(new StepLaunch("step-" + (i + 1), List.of(argv), ENV, cwd == null ? "/" : cwd, timeout,
                at(30 + i, "steps[" + i + "]")));
        return this;
    }

    /** A memory limit for the sandbox's cgroup, written at line 20 of the spec as {@code limits.memory}. */
    TestPlans memory(long bytes) {
        limits = limits.withMemory(bytes);
        memory = bytes;
        return this;
    }

    Plan build() {
        Origin o = Origin.synthetic(FILE);
        Spec spec = new Spec(FILE, "/", 1, "test", null, EnumSet.noneOf(dev.nsbox.spec.Namespace.class),
                UserMapping.ROOT, null, Propagation.RPRIVATE, HostEffectsPolicy.DENY, Root.host(o), List.of(),
                ProcessSpec.defaults(o), memory == null ? dev.nsbox.spec.LimitsSpec.none(o)
                        : new dev.nsbox.spec.LimitsSpec(memory, null, null, null, null,
                                new Origins(at(19, "limits"), java.util.Map.of("memory", at(20, "limits.memory")))),
                List.of(), Origins.of(o));
        return new Plan(spec, List.of(), ops, expectations, new Plan.Launch(pid, noNewPrivs, confinement(), steps),
                null, List.of());
    }

    /**
     * The executor's tests exercise set-up, not confinement: unless told to drop them, their steps
     * keep the capabilities this JVM has and run without a filter, as the executor did before
     * secure defaults existed.
     */
    private dev.nsbox.plan.Confinement confinement() {
        java.util.Set<dev.nsbox.spec.Capability> caps = dropCapabilities ? java.util.Set.of()
                : dev.nsbox.spec.Capability.fromMask(ownEffectiveCapabilities());
        return new dev.nsbox.plan.Confinement(caps, java.util.Optional.empty(), limits);
    }

    private static long ownEffectiveCapabilities() {
        return dev.nsbox.host.HostConfinement.ownCapabilitySet("CapEff")
                .orElseThrow(() -> new IllegalStateException("/proc/self/status has no readable CapEff line"));
    }
}
