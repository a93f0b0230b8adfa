package dev.nsbox.maven;

import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Proves that every test JVM of this build ran in nsbox's sandbox: each Surefire and Failsafe XML
 * report ({@code TEST-*.xml}) written since {@code nsbox:prepare} ran must list the system
 * property {@code nsbox.sandboxed} with this build's run ID, which the test JVM gets only as the
 * command nsbox ran inside the sandbox. A report without it (tests that ran inside Maven, or
 * through another java), or with another value (an {@code argLine} that sets
 * {@code -Dnsbox.sandboxed} itself overrides the marker), fails the build, naming the report. A
 * report of which no test ran (a class {@code @Disabled} as a whole, in a fork of its own, lists
 * no JVM property) proves nothing either way: it is named as such and does not fail the build.
 * Reports older than
 * {@code nsbox:prepare}'s run are from an earlier build and are not judged. Bound to
 * {@code verify} by default, after Failsafe's tests.
 *
 * @since 0.1.0
 */
@Mojo(name = "verify-forks", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class VerifyForksMojo extends AbstractNsboxMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.verify-forks.skip}. Said at WARNING: nothing then proves that the test JVMs ran sandboxed.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.verify-forks.skip", defaultValue = "false")
    private boolean skipVerifyForks;

    @Override
    protected boolean skipGoal() {
        return skipVerifyForks;
    }

    /** The file in {@code target/nsbox-jvm} where {@code nsbox:prepare} leaves its run ID. */
    static final String RUN_ID = "run-id";

    /**
     * The key of the project's context value by which a skipped {@code nsbox:prepare} tells this
     * goal which property skipped it, for this build only.
     */
    static final String PREPARE_SKIPPED = "dev.nsbox.maven.prepare.skipped";

    /** With {@code nsbox.skip}, the check is skipped together with {@code nsbox:prepare}. */
    @Override
    protected String skipped(String property, String parameter) {
        return (property.equals("nsbox.skip") ? "" : ": nothing proves that this build's test JVMs ran in nsbox's sandbox")
                + "; " + undo(property, parameter) + " to check the test JVMs again";
    }

    /** Skipped alone, nothing proves what nsbox:prepare did: said at WARNING. */
    @Override
    protected boolean skipIsUnsafe(boolean alone) {
        return alone;
    }

    /** Skipped with nsbox:prepare inside a sandbox: nothing of this build marks the test JVMs. */
    @Override
    protected String insideSandbox() {
        return ": nsbox:prepare did not mark the test JVMs, which run in that sandbox; nothing to check";
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        Object prepareSkipped = project.getContextValue(PREPARE_SKIPPED);
        if (prepareSkipped != null) {
            // Fail closed: a skipped prepare set no jvm, so the tests ran unsandboxed; a run ID
            // left by an earlier build must not make this one look checked.
            throw outcomes.badConfiguration(List.of("error: nsbox:prepare was skipped (" + prepareSkipped + " is true),"
                    + " so this module's tests ran OUTSIDE any sandbox and nothing proves otherwise; skip this check as"
                    + " well (-D" + skipProperty("verify-forks") + ", or -Dnsbox.skip for both goals) to run them"
                    + " unsandboxed on purpose, or drop -D" + prepareSkipped + " to sandbox them"));
        }
        Path root = executionRoot();
        Path runIdFile = Path.of(project.getBuild().getDirectory(), PrepareMojo.HOME, RUN_ID);
        if (!Files.isRegularFile(runIdFile)) {
            throw outcomes.badParameter(SpecFiles.displayName(runIdFile, root) + ": error: nsbox:prepare has not run in"
                    + " this module, so nothing sandboxed its tests; add the prepare goal to the plugin's executions");
        }
        try {
            String runId = Files.readString(runIdFile).trim();
            long since = Files.getLastModifiedTime(runIdFile).toMillis();
            ForkReports.Verdict v = ForkReports.judge(reportDirectories(root), runId, since);
            List<String> problems = new ArrayList<>();
            for (Path bad : v.unsandboxed()) {
                problems.add(SpecFiles.displayName(bad, root) + ": error: this test JVM did not run in nsbox's sandbox"
                        + " (its system properties lack " + JvmWrapper.MARKER + "=" + runId + "); its tests ran"
                        + " unsandboxed: look for a forkCount 0, a <jvm> or an -Djvm that bypass nsbox:prepare");
            }
            v.overridden().forEach((report, marker) -> problems.add(SpecFiles.displayName(report, root)
                    + ": error: this test JVM's " + JvmWrapper.MARKER + " is " + marker + ", not this build's run ID "
                    + runId + ": the marker was overridden (an -D" + JvmWrapper.MARKER + " in argLine or"
                    + " systemPropertyVariables wins over the one nsbox gives), so nothing proves whether its tests ran"
                    + " sandboxed; remove " + JvmWrapper.MARKER + " from the test plugin's configuration"));
            for (Path m : v.mavens()) {
                problems.add(SpecFiles.displayName(m, root) + ": error: this report lists Maven's own system properties,"
                        + " not a test JVM's, so nothing proves its tests ran in nsbox's sandbox: either they ran inside"
                        + " Maven (forkCount 0), or this Surefire/Failsafe does not record the fork's properties (2.12.4"
                        + " does not, 3.2.5 does); pin a recent maven-surefire-plugin (or failsafe) version");
            }
            for (Path s : v.allSkipped()) {
                getLog().info("nsbox: " + SpecFiles.displayName(s, root) + " proves nothing: every test was skipped,"
                        + " no JVM ran them");
            }
            if (!problems.isEmpty()) {
                throw outcomes.badConfiguration(problems);
            }
            if (v.sandboxed().isEmpty()) {
                getLog().info("nsbox: no test report " + (v.allSkipped().isEmpty() ? "was written" : "of a test that ran")
                        + " since nsbox:prepare ran; no test JVM to check");
            } else {
                getLog().info("nsbox: all " + v.sandboxed().size() + " test reports of this build"
                        + (v.allSkipped().isEmpty() ? "" : " that ran tests") + " come from test JVMs"
                        + " that ran in nsbox's sandbox (" + JvmWrapper.MARKER + "=" + runId + ")");
            }
        } catch (IOException e) {
            throw outcomes.machine(List.of("error: cannot read the test reports: " + e));
        }
    }

    private List<Path> reportDirectories(Path root) {
        Set<Path> dirs = new LinkedHashSet<>();
        Path target = Path.of(project.getBuild().getDirectory());
        dirs.add(target.resolve("surefire-reports"));
        dirs.add(target.resolve("failsafe-reports"));
        for (ForkChecks.Execution e : TestPlugins.of(project.getBuildPlugins(), root)) {
            ForkChecks.Value dir = e.values().get("reportsDirectory");
            if (dir != null && dir.text() != null && !dir.text().contains("${")) {
                Path p = Path.of(dir.text().trim());
                dirs.add(p.isAbsolute() ? p : project.getBasedir().toPath().resolve(p));
            }
        }
        return new ArrayList<>(dirs);
    }
}
