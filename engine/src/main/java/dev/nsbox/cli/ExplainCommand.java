package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import dev.nsbox.engine.Graphviz;
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
                Usage: nsbox explain [-D name=value]... [--format text|dot|svg] SPEC

                Simulates SPEC against this process's live mount table with the kernel's
                shared-subtree rules and explains, for each mount, the propagation of what it lands
                on and its own after set-up, where it propagates and which rule decides it; then
                whether the sandbox is sealed from the host. Applies nothing.

                --format dot prints the same as a Graphviz graph: the sandbox's mount tree after
                set-up, where each mount's copies go (dashed, labelled with the peer group) and,
                in red, what reaches the host. --format svg renders that graph with Graphviz's
                dot program (Debian package graphviz).

                Exit codes: 0 explained, 1 the spec is invalid, 2 bad command line, 3 --format svg
                and no dot program to render it.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        String spec = Prepare.specArgument(line, "explain");
        if (line.afterDashes() != null) {
            throw new UsageException("explain takes only a SPEC");
        }
        String format = line.format() == null ? "text" : line.format();
        if (!format.equals("text") && !format.equals("dot") && !format.equals("svg")) {
            throw new UsageException("explain --format must be text, dot or svg, got \"" + format + "\"");
        }
        Prepare.Outcome o = Prepare.prepare(spec, line, console, null, true);
        if (o.preparation() == null) {
            return o.exitCode();
        }
        if (format.equals("text")) {
            for (String l : NsboxEngine.explain(o.preparation())) {
                console.out().println(l);
            }
            return ExitCode.OK.code();
        }
        String dot = Graphviz.dot(o.preparation());
        if (format.equals("dot")) {
            console.out().print(dot);
            return ExitCode.OK.code();
        }
        try {
            console.out().print(Graphviz.svg(dot));
        } catch (Graphviz.MissingException e) {
            console.err().println("nsbox: error: " + e.getMessage());
            return ExitCode.UNSUPPORTED.code();
        }
        return ExitCode.OK.code();
    }
}
