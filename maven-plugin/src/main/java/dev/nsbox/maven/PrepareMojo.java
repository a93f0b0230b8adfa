package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.RunOptions;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.exec.ForkServer;
import dev.nsbox.exec.Listener;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.yaml.Variables;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.model.InputLocation;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.toolchain.ToolchainManager;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Makes Surefire and Failsafe run every forked test JVM in a sandbox of its own. Writes
 * {@code target/nsbox-jvm/bin/java}, a wrapper that hands each fork to a fork server that this
 * goal starts in the Maven JVM (rootless: in the build's sandbox helper JVM) for the rest of the
 * build ({@code target/nsbox-jvm/forks/socket}), which runs the real java in the test spec's
 * sandbox, and sets the property {@code jvm}, which both plugins read for their
 * {@code jvm} parameter (as jacoco's {@code prepare-agent} sets {@code argLine}). Bound to
 * {@code initialize} by default.
 *
 * <p>Fails closed: a configuration under which a test would run outside the sandbox
 * ({@code forkCount} 0, a {@code jvm} that names something else, a project property {@code jvm},
 * {@code -Djvm} from the command line, {@code .mvn/} or {@code MAVEN_OPTS}), or would hang or
 * kill itself inside it (a TCP {@code forkNode}, {@code -Dmaven.surefire.debug} or
 * {@code debugForkedProcess}, {@code enableProcessChecker} {@code native} or {@code all}), is a
 * build error naming the setting, where it is, and the fix, as is a test spec that lets the test
 * JVM keep {@code CAP_SYS_ADMIN}. Skipped ({@code -Dnsbox.skip}), it says so at WARNING; inside
 * a sandbox of nsbox's ({@code NSBOX_SANDBOX} set), it skips, saying why. {@code nsbox:verify-forks} proves afterwards that every fork
 * went through the sandbox. See docs/hermetic-tests.md.
 *
 * @since 0.1.0
 */
@Mojo(name = "prepare", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class PrepareMojo extends AbstractNsboxMojo {

    /** Maven's toolchains: the JDK the build selected, if any, which the test forks then run on. */
    @Component
    private ToolchainManager toolchains;

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.prepare.skip}. The tests then run OUTSIDE any sandbox, which is said at WARNING, and
     * {@code nsbox:verify-forks}, if bound, fails the build, as nothing of this build proves them
     * sandboxed: skip it as well ({@code -Dnsbox.verify-forks.skip}, or {@code -Dnsbox.skip} for
     * both) to run the tests unsandboxed on purpose.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.prepare.skip", defaultValue = "false")
    private boolean skipPrepare;

    @Override
    protected boolean skipGoal() {
        return skipPrepare;
    }

    /** Where the wrapper is written, under the build directory. */
    static final String HOME = "nsbox-jvm";

    /** The hostname of the built-in spec. */
    static final String HOSTNAME = "nsbox-tests";

    /**
     * The spec every test JVM runs in. When it is not set, nsbox's built-in spec: no network but a
     * loopback of its own, the whole host read-only except the module's build directory, a private
     * {@code /tmp}, its own PIDs and hostname, and no capabilities (written to
     * {@code target/nsbox-jvm/hermetic-tests.yaml}, where you can read it and start your own from
     * it). A spec of your own must not keep {@code CAP_SYS_ADMIN} in {@code process.capabilities}; its variables are
     * {@code basedir}, {@code project.basedir}, {@code project.build.directory},
     * {@code project.build.outputDirectory}, {@code project.build.testOutputDirectory},
     * {@code settings.localRepository}, {@code session.executionRootDirectory}, those of {@code variables}, {@code env.NAME} and
     * {@code user.home}. Its steps are ignored: the test JVM is the command.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.testSpec")
    private File testSpec;

    /**
     * Extra variables for {@code ${name}} in the test spec, passed to it as {@code -D name=value}
     * each time a test JVM starts. They win over the ones nsbox defines.
     *
     * @since 0.1.0
     */
    @Parameter
    private Map<String, String> variables;

    /** This plugin, with the artifacts it runs from: the engine and its dependencies. */
    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    private PluginDescriptor plugin;

    /** No wrapper is written, {@code jvm} is not set, and the tests run outside any sandbox. */
    @Override
    protected String skipped(String property, String parameter) {
        return ": the tests will run OUTSIDE any sandbox; " + undo(property, parameter) + " to sandbox them"
                + (property.equals("nsbox.skip") ? "" : "; nsbox:verify-forks, if bound, fails the build: skip it"
                        + " too (" + skipProperty("verify-forks") + ") to run the tests unsandboxed on purpose");
    }

    /**
     * Tells {@code nsbox:verify-forks} of this module that the tests ran unsandboxed on purpose
     * or not: in the project's context, for this build only (nothing is written to disk).
     */
    @Override
    protected void skipping() {
        project.setContextValue(VerifyForksMojo.PREPARE_SKIPPED, skip ? "nsbox.skip" : skipProperty("prepare"));
    }

    /** Said at WARNING: the tests then run unsandboxed, which a build log must not hide. */
    @Override
    protected boolean skipIsUnsafe(boolean alone) {
        return true;
    }

    /** A build run by a step of nsbox's already runs in that step's sandbox, tests and all. */
    @Override
    protected String insideSandbox() {
        return ": its test JVMs run in that sandbox, as Maven does, not in one of their own (which the enclosing"
                + " sandbox does not allow); jvm is not set";
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException {
        Path home = Path.of(project.getBuild().getDirectory(), HOME);
        Path wrapper = home.resolve("bin/java");
        Path root = executionRoot();

        ForkChecks.JvmOrigins origins = jvmOrigins(root);
        // Set first, so that the checks see what Surefire will see: a -Djvm of the command line
        // or of the JVM wins over a project property in Maven's parameter evaluator.
        project.getProperties().setProperty("jvm", wrapper.toString());
        List<ForkChecks.Execution> executions = TestPlugins.of(project.getBuildPlugins(), root);
        List<String> problems = ForkChecks.check(executions, this::lookup, wrapper.toString(), origins);
        if (!problems.isEmpty()) {
            throw outcomes.badConfiguration(problems);
        }
        for (ForkChecks.Execution e : executions) {
            if (e.version() != null && e.version().startsWith("2.")) {
                // Measured with 2.12.4: the forks run sandboxed, but the reports list Maven's own
                // properties, so nsbox:verify-forks will fail; said now, before the tests run.
                getLog().warn((e.location() == null ? "" : e.location() + ": ") + "warning: " + e.label()
                        + " records Maven's system properties in its reports, not the test JVM's, so"
                        + " nsbox:verify-forks cannot prove the forks ran sandboxed and will fail; pin a 3.x version");
            }
        }

        // The JDK Surefire would have started: the build's toolchain, else Maven's own.
        JdkToolchain toolchain = JdkToolchain.selected(toolchains, session);
        Path javaHome = toolchain != null ? toolchain.home() : Path.of(System.getProperty("java.home"));
        if (!Files.isRegularFile(javaHome.resolve("release"))) {
            throw outcomes.machine(List.of("error: the JDK at " + javaHome + " has no release file, from which Surefire"
                    + " learns the test JVM's Java version (without it a modular project silently runs on the class"
                    + " path); run Maven with a complete JDK (JAVA_HOME)"));
        }

        Path specFile = specFile(outcomes, home);
        Map<String, String> defines = defines();
        String display = SpecFiles.displayName(specFile, root);
        // Planned now against this machine, so that a spec that cannot work fails here, once,
        // rather than in every fork.
        Preparation prepared = outcomes.prepare(new SpecSource(specFile, display, Variables.forCli(specFile, defines)),
                Overrides.command(List.of(javaHome.resolve("bin/java").toString())),
                NsboxEngine.host(project.getBasedir().getAbsolutePath()));
        Spec spec = prepared.plan().spec();
        if (spec.process().capabilities().contains(Capability.CAP_SYS_ADMIN)) {
            Origin o = spec.process().origins().of("capabilities");
            throw outcomes.badConfiguration(List.of(o.location() + ": error: process.capabilities keeps CAP_SYS_ADMIN,"
                    + " so each test JVM could remount the read-only project writable; remove it (test JVMs keep"
                    + " no capability by default)"));
        }
        outcomes.plan(prepared);

        String runId = UUID.randomUUID().toString();
        String userHome = System.getProperty("user.home");
        // Every fork goes to a fork server where the plan runs: this JVM, or the helper JVM of a
        // plan that needs a user namespace (rootless), which receives the fork's descriptors
        // itself. Only a helper that cannot check its peers keeps the cold-engine sh wrapper.
        String unservable = NsboxEngine.forksUnservable(prepared.plan());
        String through;
        try {
            if (unservable == null) {
                JvmWrapper.writeClient(home, javaHome);
                Path socket = serveForks(outcomes, home, prepared, javaHome, runId, userHome);
                through = "the fork server on " + socket + " " + NsboxEngine.where(prepared.plan());
            } else {
                JvmWrapper.write(home, javaHome, classpath(outcomes), specFile, defines, runId, userHome);
                through = "a cold nsbox per fork (" + unservable + ")";
            }
            Files.writeString(home.resolve(VerifyForksMojo.RUN_ID), runId + "\n");
        } catch (IOException e) {
            throw outcomes.machine(List.of("error: cannot write the test JVM wrapper in " + home + ": " + e));
        }
        getLog().info("nsbox: test JVMs of this module run in " + display + " through " + wrapper + ", "
                + through + " (jvm property set; run " + runId + ")");
    }

    /**
     * Starts the fork server where the plan runs (this JVM, or the rootless helper JVM) and
     * returns its socket; a server that cannot listen is a build error, never an unsandboxed fork.
     */
    private Path serveForks(Outcomes outcomes, Path home, Preparation prepared, Path javaHome, String runId,
                            String userHome) throws MojoExecutionException {
        Listener helper = new Listener() {
            @Override
            public void helperStarted(String description, Duration took) {
                getLog().info("nsbox: started the sandbox helper JVM in " + took.toMillis() + " ms (" + description
                        + ") to serve the test forks");
            }
        };
        try {
            return NsboxEngine.serveForks(home.resolve(ForkServer.DIRECTORY), prepared.plan(),
                    JvmWrapper.command(javaHome, runId, userHome), RunOptions.defaults().grace(), helper,
                    line -> getLog().warn(line));
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            throw outcomes.machine(why.startsWith("error: ") ? List.of(why.split("\n"))
                    : List.of("error: no fork server for the test JVMs of this module: " + why));
        }
    }

    /**
     * Where a {@code jvm} other than the wrapper's may come from: the project's own property
     * (read before it is replaced) with its pom line, and where a {@code -Djvm} was given.
     */
    private ForkChecks.JvmOrigins jvmOrigins(Path root) {
        String pomValue = project.getProperties().getProperty("jvm");
        String pomLocation = null;
        InputLocation properties = project.getModel().getLocation("properties");
        InputLocation at = properties == null ? null : properties.getLocation("jvm");
        if (at != null) {
            pomLocation = TestPlugins.location(at, root);
        }
        File base = session.getRequest().getMultiModuleProjectDirectory();
        File dotMvn = base == null ? null : new File(base, ".mvn");
        String override = ForkChecks.jvmOverrideOrigin(session.getUserProperties().getProperty("jvm") != null,
                System.getenv("MAVEN_CMD_LINE_ARGS"), words(dotMvn, "maven.config"), words(dotMvn, "jvm.config"),
                System.getenv("MAVEN_OPTS"));
        return new ForkChecks.JvmOrigins(pomValue, pomLocation, override);
    }

    /** The whitespace-separated words of {@code dir/name}, or none when it cannot be read. */
    private static List<String> words(File dir, String name) {
        if (dir == null) {
            return List.of();
        }
        try {
            String text = Files.readString(dir.toPath().resolve(name)).trim();
            return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    private String lookup(String name) {
        String v = session.getUserProperties().getProperty(name);
        if (v == null) {
            v = session.getSystemProperties().getProperty(name);
        }
        if (v == null) {
            v = project.getProperties().getProperty(name);
        }
        return v;
    }

    private Path specFile(Outcomes outcomes, Path home) throws MojoFailureException, MojoExecutionException {
        if (testSpec != null) {
            if (!testSpec.isFile()) {
                throw outcomes.badParameter(testSpec + ": error: the test spec does not exist; write it, point"
                        + " <testSpec> (-Dnsbox.testSpec) at another, or remove it to use nsbox's built-in spec");
            }
            return testSpec.toPath().toAbsolutePath().normalize();
        }
        Path builtIn = home.resolve("hermetic-tests.yaml");
        try (InputStream in = PrepareMojo.class.getResourceAsStream("hermetic-tests.yaml")) {
            Files.createDirectories(home);
            Files.copy(in, builtIn, StandardCopyOption.REPLACE_EXISTING);
            // Bound over /etc/hosts by the built-in spec: without it the sandbox's hostname
            // resolves nowhere (no network, no DNS) and InetAddress.getLocalHost() throws.
            Files.writeString(home.resolve("hosts"), "127.0.0.1\tlocalhost " + HOSTNAME + "\n"
                    + "::1\tlocalhost ip6-localhost ip6-loopback\n");
        } catch (IOException | NullPointerException e) {
            throw outcomes.machine(List.of("error: cannot write the built-in test spec to " + builtIn + ": " + e));
        }
        return builtIn;
    }

    /** The variables of the test spec, the same here and in every fork. */
    private Map<String, String> defines() {
        Map<String, String> d = projectValues();
        d.put("session.executionRootDirectory", session.getExecutionRootDirectory());
        if (variables != null) {
            variables.forEach((k, v) -> d.put(k, v == null ? "" : v));
        }
        d.values().removeIf(java.util.Objects::isNull);
        return d;
    }

    /** The engine and its dependencies, as Maven resolved them to run this plugin. */
    private List<Path> classpath(Outcomes outcomes) throws MojoExecutionException {
        List<Path> cp = new ArrayList<>();
        boolean engine = false;
        for (Artifact a : plugin.getArtifacts()) {
            if (a.getFile() != null) {
                cp.add(a.getFile().toPath().toAbsolutePath());
                engine |= "nsbox-engine".equals(a.getArtifactId());
            }
        }
        if (!engine) {
            throw outcomes.machine(List.of("error: nsbox-engine is not among the plugin's resolved artifacts ("
                    + plugin.getArtifacts() + "); the plugin's installation is broken"));
        }
        return cp;
    }
}
