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
 * Measurement 4, each size on its own: {@link EngineBenchmark#all()} with few mounts or a small
 * table, so that the report can say which of the two makes the engine's work grow.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EngineSizesBenchmark {

    @Param({"10", "1000"})
    public int mounts;

    @Param({"50", "5000"})
    public int tableEntries;

    private String specText;
    private String tableText;
    private HostView host;

    @Setup
    public void setUp() {
        specText = EngineInputs.spec(mounts);
        tableText = EngineInputs.mountinfo(tableEntries);
        host = EngineInputs.host();
    }

    @Benchmark
    public Plan all() throws SpecException {
        MountTable t = MountTable.parse(tableText);
        LoadedSpec l = SpecLoader.load(specText, "bench-engine.yaml", Path.of("/bench"), Map.of());
        return HostEffectPredictor.predict(Planner.plan(l.spec(), host), t);
    }
}
