package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import dev.nsbox.engine.NsboxEngine;

/**
 * {@code nsbox explain SPEC}: for each mount, its propagation and peer group before and after,
 * where it propagates and which kernel rule decides it; whether the sandbox is sealed.
 */
final class ExplainCommand implements Command {

    @Override
    public String name() {
        return "explain";
    }

    @Override
    public String summary() {
        return "each mount's propagation, where it goes and which kernel rule decides it";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox explain [-D name=value]... SPEC

                Simulates SPEC against this process's live mount table with the kernel's
                shared-subtree rules and explains, for each mount, the propagation of what it lands
                on and its own after set-up, where it propagates and which rule decides it; then
                whether the sandbox is sealed from the host. Applies nothing.

                Exit codes: 0 explained, 1 the spec is invalid, 2 bad command line.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        String spec = Prepare.specArgument(line, "explain");
        if (line.afterDashes() != null || line.format() != null) {
            throw new UsageException("explain takes only a SPEC");
        }
        Prepare.Outcome o = Prepare.prepare(spec, line, console, null, true);
        if (o.preparation() == null) {
            return o.exitCode();
        }
        for (String l : NsboxEngine.explain(o.preparation())) {
            console.out().println(l);
        }
        return ExitCode.OK.code();
    }
}
