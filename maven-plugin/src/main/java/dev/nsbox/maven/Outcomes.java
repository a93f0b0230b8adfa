package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.PrepareException;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepResult;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.SpecException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where the engine's outcomes become Maven's, following the exit codes
 * of docs/spec.md ("Exit codes"):
 *
 * <ul>
 *   <li>a spec that is invalid or has a refused host effect (exit 1), and a step that fails
 *       (126, 127, 128+N, or its own code), are the project's fault: {@link MojoFailureException},
 *       BUILD FAILURE;</li>
 *   <li>a machine that cannot provide what the spec needs (3), or a sandbox that could not be set
 *       up (125), are the environment's: {@link MojoExecutionException}, BUILD ERROR.</li>
 * </ul>
 *
 * <p>Every problem is logged on a line of its own in the compiler form of docs/spec.md
 * ({@code nsbox.yaml:7:5: error: ...}), so that editors and CI annotators find it; the exception's
 * message repeats the first one, which is what Maven prints last. No Java stack trace: the engine
 * says what went wrong in words.
 */
final class Outcomes {

    private final Log log;

    Outcomes(Log log) {
        this.log = log;
    }

    /**
     * Prepares one spec with {@link NsboxEngine#prepare}. A spec with an error, or a bad
     * parameter among the pom's overrides, is BUILD FAILURE; a mount table that cannot be read is
     * BUILD ERROR. The spec's warnings are reported with the plan's diagnostics ({@link #plan}).
     * The preparation is returned even when it holds errors, so that {@code nsbox:plan} and
     * {@code nsbox:explain} can show what is refused; {@link #plan} decides whether it may run.
     */
    Preparation prepare(SpecSource source, Overrides overrides, HostView host)
            throws MojoFailureException, MojoExecutionException {
        if (!Files.exists(source.file())) {
            // A module of a reactor that inherits the goal without a spec of its own lands here.
            throw badParameter(source.displayName() + ": error: the spec does not exist; write it, point <spec> "
                    + "(-Dnsbox.spec) at another, or set <skip>true</skip> where no sandbox is wanted");
        }
        try {
            return NsboxEngine.prepare(source, overrides, host);
        } catch (SpecException e) {
            report(e.diagnostics());
            throw failure(lines(e.errors()));
        } catch (PrepareException e) {
            if (e.kind() == PrepareException.Kind.OVERRIDE) {
                throw badParameter(e.getMessage());
            }
            throw machine(List.of(e.getMessage()));
        }
    }

    /**
     * Reads every spec and logs every problem of every one before it fails, as a compiler does,
     * so that one build shows all there is to fix.
     *
     * @return how many specs were read
     */
    int validate(List<SpecSource> sources) throws MojoFailureException {
        List<String> errors = new ArrayList<>();
        for (SpecSource s : sources) {
            try {
                report(NsboxEngine.load(s).warnings());
            } catch (SpecException e) {
                report(e.diagnostics());
                errors.addAll(lines(e.errors()));
            }
        }
        if (!errors.isEmpty()) {
            throw failure(errors);
        }
        return sources.size();
    }

    /**
     * Checks a prepared plan before anything is applied, as {@code nsbox run} does: logs every
     * warning and error of the spec, the plan and the predicted host effects. A host effect the
     * spec does not allow (exit 1) is BUILD FAILURE; a plan this host cannot set up (exit 125: a
     * missing mount point or bind source, a call the kernel will refuse, a working directory the
     * sandbox lacks) is BUILD ERROR. Either names its spec line. What a user namespace cannot do
     * here (exit 3) is BUILD ERROR with the fix, before anything is applied.
     */
    Plan plan(Preparation preparation) throws MojoFailureException, MojoExecutionException {
        report(preparation.diagnostics());
        ExitCode code = preparation.runExitCode();
        if (code == ExitCode.OK) {
            return preparation.plan();
        }
        if (code == ExitCode.UNSUPPORTED) {
            throw machine(lines(preparation.limits()));
        }
        List<String> errors = lines(preparation.errors());
        if (code == ExitCode.SETUP_FAILED) {
            errors.set(0, errors.get(0) + " (the sandbox cannot be set up on this host: exit code " + ExitCode.SETUP_FAILED.code() + ")");
            throw new MojoExecutionException(summary(errors));
        }
        throw failure(errors);
    }

    /**
     * Logs a prepared plan's diagnostics, and what a user namespace cannot do for it here, for
     * goals that show a plan without applying it.
     */
    void report(Preparation preparation) {
        report(preparation.diagnostics());
        report(preparation.limits());
    }

    /**
     * The end of a run. A failing step is BUILD FAILURE naming the step, its exit code and its
     * spec line, as the engine words it, whatever the code (a step may well exit with 3); a
     * machine that cannot provide what the spec needs (3 with no step to blame), or a sandbox
     * that could not be set up (125), is BUILD ERROR saying what is missing.
     */
    void run(RunResult result) throws MojoExecutionException, MojoFailureException {
        if (result.succeeded()) {
            return;
        }
        List<String> messages = new ArrayList<>(result.messages());
        if (messages.isEmpty()) {
            messages.add("the sandbox ended with exit code " + result.exitCode());
        }
        if (!stepFailed(result)) {
            if (result.setupFailed()) {
                messages.set(0, messages.get(0) + " (the sandbox could not be set up: exit code " + ExitCode.SETUP_FAILED.code() + ")");
            }
            throw machine(messages);
        }
        messages.forEach(m -> m.lines().forEach(log::error));
        String first = messages.get(0);
        if (!first.contains("exited with " + result.exitCode())) {
            messages.set(0, first + " (exit code " + result.exitCode() + ")");
        }
        throw failure(messages);
    }

    /** Whether the run's exit code is that of a step that ran, or whose command could not be executed. */
    private static boolean stepFailed(RunResult result) {
        if (result.steps().isEmpty()) {
            return false;
        }
        StepResult last = result.steps().get(result.steps().size() - 1);
        return !last.succeeded() && last.outcome() != StepResult.Outcome.NOT_STARTED
                && last.exitCode() == result.exitCode();
    }

    /** A problem of the project's configuration rather than of a spec (a bad parameter). */
    MojoFailureException badParameter(String message) {
        log.error(message);
        return new MojoFailureException(message);
    }

    /**
     * Problems of the project's configuration, each already a full line
     * ({@code pom.xml:31:15: error: ...}): all are logged, then BUILD FAILURE.
     */
    MojoFailureException badConfiguration(List<String> problems) {
        problems.forEach(log::error);
        return failure(problems);
    }

    /** The machine, not the project, is at fault: BUILD ERROR. */
    MojoExecutionException machine(List<String> messages) {
        messages.forEach(m -> m.lines().forEach(log::error));
        return new MojoExecutionException(summary(messages));
    }

    private void report(List<Diagnostic> diagnostics) {
        for (Diagnostic d : diagnostics) {
            if (d.isError()) {
                log.error(d.format());
            } else {
                log.warn(d.format());
            }
        }
    }

    private static MojoFailureException failure(List<String> errors) {
        return new MojoFailureException(summary(errors));
    }

    /** The first problem, and how many more the log shows above it. */
    private static String summary(List<String> messages) {
        if (messages.isEmpty()) {
            return "nsbox failed without saying why";
        }
        String first = messages.get(0);
        int more = messages.size() - 1;
        return more == 0 ? first : first + " (and " + more + " more " + (more == 1 ? "problem" : "problems")
                + ", listed above)";
    }

    private static List<String> lines(List<Diagnostic> diagnostics) {
        return new ArrayList<>(diagnostics.stream().map(Diagnostic::format).toList());
    }
}
