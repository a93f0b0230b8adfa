package dev.nsbox.maven;

import dev.nsbox.engine.Preparation;
import dev.nsbox.oci.Bundles;
import dev.nsbox.oci.OciBundle;
import dev.nsbox.spec.SpecException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

import java.io.File;
import java.io.IOException;

/**
 * Writes the project's spec as an OCI runtime bundle ({@code config.json} and {@code rootfs}),
 * for {@code runc run --bundle DIR ID} or {@code crun run --bundle DIR ID}, as {@code nsbox oci}
 * does. A key with no OCI form fails the build at its spec line; docs/oci.md lists them.
 *
 * @since 0.1.0
 */
@Mojo(name = "oci", threadSafe = true, requiresDependencyResolution = ResolutionScope.TEST)
public class OciMojo extends AbstractSpecMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.oci.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.oci.skip", defaultValue = "false")
    private boolean skipOci;

    @Override
    protected boolean skipGoal() {
        return skipOci;
    }

    /**
     * Where the bundle is written.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.bundle", defaultValue = "${project.build.directory}/nsbox-oci")
    private File bundle;

    /**
     * The bundle's process, a {@code /bin/sh -c} command line, instead of the spec's steps.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.command")
    private String command;

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        SpecOverrides overrides = new SpecOverrides(null, null, command, null, null, null,
                project.getBasedir().getAbsolutePath());
        Preparation prepared = prepare(outcomes, overrides.forEngine());
        outcomes.plan(prepared);
        try {
            Bundles.write(OciBundle.export(prepared.plan(), Bundles.thisHost()), bundle.toPath());
        } catch (SpecException e) {
            e.diagnostics().forEach(d -> getLog().error(d.format()));
            throw new MojoFailureException(e.diagnostics().get(0).format());
        } catch (IOException | IllegalStateException e) {
            throw new MojoExecutionException("cannot write the bundle " + bundle + ": " + e.getMessage(), e);
        }
        stamp(outcomes, bundle.toPath());
        getLog().info("nsbox: wrote the OCI bundle " + bundle + " (runc run --bundle " + bundle + " ID)");
    }
}
