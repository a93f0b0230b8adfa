package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import dev.nsbox.engine.NsboxEngine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nsbox doctor [SPEC...]}: what this machine allows (root or not, user namespaces and
 * what restricts them, each namespace type, the mount API, procfs {@code pidns=}, container
 * hints) and, for each spec (default: {@code specs/} when there is one), whether it will run
 * here and if not why and how to enable it. The report is {@code dev.nsbox.host.Doctor}'s, shared with the
 * Maven plugin's {@code doctor} goal.
 */
final class DoctorCommand implements Command {

    @Override
    public String name() {
        return "doctor";
    }

    @Override
    public String summary() {
        return "what this machine allows, whether each spec will run here, and how to enable the rest";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox doctor [-D name=value]... [SPEC...]

                Examines this machine: whether nsbox runs as root or rootless (in a user namespace
                it creates), whether user namespaces are allowed and what restricts them
                (user.max_user_namespaces, kernel.unprivileged_userns_clone,
                kernel.apparmor_restrict_unprivileged_userns, a container's seccomp profile), each
                namespace type, the new mount API, procfs pidns=, newuidmap and subordinate ids,
                and whether it runs inside a container. Then, for each SPEC (a file or a folder of
                *.yaml files; default: specs/ when it exists), whether it will run here, and if not,
                why and how to enable it. Probes run in throwaway namespaces; nothing is changed.

                Each line is "STATUS TEXT" (ok, no, warn, info) under its section, with a
                "fix:" line under what can be enabled.

                Exit codes: 0 the report was made (whatever it says), 2 bad command line.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        if (line.afterDashes() != null) {
            throw new UsageException("doctor takes no command after --");
        }
        if (line.format() != null) {
            throw new UsageException("doctor has no --format");
        }
        List<Path> specs = new ArrayList<>();
        for (String a : line.arguments()) {
            specs.add(Path.of(a));
        }
        if (specs.isEmpty() && Files.isDirectory(Path.of("specs"))) {
            specs.add(Path.of("specs"));
        }
        console.out().print(NsboxEngine.doctor(specs, line.defines()).text());
        return ExitCode.OK.code();
    }
}
