package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.RunReport;
import dev.nsbox.engine.RunOptions;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.Preload;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepIO;
import dev.nsbox.plan.StepLaunch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code nsbox run SPEC [-- COMMAND ARGS...]}: applies the spec and runs its steps (or the one
 * command after {@code --}) with this process's standard streams, unbuffered. The exit code is
 * that of docs/spec.md: the first failing step's, 126/127/128+N, 125 when set-up or verification
 * failed, 3 when the machine lacks an ability, 1 for a refused spec.
 */
final class RunCommand implements Command {

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "apply a spec and run its steps, or one command, in the sandbox";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox run [-D name=value]... [--report FILE] SPEC [-- COMMAND ARGS...]

                Applies SPEC with direct system calls (namespaces, mounts, hostname, lo), checks
                the sandbox's mount table against the plan, then runs the spec's steps in order,
                or COMMAND instead of them. Standard input, output and error pass through. The
                first failing step stops the run. Afterwards the host's mount table is compared
                with the one seen before. SIGINT, SIGTERM, SIGHUP and SIGQUIT reach the step;
                nothing the steps started outlives the run.

                --report FILE writes the run's result as JSON: the spec, each step's name,
                exitCode, signal, durationMs and killedBy (timeout, memory or null), and the host
                check's result (unchanged, predicted, unpredicted, or host).

                Exit codes: 0 success, 1 the spec is invalid or has a refused host effect, 2 bad
                command line, 3 this machine cannot provide what the spec needs, 125 the sandbox
                could not be set up (or the host's mount table changed), 126 a command cannot be
                executed, 127 a command was not found, 128+N a step was killed by signal N,
                otherwise the exit code of the first failing step.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        String spec = Prepare.specArgument(line, "run");
        if (line.format() != null) {
            throw new UsageException("run takes no --format");
        }
        if (line.afterDashes() != null && line.afterDashes().isEmpty()) {
            throw new UsageException("run SPEC -- needs a COMMAND after --");
        }
        // The native layer and the supervisor load on another thread while this one reads and
        // plans the spec; waited for before the JVM exits, whatever the outcome.
        try (Preload preload = NsboxEngine.preload()) {
            return prepareAndRun(spec, line, console);
        }
    }

    private static int prepareAndRun(String spec, CommandLine line, Console console) {
        Prepare.Outcome o = Prepare.prepare(spec, line, console, line.afterDashes(), false);
        if (o.preparation() == null) {
            return o.exitCode();
        }
        if (console.debug()) {
            o.preparation().plan().notes().forEach(n -> console.debug("plan: " + n));
        }
        var relaunched = Relaunch.ifUserNamespaceNeeded(o.preparation().plan(), line, console);
        if (relaunched.isPresent()) {
            return relaunched.getAsInt();
        }
        Listener listener = new Listener() {
            @Override
            public void trace(String call) {
                console.debug(call);
            }

            @Override
            public void stepStarted(int index, StepLaunch step) {
                console.debug("step " + step.name() + ": " + String.join(" ", step.argv()));
            }
        };
        console.out().flush();
        NsboxEngine.LocalRun box = NsboxEngine.local(o.preparation(), StepIO.inherit(), listener,
                RunOptions.defaults());
        // SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to nsbox go to the step, as they would to the
        // step run without nsbox; the run then ends with the step's own exit code (130 when
        // SIGINT killed it). Without this the JVM would start shutting down instead (and only
        // the sandbox's shutdown hook would tell the step, always with SIGTERM), or print a
        // thread dump for SIGQUIT.
        RunResult result;
        try (SignalForwarding f = SignalForwarding.start(box::signal, console::debug)) {
            result = box.run();
        }
        for (String m : result.messages()) {
            console.err().println(m);
        }
        if (line.report() != null) {
            try {
                RunReport.write(Path.of(line.report()), o.preparation().plan(), result);
            } catch (IOException e) {
                console.err().println("nsbox: error: cannot write the report to " + line.report() + ": " + e);
                // The run's own failure stays the exit code; a run that succeeded fails for the lost report.
                return result.succeeded() ? 1 : result.exitCode();
            }
        }
        return result.exitCode();
    }
}
