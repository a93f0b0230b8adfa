package dev.nsbox.maven;

import dev.nsbox.engine.Preparation;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.PlanFormat;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Prints what {@code nsbox:run} would do, without doing it: every system call in order, in C
 * syntax with flags by name, each with the spec line that asked for it; the checks made of the
 * finished mount table; the steps; and the predicted effects on the host's mount table. A plan
 * the engine refuses on this machine (a missing mount point, a refused host effect) is printed
 * and then fails the build, with the spec line.
 *
 * @since 0.1.0
 */
@Mojo(name = "plan", threadSafe = true, requiresDependencyResolution = ResolutionScope.TEST)
public class PlanMojo extends AbstractSpecMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.plan.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.plan.skip", defaultValue = "false")
    private boolean skipPlan;

    @Override
    protected boolean skipGoal() {
        return skipPlan;
    }

    /**
     * {@code text} (C calls, for people) or {@code json} (for programs: at least
     * {@code {"operations": [...], "hostEffects": [...]}}).
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.format", defaultValue = "text")
    private String format;

    /**
     * Also writes the plan to this file (in {@code format}); the log still shows it.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.planFile")
    private File planFile;

    /**
     * Plans this command line ({@code /bin/sh -c}) instead of the spec's steps, as
     * {@code nsbox:run -Dnsbox.command=...} would run it.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.command")
    private String command;

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        if (!format.equals("text") && !format.equals("json")) {
            throw outcomes.badParameter("nsbox.format must be text or json, got \"" + format + "\"");
        }
        SpecOverrides overrides = new SpecOverrides(null, null, command, null, null, null,
                project.getBasedir().getAbsolutePath());
        Preparation prepared = prepare(outcomes, overrides.forEngine());
        Plan plan = prepared.plan();
        String text = format.equals("json") ? PlanFormat.json(plan) : PlanFormat.text(plan);
        text.lines().forEach(getLog()::info);
        if (planFile != null) {
            try {
                Files.createDirectories(planFile.getAbsoluteFile().getParentFile().toPath());
                Files.writeString(planFile.toPath(), text, StandardCharsets.UTF_8);
                stamp(outcomes, planFile.toPath());
            } catch (IOException e) {
                throw new MojoExecutionException("cannot write the plan to " + planFile + ": " + e.getMessage(), e);
            }
        }
        outcomes.plan(prepared);
    }
}
