package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.RunOptions;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepIO;
import dev.nsbox.exec.StepResult;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.sys.Sys;

import java.util.List;
import java.util.Map;

/**
 * {@code nsbox shell SPEC [-- COMMAND ARGS...]}: an interactive session in the spec's sandbox,
 * the spec applied as {@code run} applies it, with the user's shell ({@code $SHELL}, else
 * {@code /bin/sh}) or COMMAND instead of the spec's steps, on a pseudo-terminal of the sandbox's
 * own devpts (docs/decisions/0020-shell-a-terminal-of-the-sandbox.md). The exit code is the
 * session's, or one of docs/spec.md's when the sandbox could not be set up.
 */
final class ShellCommand implements Command {

    /** The command without {@code --}: the caller's login shell as {@code $SHELL} names it. */
    static List<String> defaultCommand(Map<String, String> env) {
        String shell = env.get("SHELL");
        return List.of(shell == null || shell.isBlank() ? "/bin/sh" : shell);
    }

    @Override
    public String name() {
        return "shell";
    }

    @Override
    public String summary() {
        return "an interactive shell, or one command, on a terminal in the spec's sandbox";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox shell [-D name=value]... SPEC [-- COMMAND ARGS...]

                Applies SPEC as run does (variables, namespaces, mounts, confinement, limits,
                the spec's environment, working directory and process.timeout), then starts
                COMMAND, or the shell named by $SHELL (else /bin/sh), instead of the spec's steps.

                It runs on a new pseudo-terminal of the sandbox's own devpts (/dev/pts of the
                default /dev; a spec with its own /dev needs a devpts there), as its controlling
                terminal: job control works (Ctrl-Z, jobs, fg), Ctrl-C and Ctrl-\\ reach the
                foreground job only, and the window size follows this terminal. TERM is this
                terminal's unless the spec sets it. Your terminal is in raw mode while the
                session runs and is restored however it ends; no descriptor of it enters the
                sandbox, so nothing inside can type into it (TIOCSTI reaches only the inner pty).
                SIGTERM and SIGHUP sent to nsbox hang the session up (the shell gets SIGHUP).

                Standard input must be a terminal; without one, use nsbox run SPEC -- COMMAND.

                Exit codes: the session's exit code (128+N when a signal N ended it), or 1 the
                spec is invalid or has a refused host effect, 2 bad command line or no terminal,
                3 this machine cannot provide what the spec needs, 125 the sandbox could not be
                set up, 126 COMMAND cannot be executed, 127 COMMAND was not found.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        String spec = Prepare.specArgument(line, "shell");
        if (line.format() != null) {
            throw new UsageException("shell takes no --format");
        }
        if (line.report() != null) {
            throw new UsageException("shell takes no --report");
        }
        if (line.afterDashes() != null && line.afterDashes().isEmpty()) {
            throw new UsageException("shell SPEC -- needs a COMMAND after --");
        }
        if (!StepIO.hasTerminal()) {
            console.err().println("nsbox: error: shell needs a terminal on standard input, and it is not one");
            console.err().println("  hint: run it from a terminal, or without one: nsbox run " + spec
                    + " -- COMMAND");
            return ExitCode.USAGE.code();
        }
        List<String> command = line.afterDashes() != null ? line.afterDashes() : defaultCommand(System.getenv());
        Prepare.Outcome o = Prepare.prepare(spec, line, console, command, false);
        if (o.preparation() == null) {
            return o.exitCode();
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
                console.debug("session: " + String.join(" ", step.argv()));
            }
        };
        console.out().flush();
        console.err().flush();
        NsboxEngine.LocalRun box = NsboxEngine.local(o.preparation(), StepIO.terminal(System.getenv("TERM")),
                listener, RunOptions.defaults());
        // SIGTERM or SIGHUP to nsbox: the session is hung up, as when a terminal closes, and
        // the shell gets SIGHUP (an interactive shell ignores SIGTERM). SIGINT and SIGQUIT go to
        // the shell as they would to a step of run; typed, ^C and ^\ are bytes for the inner pty.
        RunResult result;
        try (SignalForwarding f = SignalForwarding.start(
                sig -> box.signal(sig == Sys.SIGTERM ? Sys.SIGHUP : sig), console::debug)) {
            result = box.run();
        }
        StepResult session = result.steps().isEmpty() ? null : result.steps().get(0);
        for (String m : result.messages()) {
            // The session's own exit status is the user's choice (exit 7), not an error to print.
            if (session != null && session.outcome() == StepResult.Outcome.EXITED && session.message() != null
                    && m.endsWith(": " + session.message())) {
                continue;
            }
            console.err().println(m);
        }
        return result.exitCode();
    }
}
