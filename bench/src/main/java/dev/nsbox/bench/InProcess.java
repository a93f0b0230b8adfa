package dev.nsbox.bench;

import dev.nsbox.exec.Listener;
import dev.nsbox.exec.Sandbox;
import dev.nsbox.exec.Sandboxes;
import dev.nsbox.exec.StepIO;
import dev.nsbox.host.LiveHost;
import dev.nsbox.host.Preparation;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Path;
import java.util.Map;

/**
 * nsbox from a warm JVM, through the engine's API as the CLI and the Maven plugin use it: load
 * the spec, plan it against the live host, predict its host effects against the live mount
 * table (what {@code Preparation.prepare} does), then {@code Sandboxes.forCaller().run(plan, ...)}.
 */
final class InProcess {

    private InProcess() {
    }

    /** Load, plan and predict {@code spec} against this machine, as {@code nsbox run} does. */
    static Plan prepare(Path spec) throws Exception {
        LoadedSpec loaded = SpecLoader.load(spec, spec.toString(), Variables.forCli(spec, Map.of()));
        Plan plan = Planner.plan(loaded.spec(), LiveHost.current());
        plan = HostEffectPredictor.predict(plan, Preparation.liveMountTable());
        for (Diagnostic d : plan.diagnostics()) {
            if (d.isError()) {
                throw new SpecException(d);
            }
        }
        if (plan.hostEffects() != null && !plan.hostEffects().isEmpty()) {
            throw new IllegalStateException(spec + ": predicted host effects " + plan.hostEffects());
        }
        return plan;
    }

    /**
     * Applies {@code plan} and runs its steps, the way front ends do ({@code Sandboxes.forCaller()}:
     * in this JVM as root, in a helper JVM inside a user namespace for an ordinary user); the
     * steps share this JVM's standard streams.
     */
    static int run(Plan plan) {
        var result = Sandboxes.forCaller().run(plan, StepIO.inherit(), Listener.NONE, Sandbox.Options.defaults());
        if (result.exitCode() != 0) {
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
        LoadedSpec loaded = SpecLoader.load(spec, spec.toString(), Variables.forCli(spec, Map.of()));
        long t1 = System.nanoTime();
        Plan plan = Planner.plan(loaded.spec(), LiveHost.current());
        long t2 = System.nanoTime();
        var table = Preparation.liveMountTable();
        long t3 = System.nanoTime();
        plan = HostEffectPredictor.predict(plan, table);
        long t4 = System.nanoTime();
        int code = run(plan);
        long t5 = System.nanoTime();
        return code != 0 ? null : new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6,
            (t5 - t4) / 1e6};
    }

    static int prepareAndRun(Path spec) throws Exception {
        return run(prepare(spec));
    }
}
