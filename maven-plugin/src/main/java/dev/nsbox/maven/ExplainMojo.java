package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;


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

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        Preparation prepared = prepare(outcomes, Overrides.NONE);
        NsboxEngine.explain(prepared).forEach(getLog()::info);
        outcomes.report(prepared);
    }
}
