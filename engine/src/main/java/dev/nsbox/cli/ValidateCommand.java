package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.PlanCache;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.Variables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code nsbox validate SPEC...}: parses and checks each spec without touching the machine.
 * Like a compiler, it prints every diagnostic of every spec to standard error, one line each,
 * and nothing on success; exit 1 when any spec has an error, 0 otherwise (warnings alone do not
 * fail). A folder stands for every {@code *.yaml} file under it.
 */
final class ValidateCommand implements Command {

    @Override
    public String name() {
        return "validate";
    }

    @Override
    public String summary() {
        return "parse and check specs, without touching the machine";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox validate [-D name=value]... SPEC...

                Parses and checks each SPEC (a file, or a folder: every *.yaml file under it)
                without touching the machine. Prints every error and warning to standard error,
                one line each (FILE:LINE:COLUMN: error: ...), and nothing when all is well.

                A spec that will run in a user namespace (the caller lacks CAP_SYS_ADMIN, or it
                lists user) is also checked against what a user namespace cannot do here.

                Exit codes: 0 no errors (warnings alone do not fail), 1 a spec has an error,
                2 bad command line, 3 this machine cannot provide what a spec needs.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        if (line.arguments().isEmpty()) {
            throw new UsageException("validate needs at least one SPEC file");
        }
        if (line.afterDashes() != null) {
            throw new UsageException("validate takes no command after --");
        }
        if (line.format() != null) {
            throw new UsageException("validate has no --format; diagnostics are always one line each");
        }
        PlanCache cache = PlanCache.forUser(System.getenv());
        boolean failed = false;
        boolean unsupported = false;
        for (String argument : line.arguments()) {
            for (String spec : expand(argument, console)) {
                int code = validate(spec, line, console, cache);
                failed |= code == ExitCode.INVALID_SPEC.code();
                unsupported |= code == ExitCode.UNSUPPORTED.code();
            }
        }
        return failed ? ExitCode.INVALID_SPEC.code() : unsupported ? ExitCode.UNSUPPORTED.code() : ExitCode.OK.code();
    }

    /**
     * A valid spec that will run in a user namespace (the caller lacks CAP_SYS_ADMIN, or it
     * lists user) is also checked against what a user namespace cannot do on this machine:
     * that is this machine's limit, exit 3 with the fix, said before anything runs.
     */
    private static boolean rootlessLimits(List<Diagnostic> limits, Console console) {
        limits.forEach(d -> console.err().println(d.format()));
        return limits.isEmpty();
    }

    /** Prints the spec's diagnostics; its exit code. A plan cached by {@code run} or {@code plan} spares the load. */
    private static int validate(String spec, CommandLine line, Console console, PlanCache cache) {
        Path path = Path.of(spec);
        try {
            NsboxEngine.Checked checked = NsboxEngine.check(
                    new SpecSource(path, spec, Variables.forCli(path, line.defines())), cache);
            checked.warnings().forEach(w -> console.err().println(w.format()));
            return rootlessLimits(checked.limits(), console) ? ExitCode.OK.code() : ExitCode.UNSUPPORTED.code();
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> console.err().println(d.format()));
            return ExitCode.INVALID_SPEC.code();
        }
    }

    /** A file as itself; a folder as its {@code *.yaml} files, sorted, named under the folder as typed. */
    private static List<String> expand(String argument, Console console) {
        Path path = Path.of(argument);
        if (!Files.isDirectory(path)) {
            return List.of(argument);
        }
        List<String> specs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(path)) {
            files.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f))
                    .map(Path::toString).sorted().forEach(specs::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            console.err().println(Diagnostic.error(Origin.synthetic(argument), "cannot list: " + e.getMessage()).format());
            return List.of(argument);
        }
        if (specs.isEmpty()) {
            // Validating nothing must not look like success: the folder itself fails to load.
            return List.of(argument);
        }
        return specs;
    }
}
