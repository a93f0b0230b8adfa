package dev.nsbox.maven;

import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What every goal of the plugin shares: the project and session, {@code skip} and the goal's own
 * {@code nsbox.GOAL.skip}, checked once, here, before any other work, and the Maven values every
 * goal's variables start from. A goal implements {@link #perform(Outcomes)}; every engine outcome
 * goes through {@link Outcomes}.
 *
 * <p>Thread-safe: each goal execution has its own Mojo instance, and the engine keeps no state
 * between calls, so the goals are marked {@code threadSafe} for {@code mvn -T}.
 */
abstract class AbstractNsboxMojo extends AbstractMojo {

    /**
     * Skips the goal: nothing is read, written or run. Every goal reads this property,
     * {@code nsbox:prepare} and {@code nsbox:verify-forks} included, so the tests then run outside
     * any sandbox. Set it back to {@code false} (or drop {@code -Dnsbox.skip}) to run it again.
     * Each goal also has a property that skips it alone, {@code nsbox.GOAL.skip}
     * ({@code nsbox.run.skip}, {@code nsbox.verify-forks.skip}).
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.skip", defaultValue = "false")
    protected boolean skip;

    /** This goal execution: its goal names the goal's own skip property. */
    @Parameter(defaultValue = "${mojoExecution}", readonly = true)
    protected MojoExecution mojoExecution;

    /** The project of this goal execution (Maven's stand-in project where none is needed). */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** The build this goal execution belongs to. */
    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    /**
     * The environment variable nsbox sets to {@code 1} for every step it runs (and so for every
     * test JVM of {@code nsbox:prepare}): a Maven build that sees it runs inside a sandbox already.
     */
    static final String SANDBOX_MARKER = "NSBOX_SANDBOX";

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip || skipGoal()) {
            String goal = mojoExecution == null ? "?" : mojoExecution.getGoal();
            String property = skip ? "nsbox.skip" : skipProperty(goal);
            String parameter = skip ? "skip" : skipParameter(goal);
            skipping();
            String line = "nsbox: skipped, because " + property + " is true" + skipped(property, parameter);
            if (skipIsUnsafe(!skip)) {
                getLog().warn(line);
            } else {
                getLog().info(line);
            }
            return;
        }
        String nested = insideSandbox();
        String marker = System.getenv(SANDBOX_MARKER);
        if (nested != null && marker != null && !marker.isEmpty()) {
            getLog().info("nsbox: skipped, because this build already runs inside an nsbox sandbox ("
                    + SANDBOX_MARKER + "=" + marker + ")" + nested);
            return;
        }
        perform(new Outcomes(getLog()));
    }

    /**
     * The value of the goal's own skip parameter, {@code skipGOAL} with the property
     * {@code nsbox.GOAL.skip} ({@link #skipParameter}, {@link #skipProperty}), which every goal
     * declares: it skips that goal alone, where {@code nsbox.skip} skips them all.
     */
    protected abstract boolean skipGoal();

    /** The property that skips {@code goal} alone: {@code nsbox.verify-forks.skip}. */
    static String skipProperty(String goal) {
        return "nsbox." + goal + ".skip";
    }

    /** The parameter that skips {@code goal} alone, as a pom names it: {@code skipVerifyForks}. */
    static String skipParameter(String goal) {
        StringBuilder b = new StringBuilder("skip");
        for (String word : goal.split("-")) {
            if (!word.isEmpty()) {
                b.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
        }
        return b.toString();
    }

    /** Called when the goal is skipped, before it says so; records what later goals must know. */
    protected void skipping() {
    }

    /**
     * What skipping this goal means and how to undo it, after "nsbox: skipped, because
     * {@code property} is true".
     */
    protected String skipped(String property, String parameter) {
        return "; " + undo(property, parameter) + " to run it";
    }

    /** "drop -Dnsbox.skip (or set <skip>false</skip>)". */
    static String undo(String property, String parameter) {
        return "drop -D" + property + " (or set <" + parameter + ">false</" + parameter + ">)";
    }

    /**
     * Whether skipping this goal leaves something unsandboxed or unproved, so that it is said at
     * WARNING.
     *
     * @param alone whether the goal's own property skips it, rather than {@code nsbox.skip}
     */
    protected boolean skipIsUnsafe(boolean alone) {
        return false;
    }

    /**
     * For a goal that would make a sandbox: why it is skipped inside one, after "nsbox: skipped,
     * because this build already runs inside an nsbox sandbox (NSBOX_SANDBOX=1)". Null: the goal
     * runs there as anywhere (it makes no sandbox).
     */
    protected String insideSandbox() {
        return null;
    }

    /** The goal's work; never called when it is skipped. */
    protected abstract void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException;

    /**
     * Gives {@code written} (a file or folder in the build directory) and the folders above it
     * the build's {@code project.build.outputTimestamp} as their modification time, when the
     * project sets one ({@link OutputTimestamp}).
     */
    protected void stamp(Outcomes outcomes, Path... written) throws MojoFailureException, MojoExecutionException {
        Optional<OutputTimestamp> t;
        try {
            t = OutputTimestamp.parse(project.getProperties().getProperty(OutputTimestamp.PROPERTY));
        } catch (IllegalArgumentException e) {
            throw outcomes.badParameter(e.getMessage());
        }
        if (t.isEmpty()) {
            return;
        }
        for (Path p : written) {
            try {
                t.get().stamp(p, Path.of(project.getBuild().getDirectory()));
            } catch (IOException e) {
                throw new MojoExecutionException("cannot set the modification time of " + p + " to "
                        + OutputTimestamp.PROPERTY + ": " + e, e);
            }
        }
    }

    /** The folder Maven was started in, which messages name files relative to; null when unknown. */
    protected Path executionRoot() {
        String root = session.getExecutionRootDirectory();
        return root == null ? null : Path.of(root);
    }

    /**
     * The project's values that every goal's spec may name, in this order: {@code basedir} and
     * {@code project.basedir} (the module's folder), {@code project.build.directory},
     * {@code project.build.outputDirectory}, {@code project.build.testOutputDirectory},
     * {@code settings.localRepository}. Goals add their own after these.
     */
    protected Map<String, String> projectValues() {
        Map<String, String> own = new LinkedHashMap<>();
        String basedir = project.getBasedir().getAbsolutePath();
        own.put("basedir", basedir);
        own.put("project.basedir", basedir);
        own.put("project.build.directory", project.getBuild().getDirectory());
        own.put("project.build.outputDirectory", project.getBuild().getOutputDirectory());
        own.put("project.build.testOutputDirectory", project.getBuild().getTestOutputDirectory());
        if (session.getLocalRepository() != null) {
            own.put("settings.localRepository", session.getLocalRepository().getBasedir());
        }
        return own;
    }
}
