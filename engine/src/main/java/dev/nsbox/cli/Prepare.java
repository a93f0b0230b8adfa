package dev.nsbox.cli;

import dev.nsbox.exec.ExitCodes;

import dev.nsbox.host.LiveHost;
import dev.nsbox.host.Preparation;
import dev.nsbox.host.Rootless;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.Variables;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code plan}, {@code explain} and {@code run} share: one SPEC argument, loaded, planned
 * and predicted against the live host, with every diagnostic printed to standard error in
 * compiler form.
 */
final class Prepare {

    private Prepare() {
    }

    /** The outcome: a preparation, or the exit code to return. */
    record Outcome(Preparation preparation, int exitCode) {
        boolean ok() {
            return preparation != null;
        }
    }

    static String specArgument(CommandLine line, String command) throws UsageException {
        if (line.arguments().size() != 1) {
            throw new UsageException(command + " takes exactly one SPEC, got " + line.arguments().size());
        }
        return line.arguments().get(0);
    }

    /**
     * Loads, plans and predicts {@code spec}. Prints every diagnostic. A spec error gives exit
     * code 1; a plan that cannot run stops with {@link dev.nsbox.host.Preparation#runExitCode()}
     * (1 for a refused host effect, 125 for what this host cannot set up), unless
     * {@code keepErrors}, for commands that show a refused plan rather than stop at it.
     */
    static Outcome prepare(String spec, CommandLine line, Console console, List<String> command, boolean keepErrors) {
        Path path = Path.of(spec);
        MountTable table;
        try {
            table = Preparation.liveMountTable();
        } catch (IOException | IllegalArgumentException e) {
            console.err().println("nsbox: cannot read this process's mount table (/proc/self/mountinfo): "
                    + e.getMessage());
            return new Outcome(null, ExitCodes.UNSUPPORTED);
        }
        Preparation p;
        try {
            p = Preparation.prepare(path, spec, Variables.forCli(path, line.defines()), command,
                    LiveHost.current(), table);
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> console.err().println(d.format()));
            return new Outcome(null, ExitCodes.INVALID_SPEC);
        }
        // A JVM relaunched in a user namespace: its parent printed the warnings already.
        boolean quiet = Relaunch.relaunchedByParent();
        for (Diagnostic d : p.diagnostics()) {
            if (d.isError() || !quiet) {
                console.err().println(d.format());
            }
        }
        if (p.hasErrors() && !keepErrors) {
            return new Outcome(null, p.runExitCode());
        }
        // What a user namespace cannot do here is this machine's limit, not the spec's: exit 3.
        List<Diagnostic> limits = p.hasErrors() ? List.of()
                : Rootless.limits(p.plan(), table, System.getenv(), true);
        limits.forEach(d -> console.err().println(d.format()));
        if (!limits.isEmpty()) {
            return new Outcome(keepErrors ? p : null, ExitCodes.UNSUPPORTED);
        }
        return new Outcome(p, p.hasErrors() ? ExitCodes.INVALID_SPEC : ExitCodes.OK);
    }
}
