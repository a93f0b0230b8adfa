package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.json.Json;
import dev.nsbox.oci.KubeJob;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.SpecException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the project's spec as a Kubernetes {@code batch/v1} Job (with a deny-all NetworkPolicy
 * for a spec with its own network) to {@code job.json}, as {@code nsbox kube} prints it; a custom
 * seccomp filter is written beside it as the Localhost profile the Job names.
 *
 * @since 0.1.0
 */
@Mojo(name = "kube", threadSafe = true, requiresDependencyResolution = ResolutionScope.TEST)
public class KubeMojo extends AbstractSpecMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.kube.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.kube.skip", defaultValue = "false")
    private boolean skipKube;

    @Override
    protected boolean skipGoal() {
        return skipKube;
    }

    /**
     * The container image the Job runs in.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.image", required = true)
    private String image;

    /**
     * The PersistentVolumeClaim of each bind's host path, as {@code SOURCE=CLAIM}
     * ({@code <volumes><volume>/srv/data=data</volume></volumes>}).
     * A path without one gets a claim named after it.
     *
     * @since 0.1.0
     */
    @Parameter
    private List<String> volumes;

    /**
     * The file the List is written to; the seccomp profile goes beside it.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.jobFile", defaultValue = "${project.build.directory}/nsbox-kube/job.json")
    private File jobFile;

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        Map<String, String> claims = new java.util.LinkedHashMap<>();
        for (String v : volumes == null ? List.<String>of() : volumes) {
            int eq = v.lastIndexOf('=');
            if (eq <= 0 || !v.startsWith("/")) {
                throw outcomes.badParameter("a volume is SOURCE=CLAIM with an absolute SOURCE, got \"" + v + "\"");
            }
            claims.put(v.substring(0, eq), v.substring(eq + 1));
        }
        KubeJob job;
        try {
            job = KubeJob.of(NsboxEngine.load(source(spec.toPath(), true)).spec(), image, null, claims,
                    SeccompArch.current().orElse(SeccompArch.X86_64));
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> getLog().error(d.format()));
            throw new MojoFailureException(e.diagnostics().get(0).format());
        }
        Path file = jobFile.toPath();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, Json.write(job.document()) + "\n", StandardCharsets.UTF_8);
            stamp(outcomes, file);
            if (job.seccompProfile().isPresent()) {
                Path profile = file.resolveSibling(Path.of(job.profilePath()).getFileName());
                Files.writeString(profile, Json.write(job.seccompProfile().get()) + "\n", StandardCharsets.UTF_8);
                stamp(outcomes, profile);
                getLog().info("nsbox: wrote " + profile + "; install it on each node as <kubelet root>/seccomp/"
                        + job.profilePath());
            }
        } catch (IOException e) {
            throw new MojoExecutionException("cannot write " + file + ": " + e.getMessage(), e);
        }
        getLog().info("nsbox: wrote the Job " + file + " (kubectl apply -f " + file + ")");
    }
}
