package dev.nsbox.bench;

import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measurement 4: the engine's own work on a large spec, no kernel involved. {@code all} is what
 * the target is about (parse the host's mount table, parse and validate the spec, plan it,
 * predict its host effects); the others split it into its stages.
 *
 * <p>SampleTime: JMH times single invocations, so the report can give min, median and max.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EngineBenchmark {

    @Param("1000")
    public int mounts;

    @Param("5000")
    public int tableEntries;

    private String specText;
    private String tableText;
    private HostView host;
    private LoadedSpec loaded;
    private Plan plan;
    private MountTable table;

    @Setup
    public void setUp() throws SpecException {
        specText = EngineInputs.spec(mounts);
        tableText = EngineInputs.mountinfo(tableEntries);
        host = EngineInputs.host();
        loaded = load(specText);
        plan = Planner.plan(loaded.spec(), host);
        table = MountTable.parse(tableText);
        if (table.mounts().size() != tableEntries) {
            throw new IllegalStateException("mount table has " + table.mounts().size() + " entries");
        }
        Plan predicted = HostEffectPredictor.predict(plan, table);
        if (predicted.diagnostics().stream().anyMatch(d -> d.isError())) {
            throw new IllegalStateException("the plan is refused: " + predicted.diagnostics());
        }
    }

    private static LoadedSpec load(String text) throws SpecException {
        return SpecLoader.load(text, "bench-engine.yaml", Path.of("/bench"), Map.of());
    }

    @Benchmark
    public Plan all() throws SpecException {
        MountTable t = MountTable.parse(tableText);
        LoadedSpec l = load(specText);
        return HostEffectPredictor.predict(Planner.plan(l.spec(), host), t);
    }

    @Benchmark
    public MountTable parseMountTable() {
        return MountTable.parse(tableText);
    }

    @Benchmark
    public LoadedSpec parseAndValidateSpec() throws SpecException {
        return load(specText);
    }

    @Benchmark
    public Plan plan() {
        return Planner.plan(loaded.spec(), host);
    }

    @Benchmark
    public Plan predict() {
        return HostEffectPredictor.predict(plan, table);
    }
}
