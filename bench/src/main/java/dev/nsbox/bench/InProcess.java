package dev.nsbox.bench;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.RunOptions;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.StepIO;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * nsbox from a warm JVM, through the engine's API as the CLI and the Maven plugin use it:
 * {@link NsboxEngine#prepare} (load the spec, plan it against the live host, predict its host
 * effects against the live mount table), then {@link NsboxEngine#run}. Only
 * {@link #timedStages} calls the stages one by one, to time each.
 */
final class InProcess {

    private InProcess() {
    }

    /** Load, plan and predict {@code spec} against this machine, as {@code nsbox run} does. */
    static Preparation prepare(Path spec) throws Exception {
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                Overrides.NONE, NsboxEngine.host());
        Plan plan = p.plan();
        if (plan.hostEffects() != null && !plan.hostEffects().isEmpty()) {
            throw new IllegalStateException(spec + ": predicted host effects " + plan.hostEffects());
        }
        if (p.hasErrors()) {
            throw new SpecException(p.errors().get(0));
        }
        return p;
    }

    /**
     * Applies a prepared plan and runs its steps, the way front ends do ({@link NsboxEngine#run}:
     * in this JVM as root, in a helper JVM inside a user namespace for an ordinary user); the
     * steps share this JVM's standard streams.
     */
    static int run(Preparation prepared) {
        var result = NsboxEngine.run(prepared, StepIO.inherit(), Listener.NONE, RunOptions.defaults());
        if (result.exitCode() != ExitCode.OK.code()) {
            result.messages().forEach(System.err::println);
        }
        return result.exitCode();
    }

    /**
     * One run of {@code spec} with each stage timed: load, plan, read the host's mount table,
     * predict, run; in milliseconds, or null when the run did not exit 0.
     */
    static double[] timedStages(Path spec) throws Exception {
        long t0 = System.nanoTime();
        LoadedSpec loaded = NsboxEngine.load(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())));
        long t1 = System.nanoTime();
        Plan plan = Planner.plan(loaded.spec(), NsboxEngine.host());
        long t2 = System.nanoTime();
        var table = NsboxEngine.mountTable();
        long t3 = System.nanoTime();
        plan = HostEffectPredictor.predict(plan, table);
        long t4 = System.nanoTime();
        int code = run(new Preparation(plan, table, plan.diagnostics(), false, List.of()));
        long t5 = System.nanoTime();
        return code != 0 ? null : new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6,
            (t5 - t4) / 1e6};
    }

    static int prepareAndRun(Path spec) throws Exception {
        return run(prepare(spec));
    }

    /**
     * {@link #prepareAndRun} without the warm engine's reuse of a preparation (docs/decisions/0032):
     * a spec override that is not the identity is never kept, so every call loads, plans and predicts.
     */
    static int prepareAfreshAndRun(Path spec) throws Exception {
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                new Overrides(s -> s, null), NsboxEngine.host());
        if (p.hasErrors()) {
            throw new SpecException(p.errors().get(0));
        }
        return run(p);
    }
}
