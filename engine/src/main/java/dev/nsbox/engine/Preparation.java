package dev.nsbox.engine;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.yaml.LoadedSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a front end needs to show a spec's plan, or to decide whether it may run: the plan
 * with its predicted host effects, the host's mount table it was predicted against, every
 * diagnostic, and what a user namespace cannot do for it on this machine. Made by
 * {@link NsboxEngine#prepare}.
 *
 * <p>Immutable.
 *
 * @param plan        the plan with its predicted host effects
 * @param hostTable   the host's mount table the prediction was made against
 * @param diagnostics every warning and error, spec first, then plan, then host effects
 * @param refused     whether a predicted host effect is refused by the spec's policy
 * @param limits      what this machine cannot do for this plan (errors with their fix): what a
 *                    user namespace cannot do for it, a cgroup its limits need that the caller
 *                    may not make, a capability it keeps that the caller does not hold; empty
 *                    when the machine allows all it needs, or when {@code diagnostics} has an
 *                    error already
 */
public record Preparation(Plan plan, MountTable hostTable, List<Diagnostic> diagnostics, boolean refused,
                          List<Diagnostic> limits) {

    public Preparation {
        diagnostics = List.copyOf(diagnostics);
        limits = List.copyOf(limits);
    }

    /** Whether anything refuses the plan: a spec error, a refused call, or a denied host effect. */
    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    /**
     * The exit code {@code run} stops with before it applies anything (docs/spec-reference.md,
     * "Exit codes"): {@link ExitCode#INVALID_SPEC} for a refused host effect;
     * {@link ExitCode#SETUP_FAILED} for a plan that cannot be set up on this host (a missing mount
     * point or bind source, a call the kernel will refuse, a working directory the sandbox lacks);
     * {@link ExitCode#UNSUPPORTED} for a {@link #limits limit} of this machine; {@link ExitCode#OK}
     * when nothing stands in the way.
     */
    public ExitCode runExitCode() {
        if (refused) {
            return ExitCode.INVALID_SPEC;
        }
        if (hasErrors()) {
            return ExitCode.SETUP_FAILED;
        }
        return limits.isEmpty() ? ExitCode.OK : ExitCode.UNSUPPORTED;
    }

    /**
     * The exit code of a command that shows the plan rather than runs it ({@code nsbox plan}):
     * {@link ExitCode#INVALID_SPEC} for any error, {@link ExitCode#UNSUPPORTED} for a limit of this
     * machine, otherwise {@link ExitCode#OK}.
     */
    public ExitCode showExitCode() {
        if (hasErrors()) {
            return ExitCode.INVALID_SPEC;
        }
        return limits.isEmpty() ? ExitCode.OK : ExitCode.UNSUPPORTED;
    }

    /**
     * Plans a loaded spec against {@code host} and predicts its host effects against
     * {@code hostTable}; pure, with the rootless limits already known.
     *
     * @param command replaces the spec's steps when not null
     * @param limits  what this machine cannot do for the plan, asked for only when it has no error
     */
    static Preparation of(LoadedSpec loaded, List<String> command, HostView host, MountTable hostTable,
                          java.util.function.Function<Plan, List<Diagnostic>> limits) {
        Plan plan = Planner.plan(loaded.spec(), host, command);
        plan = HostEffectPredictor.predict(plan, hostTable, host);
        return of(loaded.warnings(), plan, hostTable, limits);
    }

    /**
     * A preparation of a plan already predicted against {@code hostTable}, with the warnings of
     * the spec it came from: what {@link #of(LoadedSpec, List, HostView, MountTable,
     * java.util.function.Function)} makes after planning, and the plan cache after a hit.
     */
    static Preparation of(List<Diagnostic> warnings, Plan plan, MountTable hostTable,
                          java.util.function.Function<Plan, List<Diagnostic>> limits) {
        List<Diagnostic> all = new ArrayList<>(warnings);
        all.addAll(plan.diagnostics());
        List<Diagnostic> policy = policy(plan);
        all.addAll(policy);
        boolean errors = all.stream().anyMatch(Diagnostic::isError);
        return new Preparation(plan, hostTable, all, policy.stream().anyMatch(Diagnostic::isError),
                errors ? List.of() : limits.apply(plan));
    }

    /**
     * The spec's {@code hostEffects} policy applied to the predicted effects: with {@code deny}
     * (the default) each effect is an error at the spec value that causes it; with {@code allow},
     * a warning.
     */
    static List<Diagnostic> policy(Plan plan) {
        List<Diagnostic> out = new ArrayList<>();
        if (plan.hostEffects() == null) {
            return out;
        }
        boolean deny = plan.spec().hostEffects() == HostEffectsPolicy.DENY;
        for (HostEffect e : plan.hostEffects()) {
            Origin o = e.origin();
            if (deny) {
                out.add(Diagnostic.error(o, "host effect refused: " + e.describe()
                        + "; make the tree private first (propagation: rprivate), or say hostEffects: allow"));
            } else {
                out.add(Diagnostic.warning(o, "host effect (allowed): " + e.describe()));
            }
        }
        return out;
    }
}
