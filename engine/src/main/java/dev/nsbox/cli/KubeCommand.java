package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.json.Json;
import dev.nsbox.oci.KubeJob;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.Variables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code nsbox kube SPEC --image IMAGE [--volume SOURCE=CLAIM]...}: prints the spec as a
 * Kubernetes {@code batch/v1} Job (and a NetworkPolicy for a spec with its own network), as one
 * JSON {@code v1} List, which {@code kubectl apply -f} reads. A custom seccomp filter is written
 * beside it as {@code NAME.seccomp.json} in the working directory.
 */
final class KubeCommand implements Command {

    @Override
    public String name() {
        return "kube";
    }

    @Override
    public String summary() {
        return "print the spec as a Kubernetes batch/v1 Job";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox kube [-D name=value]... SPEC --image IMAGE [--volume SOURCE=CLAIM]... [-- COMMAND [ARGS]...]

                Prints SPEC as a Kubernetes batch/v1 Job running in IMAGE, with a NetworkPolicy
                that denies all ingress and egress when SPEC lists the net namespace: one JSON
                v1 List (JSON is YAML; kubectl apply -f reads it). A bind of a host path becomes
                the PersistentVolumeClaim named by --volume SOURCE=CLAIM, or after the path
                (/srv/data as srv-data). A custom process.seccomp becomes a Localhost profile
                written as NAME.seccomp.json here; install it on each node as the Job names it.
                docs/oci.md lists how each key maps.

                Exit codes: 0 printed, 1 invalid spec or a key with no Kubernetes form, 2 bad
                command line, 125 the profile cannot be written.
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        if (line.arguments().size() != 1) {
            throw new UsageException("kube takes exactly one SPEC, got " + line.arguments().size());
        }
        if (line.option("--image").size() != 1) {
            throw new UsageException("kube needs one --image IMAGE");
        }
        Map<String, String> claims = new LinkedHashMap<>();
        for (String v : line.option("--volume")) {
            int eq = v.lastIndexOf('=');
            if (eq <= 0 || eq == v.length() - 1 || !v.startsWith("/")) {
                throw new UsageException("--volume takes SOURCE=CLAIM with an absolute SOURCE, got \"" + v + "\"");
            }
            claims.put(v.substring(0, eq), v.substring(eq + 1));
        }
        String spec = line.arguments().get(0);
        Path path = Path.of(spec);
        KubeJob job;
        try {
            LoadedSpec loaded = NsboxEngine.load(new SpecSource(path, spec, Variables.forCli(path, line.defines())));
            loaded.warnings().forEach(w -> console.err().println(w.format()));
            job = KubeJob.of(loaded.spec(), line.option("--image").get(0), line.afterDashes(), claims,
                    SeccompArch.current().orElse(SeccompArch.values()[0]));
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> console.err().println(d.format()));
            return ExitCode.INVALID_SPEC.code();
        }
        if (job.seccompProfile().isPresent()) {
            Path file = Path.of(Path.of(job.profilePath()).getFileName().toString().replace(".json", ".seccomp.json"));
            try {
                Files.writeString(file, Json.write(job.seccompProfile().get()) + "\n");
            } catch (IOException e) {
                console.err().println("nsbox: cannot write the seccomp profile " + file + ": " + e.getMessage());
                return ExitCode.SETUP_FAILED.code();
            }
            console.err().println("nsbox: wrote " + file + "; install it on each node as <kubelet root>/seccomp/"
                    + job.profilePath());
        }
        console.out().println(Json.write(job.document()));
        return ExitCode.OK.code();
    }
}
