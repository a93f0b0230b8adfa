package dev.nsbox.cli;

import dev.nsbox.oci.Bundles;
import dev.nsbox.oci.OciBundle;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.SpecException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code nsbox oci SPEC DIR [-- COMMAND ARGS...]}: writes the spec as an OCI runtime bundle
 * ({@code DIR/config.json} and {@code DIR/rootfs}) that {@code runc run --bundle DIR ID} and
 * {@code crun run --bundle DIR ID} run. A key with no OCI form is an error at its line (exit 1),
 * and nothing is written.
 */
final class OciCommand implements Command {

    @Override
    public String name() {
        return "oci";
    }

    @Override
    public String summary() {
        return "write the spec as an OCI runtime bundle for runc or crun";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox oci [-D name=value]... SPEC DIR [-- COMMAND [ARGS]...]

                Writes SPEC as an OCI runtime bundle: DIR/config.json and DIR/rootfs, for
                runc run --bundle DIR ID or crun run --bundle DIR ID (as root). The process is
                COMMAND when given; otherwise the steps, as one /bin/sh -c script that runs
                each in turn and exits with the status of the first that fails. The caller's
                environment is resolved now, as process.env says. docs/oci.md lists how each
                key maps and what no OCI form has (an error at its line, exit 1).

                Exit codes: 0 written, 1 invalid spec or a key with no OCI form, 2 bad command
                line, 125 DIR cannot be written.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        if (line.arguments().size() != 2) {
            throw new UsageException("oci takes a SPEC and a DIR, got " + line.arguments().size() + " arguments");
        }
        if (line.format() != null) {
            throw new UsageException("oci has no --format; config.json is JSON");
        }
        Prepare.Outcome o = Prepare.prepare(line.arguments().get(0), line, console, line.afterDashes(), false);
        if (o.preparation() == null) {
            return o.exitCode();
        }
        Path dir = Path.of(line.arguments().get(1));
        try {
            OciBundle bundle = OciBundle.export(o.preparation().plan(), Bundles.thisHost());
            Bundles.write(bundle, dir);
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> console.err().println(d.format()));
            return ExitCode.INVALID_SPEC.code();
        } catch (IOException | IllegalStateException e) {
            console.err().println("nsbox: cannot write the bundle " + dir + ": " + e.getMessage());
            return ExitCode.SETUP_FAILED.code();
        }
        return ExitCode.OK.code();
    }
}
