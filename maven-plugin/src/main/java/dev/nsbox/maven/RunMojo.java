package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.RunOptions;
import dev.nsbox.engine.RunReport;
import dev.nsbox.exec.RunResult;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.toolchain.ToolchainManager;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Applies the spec and runs its steps in one sandbox: the steps of the spec, or those of the
 * pom ({@code steps}), or one command line ({@code -Dnsbox.command="..."}). The sandbox (its
 * namespaces, root and mounts) always comes from the spec.
 *
 * <p>The sandbox is made in the Maven JVM, on a thread of its own, in milliseconds; no second JVM
 * is started. Where the plan needs a user namespace (Maven runs without {@code CAP_SYS_ADMIN},
 * or the spec lists {@code user}), which the kernel refuses a JVM, one helper JVM is started in
 * a user namespace for the whole build and runs every such sandbox. Each step's output reaches the log line by line as it is produced, marked with the
 * step's name. A failing step fails the build (BUILD FAILURE) naming the step, its exit code and
 * its spec line; a machine that cannot provide what the spec needs is a BUILD ERROR saying what
 * is missing and how to enable it. Ending Maven (Ctrl-C) ends the steps and everything they
 * started.
 *
 * <p>Bound to the {@code test} phase by default; bind it to any phase. The project's dependencies
 * are resolved first, so that a spec may name {@code ${project.testClasspath}} (and
 * {@code project.compileClasspath}, {@code project.runtimeClasspath}), as exec-maven-plugin's
 * {@code %classpath} does.
 *
 * <p>When the build uses a JDK toolchain (maven-toolchains-plugin), the steps see it:
 * {@code JAVA_HOME} is its home and its {@code bin} comes first on {@code PATH} (see
 * {@link JdkToolchain}); the pom's {@code environment} and a step's {@code env} still win.
 *
 * <p>Every run, failed or not, leaves its report in {@code target/nsbox/run-report.json}: the
 * spec, each step's exit code, signal, duration and what killed it, and the host check's result
 * (the JSON of {@code nsbox run --report}).
 *
 * @since 0.1.0
 */
@Mojo(name = "run", defaultPhase = LifecyclePhase.TEST, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.TEST)
public class RunMojo extends AbstractSpecMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.run.skip}. No step runs and no report is written.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.run.skip", defaultValue = "false")
    private boolean skipRun;

    @Override
    protected boolean skipGoal() {
        return skipRun;
    }

    /**
     * Steps to run instead of the spec's, each with the keys of a spec's step:
     * <pre>{@code
     * <steps>
     *   <step>
     *     <name>compile</name>
     *     <run><arg>javac</arg><arg>-d</arg><arg>target/classes</arg><arg>Main.java</arg></run>
     *   </step>
     *   <step>
     *     <name>test</name>
     *     <shell>./run-tests.sh --fast</shell>
     *     <timeout>2m</timeout>
     *     <env><FAST>1</FAST></env>
     *     <cwd>tests</cwd>
     *   </step>
     * </steps>
     * }</pre>
     * {@code run} is an argv (no shell), {@code shell} a line for {@code /bin/sh -c}; {@code cwd}
     * is relative to the project's folder. Empty: the spec's steps. Steps are structured, so there
     * is no {@code nsbox.steps} property; use {@code nsbox.command} on the command line.
     *
     * @since 0.1.0
     */
    @Parameter
    private List<PomStep> steps;

    /**
     * One command line, run with {@code /bin/sh -c} in the spec's sandbox instead of any step:
     * {@code mvn nsbox:run -Dnsbox.command="ls -la /proc"}. Its output is marked {@code [command]}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.command")
    private String command;

    /**
     * How long a step may run ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or parts such
     * as {@code 1m30s}), for every step that does not set its own; it replaces the spec's
     * {@code process.timeout}. A step past it gets SIGTERM, then SIGKILL after {@code grace}, and
     * fails the build. Empty: the spec's timeout, or none.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.timeout")
    private String timeout;

    /**
     * How long a step has between SIGTERM and SIGKILL, after its timeout or when Maven is
     * stopped ({@code 10s}).
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.grace", defaultValue = "10s")
    private String grace;

    /**
     * Environment variables set for every step, over the spec's {@code process.env.set}
     * ({@code <environment><TZ>UTC</TZ></environment>}). A step's own {@code env} still wins.
     * There is no {@code nsbox.environment} property: Maven cannot make a map of one string; on
     * the command line, {@code nsbox.command} is a shell line and can set variables itself
     * ({@code -Dnsbox.command="TZ=UTC ./report.sh"}).
     *
     * @since 0.1.0
     */
    @Parameter
    private Map<String, String> environment;

    /**
     * The working directory of every step that does not set its own, instead of the spec's
     * {@code process.cwd}. Empty: the spec's, or the project's folder.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.workingDirectory")
    private File workingDirectory;

    /**
     * Also writes the steps' output (standard output and error, as they come, without marks) to
     * this file, as exec-maven-plugin's {@code outputFile} does. The log still shows it.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.outputFile")
    private File outputFile;

    /** Maven's toolchains: the JDK the build selected, if any, which the steps then see. */
    @Component
    private ToolchainManager toolchains;

    /**
     * A spec whose step runs Maven (mvn test) would reach this goal again inside its own sandbox,
     * which cannot make another: it keeps no CAP_SYS_ADMIN and its seccomp filter refuses
     * unshare(2) and mount(2).
     */
    @Override
    protected String insideSandbox() {
        return ": its steps would need a sandbox inside that one, which refuses to make it (no CAP_SYS_ADMIN,"
                + " unshare(2) filtered); the step that runs Maven is already sandboxed. To nest anyway, give that"
                + " step the capabilities it needs and set " + SANDBOX_MARKER + " to \"\" in its env";
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        Duration graceTime;
        try {
            graceTime = SpecOverrides.duration(grace, "nsbox.grace");
        } catch (IllegalArgumentException e) {
            throw outcomes.badParameter(e.getMessage());
        }
        Origin pom = PomLocation.of(project, mojoExecution, Path.of(session.getExecutionRootDirectory()));
        SpecOverrides overrides = new SpecOverrides(steps, pom, command, timeout, environment,
                workingDirectory == null ? null : workingDirectory.getAbsolutePath(),
                project.getBasedir().getAbsolutePath());
        createBuildDirectories();
        JdkToolchain jdk = JdkToolchain.selected(toolchains, session);
        Map<String, String> callerEnv = System.getenv();
        Preparation prepared = prepare(outcomes, jdk == null ? overrides.forEngine()
                : new Overrides(s -> overrides.apply(jdk.apply(s, callerEnv)), null));
        if (jdk != null) {
            getLog().info("nsbox: the steps use the build's JDK toolchain: JAVA_HOME=" + jdk.home() + ", " + jdk.bin()
                    + " first on PATH");
        }
        Plan plan = outcomes.plan(prepared);
        plan.notes().forEach(n -> getLog().info("nsbox: " + n));
        getLog().info("nsbox: applying " + plan.spec().file() + (plan.spec().name() == null ? ""
                : " (" + plan.spec().name() + ")") + ", " + plan.launch().steps().size()
                + (plan.launch().steps().size() == 1 ? " step" : " steps") + ", " + NsboxEngine.where(plan));
        RunResult result;
        try (StepLog log = new StepLog(getLog(), outputFile == null ? null : outputFile.toPath())) {
            result = NsboxEngine.run(prepared, log.io(), log, new RunOptions(graceTime, true));
        } catch (IOException e) {
            throw new MojoExecutionException("cannot write the steps' output to " + outputFile + ": " + e.getMessage(), e);
        }
        Path report = Path.of(project.getBuild().getDirectory(), "nsbox", "run-report.json");
        try {
            RunReport.write(report, plan, result);
        } catch (IOException e) {
            throw new MojoExecutionException("cannot write the run's report to " + report + ": " + e.getMessage(), e);
        }
        stamp(outcomes, report);
        if (outputFile != null) {
            stamp(outcomes, outputFile.toPath());
        }
        outcomes.run(result);
    }

    /**
     * Makes the missing bind sources in {@code ${project.build.directory}} (see
     * {@link BuildDirectories}). A spec that does not load is left to {@link #prepare}, which
     * reports every problem of it.
     */
    private void createBuildDirectories() throws MojoExecutionException {
        Spec loaded;
        try {
            loaded = NsboxEngine.load(source(spec.toPath(), true)).spec();
        } catch (SpecException e) {
            return;
        }
        try {
            for (Path made : BuildDirectories.create(loaded, Path.of(project.getBuild().getDirectory()))) {
                getLog().info("nsbox: created " + made + " (a bind source in the build's output folder)");
            }
        } catch (IOException e) {
            throw new MojoExecutionException("cannot create a bind source in " + project.getBuild().getDirectory()
                    + ": " + e, e);
        }
    }
}
