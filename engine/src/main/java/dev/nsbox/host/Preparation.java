package dev.nsbox.host;

import dev.nsbox.exec.ExitCodes;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.Planner;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The way every front end (the CLI's {@code plan}, {@code explain} and {@code run}, the Maven
 * plugin) turns a spec file into a plan it may apply: load and check the spec, plan it against
 * the live host, predict its host effects against the live mount table, and apply the spec's
 * {@code hostEffects} policy.
 *
 * <p>Immutable result. Reads the spec file, the host's file kinds and
 * {@code /proc/self/mountinfo}; changes nothing.
 *
 * @param plan        the plan with its predicted host effects
 * @param hostTable   the host's mount table the prediction was made against
 * @param diagnostics every warning and error, spec first, then plan, then host effects
 * @param refused     whether a predicted host effect is refused by the spec's policy
 */
public record Preparation(Plan plan, MountTable hostTable, List<Diagnostic> diagnostics, boolean refused) {

    public Preparation {
        diagnostics = List.copyOf(diagnostics);
    }

    /** Whether anything refuses the plan: a spec error, a refused call, or a denied host effect. */
    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    /**
     * The exit code {@code run} ends with when it cannot start (SPEC.md, "Exit codes"): 1 for a
     * refused host effect; 125 for a plan that cannot be set up on this host (a missing mount
     * point or bind source, a call the kernel will refuse, a working directory the sandbox lacks);
     * 0 when nothing stands in the way.
     */
    public int runExitCode() {
        if (refused) {
            return ExitCodes.INVALID_SPEC;
        }
        return hasErrors() ? ExitCodes.SETUP_FAILED : ExitCodes.OK;
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    /**
     * Prepares {@code specFile}.
     *
     * @param command replaces the spec's steps when not null ({@code run SPEC -- COMMAND})
     * @throws SpecException when the spec itself is invalid (every problem in it)
     */
    public static Preparation prepare(Path specFile, String displayName, Map<String, String> variables,
                                      List<String> command, HostView host, MountTable hostTable) throws SpecException {
        return prepare(SpecLoader.load(specFile, displayName, variables), command, host, hostTable);
    }

    /**
     * Prepares a spec already loaded, which a front end may have changed first (the Maven
     * plugin's steps, timeout and environment from the pom).
     *
     * @param command replaces the spec's steps when not null
     */
    public static Preparation prepare(LoadedSpec loaded, List<String> command, HostView host, MountTable hostTable) {
        Plan plan = Planner.plan(loaded.spec(), host, command);
        plan = HostEffectPredictor.predict(plan, hostTable, host);
        List<Diagnostic> all = new ArrayList<>(loaded.warnings());
        all.addAll(plan.diagnostics());
        List<Diagnostic> policy = policy(plan);
        all.addAll(policy);
        return new Preparation(plan, hostTable, all, policy.stream().anyMatch(Diagnostic::isError));
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

    /** The mount table of this process's mount namespace, from {@code /proc/self/mountinfo}. */
    public static MountTable liveMountTable() throws IOException {
        return MountTable.parse(Files.readString(Path.of("/proc/self/mountinfo")));
    }
}
