package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.PlanCache;
import dev.nsbox.engine.PrepareException;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code plan}, {@code explain} and {@code run} share: one SPEC argument, prepared by
 * {@link NsboxEngine#prepare}, with every diagnostic printed to standard error in compiler form.
 */
final class Prepare {

    private Prepare() {
    }

    /** The outcome: a preparation, or the exit code to return. */
    record Outcome(Preparation preparation, int exitCode) {
    }

    static String specArgument(CommandLine line, String command) throws UsageException {
        if (line.arguments().size() != 1) {
            throw new UsageException(command + " takes exactly one SPEC, got " + line.arguments().size());
        }
        return line.arguments().get(0);
    }

    /**
     * Prepares {@code spec} and prints every diagnostic. A spec error gives exit code 1; a plan
     * that cannot run stops with {@link Preparation#runExitCode()} (1 for a refused host effect,
     * 125 for what this host cannot set up, 3 for what a user namespace cannot do here), unless
     * {@code keepErrors}, for commands that show a refused plan rather than stop at it: they get
     * the preparation with {@link Preparation#showExitCode()}.
     */
    static Outcome prepare(String spec, CommandLine line, Console console, List<String> command, boolean keepErrors) {
        Path path = Path.of(spec);
        Preparation p;
        try {
            p = NsboxEngine.prepare(new SpecSource(path, spec, Variables.forCli(path, line.defines())),
                    command, PlanCache.forUser(System.getenv()));
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> console.err().println(d.format()));
            return new Outcome(null, ExitCode.INVALID_SPEC.code());
        } catch (PrepareException e) {
            console.err().println("nsbox: " + e.getMessage());
            return new Outcome(null, e.exitCode().code());
        }
        // A JVM relaunched in a user namespace: its parent printed the warnings already.
        boolean quiet = Relaunch.relaunchedByParent();
        for (Diagnostic d : p.diagnostics()) {
            if (d.isError() || !quiet) {
                console.err().println(d.format());
            }
        }
        // What a user namespace cannot do here is this machine's limit, not the spec's: exit 3.
        p.limits().forEach(d -> console.err().println(d.format()));
        if (keepErrors) {
            return new Outcome(p, p.showExitCode().code());
        }
        ExitCode code = p.runExitCode();
        return new Outcome(code == ExitCode.OK ? p : null, code.code());
    }
}
