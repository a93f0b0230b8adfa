package dev.nsbox.plan;

import dev.nsbox.spec.EnvSpec;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.Root;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.UserMapping;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Hand-built specs for planner tests, independent of the YAML parser. */
final class TestSpecs {

    static final String FILE = "t.yaml";

    private final Set<Namespace> namespaces = EnumSet.of(Namespace.MOUNT);
    private final List<MountSpec> mounts = new ArrayList<>();
    private Propagation propagation = Propagation.RPRIVATE;
    private Root root = Root.host(origin(1, ""));
    private String hostname;
    private ProcessSpec process = ProcessSpec.defaults(origin(1, "process"));
    private final List<Step> steps = new ArrayList<>();

    static Origin origin(int line, String path) {
        return new Origin(FILE, line, 3, path);
    }

    TestSpecs ns(Namespace... ns) {
        namespaces.addAll(List.of(ns));
        return this;
    }

    TestSpecs propagation(Propagation p) {
        propagation = p;
        return this;
    }

    TestSpecs hostname(String h) {
        hostname = h;
        namespaces.add(Namespace.UTS);
        return this;
    }

    TestSpecs root(RootType type, boolean readOnly, String path) {
        root = new Root(type, readOnly, path, Origins.of(origin(2, "root")));
        return this;
    }

    TestSpecs env(boolean clear, List<String> keep, Map<String, String> set) {
        process = new ProcessSpec(null, new EnvSpec(clear, keep, set, Origins.of(origin(3, "process.env"))), null,
                true, java.util.Set.of(), dev.nsbox.spec.SeccompSpec.defaults(origin(3, "process.seccomp")),
                Origins.of(origin(3, "process")));
        return this;
    }

    TestSpecs step(String name, String... argv) {
        steps.add(new Step(steps.size(), name, List.of(argv), null, null, Map.of(), null,
                Origins.of(origin(30 + steps.size(), "steps[" + steps.size() + "]"))));
        return this;
    }

    TestSpecs bind(String source, String target, boolean readOnly) {
        return mount(MountType.BIND, source, target, readOnly, null, null);
    }

    TestSpecs mount(MountType type, String target) {
        return mount(type, null, target, null, null, null);
    }

    TestSpecs mount(MountType type, String source, String target, Boolean readOnly, Boolean recursive,
                    Propagation prop) {
        int i = mounts.size();
        mounts.add(new MountSpec(i, type, source, target, readOnly, recursive, prop, false, null, null, null, null,
                List.of(), null, null, null, null, Origins.of(origin(10 + i, "mounts[" + i + "]"))));
        return this;
    }

    TestSpecs add(MountSpec m) {
        mounts.add(m);
        return this;
    }

    int nextIndex() {
        return mounts.size();
    }

    Spec build() {
        return new Spec(FILE, "/work/project", 1, "t", null, namespaces, UserMapping.ROOT, hostname, propagation,
                HostEffectsPolicy.DENY, root, mounts, process,
                dev.nsbox.spec.LimitsSpec.none(origin(1, "limits")), steps, Origins.of(origin(1, "")));
    }
}
