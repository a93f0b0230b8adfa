package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Spec;

import java.util.List;

/**
 * Everything {@code run} will do, decided in advance: the ordered operations, what the mount
 * table must look like afterwards, the steps, and the predicted host effects.
 *
 * <p>Immutable. Made by {@link Planner} without any I/O; the executor is the only consumer that
 * touches the kernel.
 *
 * @param notes        decisions the engine made that the spec did not spell out
 *                     ("adds a user namespace: the caller lacks CAP_SYS_ADMIN")
 * @param ops          the operations, in order
 * @param expectations checks of the finished mount table
 * @param hostEffects  predicted host effects; {@code null} when no prediction was made (no
 *                     host mount table was given), an empty list when there are none
 * @param diagnostics  warnings (and, for refused operations, errors) found while planning
 */
public record Plan(
        Spec spec,
        List<String> notes,
        List<Op> ops,
        List<Expectation> expectations,
        Launch launch,
        List<HostEffect> hostEffects,
        List<Diagnostic> diagnostics) {

    public Plan {
        notes = List.copyOf(notes);
        ops = List.copyOf(ops);
        expectations = List.copyOf(expectations);
        hostEffects = hostEffects == null ? null : List.copyOf(hostEffects);
        diagnostics = List.copyOf(diagnostics);
    }

    public Plan withHostEffects(List<HostEffect> effects, List<Diagnostic> more) {
        List<Diagnostic> all = new java.util.ArrayList<>(diagnostics);
        all.addAll(more);
        return new Plan(spec, notes, ops, expectations, launch, effects, all);
    }

    public Plan withExpectations(List<Expectation> replaced) {
        return new Plan(spec, notes, ops, replaced, launch, hostEffects, diagnostics);
    }

    /**
     * This plan with one step that runs {@code command} instead of its steps, planned as
     * {@link Planner} plans a command for a caller with {@code environment} and working
     * directory {@code cwd} (a test fork's, handed to a warm engine). The mounts are this plan's.
     */
    public Plan withCommand(List<String> command, java.util.Map<String, String> environment, String cwd) {
        return withSteps(environment, cwd, command);
    }

    /**
     * This plan with its steps planned again, by the rule {@link Planner} plans them with, for a
     * caller with {@code environment} and working directory {@code cwd}: the spec's steps, or one
     * step that runs {@code command} when it is not null. Each step's environment is the
     * caller's (or the variables the spec keeps of it), then the spec's, then the step's; so the
     * plan cache stores a plan without its steps, and plans them again from the live
     * environment when it serves the plan.
     */
    public Plan withSteps(java.util.Map<String, String> environment, String cwd, List<String> command) {
        Launch l = new Launch(launch.pidNamespace(), launch.noNewPrivileges(), launch.confinement(),
                StepPlanner.steps(spec, environment, cwd, command));
        return new Plan(spec, notes, ops, expectations, l, hostEffects, diagnostics);
    }

    /**
     * How the steps are started.
     *
     * @param pidNamespace    the supervisor is PID 1 of a new PID namespace
     * @param noNewPrivileges  {@code PR_SET_NO_NEW_PRIVS} before every exec
     * @param confinement      capabilities, system-call filter and limits of every step
     * @param steps            in order; the first failing one stops the run
     */
    public record Launch(boolean pidNamespace, boolean noNewPrivileges, Confinement confinement,
                         List<StepLaunch> steps) {
        public Launch {
            steps = List.copyOf(steps);
        }
    }
}
