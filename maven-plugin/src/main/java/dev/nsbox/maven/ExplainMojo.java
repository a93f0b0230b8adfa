package dev.nsbox.maven;

import dev.nsbox.host.Preparation;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.plan.Explainer;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

import javax.inject.Inject;

/**
 * Explains the spec's effects on mounts, without applying anything: for each mount, the
 * propagation of what it lands on and its own after set-up, where it propagates and which rule
 * of the kernel's shared-subtree semantics decides it; then whether the sandbox is sealed from
 * the host. The simulation runs against this process's live mount table.
 *
 * <p>Like {@code nsbox explain}, it fails only on a spec it cannot read: a refused host effect is
 * what it is there to explain, and is logged as the error {@code nsbox:run} would stop at.
 *
 * @since 0.1.0
 */
@Mojo(name = "explain", threadSafe = true, requiresDependencyResolution = ResolutionScope.TEST)
public class ExplainMojo extends AbstractSpecMojo {

    @Inject
    public ExplainMojo(MavenProject project, MavenSession session) {
        super(project, session);
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        SpecOverrides none = new SpecOverrides(null, null, null, null, null, null,
                project.getBasedir().getAbsolutePath());
        Preparation prepared = Engine.prepare(outcomes, source(spec.toPath(), true), none, host());
        Kernel kernel = Kernel.ofRelease(System.getProperty("os.version", ""));
        Explainer.explain(prepared.plan(), prepared.hostTable(), kernel).forEach(getLog()::info);
        outcomes.report(prepared);
    }
}
