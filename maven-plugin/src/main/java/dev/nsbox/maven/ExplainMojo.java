package dev.nsbox.maven;

import dev.nsbox.engine.Graphviz;
import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Explains the spec's effects on mounts, without applying anything: for each mount, the
 * propagation of what it lands on and its own after set-up, where it propagates and which rule
 * of the kernel's shared-subtree semantics decides it; then whether the sandbox is sealed from
 * the host. The simulation runs against this process's live mount table.
 *
 * <p>Like {@code nsbox explain}, it fails only on a spec it cannot read: a refused host effect is
 * what it is there to explain, and is logged as the error {@code nsbox:run} would stop at.
 *
 * <p>With {@code -Dnsbox.explainFormat=dot} or {@code svg} it also writes the picture of the
 * sandbox's mount tree into {@code target/nsbox/explain.dot} or {@code explain.svg} (svg needs
 * Graphviz's {@code dot}; without it the goal is a BUILD ERROR naming the package).
 *
 * @since 0.1.0
 */
@Mojo(name = "explain", threadSafe = true, requiresDependencyResolution = ResolutionScope.TEST)
public class ExplainMojo extends AbstractSpecMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.explain.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.explain.skip", defaultValue = "false")
    private boolean skipExplain;

    @Override
    protected boolean skipGoal() {
        return skipExplain;
    }

    /**
     * {@code text} (the log only), {@code dot} or {@code svg}: the log, and the picture written to
     * {@code ${project.build.directory}/nsbox/explain.dot} or {@code explain.svg}.
     *
     * @since 0.2.0
     */
    @Parameter(property = "nsbox.explainFormat", defaultValue = "text")
    private String format;

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        if (!format.equals("text") && !format.equals("dot") && !format.equals("svg")) {
            throw outcomes.badParameter("nsbox.explainFormat must be text, dot or svg, got \"" + format + "\"");
        }
        Preparation prepared = prepare(outcomes, Overrides.NONE);
        NsboxEngine.explain(prepared).forEach(getLog()::info);
        if (!format.equals("text")) {
            Path file = Path.of(project.getBuild().getDirectory(), "nsbox", "explain." + format);
            try {
                String dot = Graphviz.dot(prepared);
                Graphviz.write(file, format.equals("dot") ? dot : Graphviz.svg(dot));
            } catch (Graphviz.MissingException e) {
                throw new MojoExecutionException(e.getMessage(), e);
            } catch (IOException e) {
                throw new MojoExecutionException("cannot write " + file + ": " + e.getMessage(), e);
            }
            stamp(outcomes, file);
            getLog().info("nsbox: wrote " + file);
        }
        outcomes.report(prepared);
    }
}
