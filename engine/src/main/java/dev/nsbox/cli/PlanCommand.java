package dev.nsbox.cli;

import dev.nsbox.plan.PlanFormat;

/**
 * {@code nsbox plan SPEC [--format text|json]}: the ordered system calls, each tied to its
 * spec line, and the predicted host effects against the live mount table. Needs no privilege
 * and applies nothing. Exit 1 when the plan would be refused (a spec error, a call the kernel
 * will refuse, a host effect the spec does not allow), after printing it.
 */
final class PlanCommand implements Command {

    @Override
    public String name() {
        return "plan";
    }

    @Override
    public String summary() {
        return "the system calls a run would make, and the predicted host effects";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox plan [-D name=value]... SPEC [--format text|json]

                Prints the operations a run of SPEC would make, in order, in C call syntax with
                flags by name, each followed by the spec line it comes from; the checks made on the
                sandbox's mount table before any step; the steps; and the host effects predicted
                against this process's live mount table. Applies nothing and needs no privilege.

                JSON has {"operations": [...], "hostEffects": [{"target": ...}, ...], ...}.

                Exit codes: 0 the plan can run, 1 the spec is invalid, a call would be refused or a
                host effect is not allowed, 2 bad command line.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        String spec = Prepare.specArgument(line, "plan");
        String format = line.format() == null ? "text" : line.format();
        if (!format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format takes text or json, got \"" + format + "\"");
        }
        if (line.afterDashes() != null) {
            throw new UsageException("plan takes no command after --");
        }
        Prepare.Outcome o = Prepare.prepare(spec, line, console, null, true);
        if (o.preparation() == null) {
            return o.exitCode();
        }
        console.out().print(format.equals("json") ? PlanFormat.json(o.preparation().plan())
                : PlanFormat.text(o.preparation().plan()));
        return o.exitCode();
    }
}
