package dev.nsbox.maven;

import dev.nsbox.host.LiveHost;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every goal that reads a spec shares: the spec parameter, {@code skip}, extra variables,
 * and the Maven values a spec may name. A goal implements {@link #perform(Outcomes)}; it is
 * called only when the goal is not skipped, and every engine outcome goes through
 * {@link Outcomes}.
 *
 * <p>Thread-safe: each goal execution has its own Mojo instance, and the engine keeps no state
 * between calls, so the goals are marked {@code threadSafe} for {@code mvn -T}.
 */
abstract class AbstractSpecMojo extends AbstractMojo {

    /**
     * The spec to apply: a YAML file in the format of the nsbox spec, version 1. Relative paths in
     * it are relative to its folder.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.spec", defaultValue = "${project.basedir}/nsbox.yaml")
    protected File spec;

    /**
     * Skips the goal: nothing is read or run. Set it back to {@code false} (or drop
     * {@code -Dnsbox.skip}) to run it again.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.skip", defaultValue = "false")
    protected boolean skip;

    /**
     * Extra variables for {@code ${name}} in the spec ({@code <variables><profile>ci</profile></variables>}).
     * They win over every other source: the project's values, its properties, the command line's
     * {@code -Dname=value}, the environment ({@code ${env.NAME}}) and the JVM's system properties.
     * There is no {@code nsbox.variables} property: Maven cannot make a map of one string, and on
     * the command line {@code -Dname=value} already defines {@code ${name}}.
     *
     * @since 0.1.0
     */
    @Parameter
    protected Map<String, String> variables;

    protected final MavenProject project;
    protected final MavenSession session;

    protected AbstractSpecMojo(MavenProject project, MavenSession session) {
        this.project = project;
        this.session = session;
    }

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("nsbox: skipped, because nsbox.skip is true; drop -Dnsbox.skip (or set <skip>false</skip>) "
                    + "to run it");
            return;
        }
        perform(new Outcomes(getLog()));
    }

    /** The goal's work; never called when it is skipped. */
    protected abstract void perform(Outcomes outcomes) throws MojoExecutionException, MojoFailureException;

    /**
     * Every spec of the project: {@code spec} when it exists (or was named explicitly), and each
     * of {@code extra} (relative to the project's folder), folders expanded.
     */
    protected List<Path> projectSpecs(List<File> extra, Outcomes outcomes) throws MojoFailureException {
        List<File> entries = new ArrayList<>();
        // The default spec counts when it is there; a module without one has nothing to check.
        Path defaultSpec = project.getBasedir().toPath().resolve("nsbox.yaml").toAbsolutePath().normalize();
        if (spec.exists() || !spec.getAbsoluteFile().toPath().normalize().equals(defaultSpec)) {
            entries.add(spec);
        }
        if (extra != null) {
            for (File f : extra) {
                entries.add(f.isAbsolute() ? f : new File(project.getBasedir(), f.getPath()));
            }
        }
        try {
            return SpecFiles.expand(entries);
        } catch (IOException e) {
            throw outcomes.badParameter("cannot list the specs in " + entries + ": " + e.getMessage());
        }
    }

    /** The spec file as the loader should read it, with its display name and variables. */
    protected Outcomes.Source source(Path file, boolean classpaths) {
        return new Outcomes.Source(file, SpecFiles.displayName(file, executionRoot()),
                mavenVariables(classpaths).forSpec(file));
    }

    /** The machine as the planner sees it; the default working directory is the module's folder. */
    protected LiveHost host() {
        return new LiveHost(System.getenv(), project.getBasedir().getAbsolutePath());
    }

    private Path executionRoot() {
        String root = session.getExecutionRootDirectory();
        return root == null ? null : Path.of(root);
    }

    /**
     * @param classpaths whether the goal resolved the project's dependencies; where it did not
     *                   ({@code validate}, which runs before anything is compiled), the class-path
     *                   variables are empty
     */
    private MavenVariables mavenVariables(boolean classpaths) {
        Map<String, String> own = new LinkedHashMap<>();
        String basedir = project.getBasedir().getAbsolutePath();
        own.put("basedir", basedir);
        own.put("project.basedir", basedir);
        own.put("project.build.directory", project.getBuild().getDirectory());
        own.put("project.build.outputDirectory", project.getBuild().getOutputDirectory());
        own.put("project.build.testOutputDirectory", project.getBuild().getTestOutputDirectory());
        own.put("project.build.finalName", project.getBuild().getFinalName());
        own.put("project.groupId", project.getGroupId());
        own.put("project.artifactId", project.getArtifactId());
        own.put("project.version", project.getVersion());
        if (session.getLocalRepository() != null) {
            own.put("settings.localRepository", session.getLocalRepository().getBasedir());
        }
        own.put("project.compileClasspath", classpaths ? classpath(Scope.COMPILE) : "");
        own.put("project.runtimeClasspath", classpaths ? classpath(Scope.RUNTIME) : "");
        own.put("project.testClasspath", classpaths ? classpath(Scope.TEST) : "");
        own.values().removeIf(java.util.Objects::isNull);
        return new MavenVariables(session.getSystemProperties(), project.getProperties(),
                session.getUserProperties(), own, variables);
    }

    private enum Scope { COMPILE, RUNTIME, TEST }

    private String classpath(Scope scope) {
        try {
            List<String> elements = switch (scope) {
                case COMPILE -> project.getCompileClasspathElements();
                case RUNTIME -> project.getRuntimeClasspathElements();
                case TEST -> project.getTestClasspathElements();
            };
            return String.join(File.pathSeparator, elements);
        } catch (DependencyResolutionRequiredException e) {
            // The goals that define class paths declare requiresDependencyResolution = TEST, so
            // Maven has resolved them before the goal runs; this cannot happen there.
            throw new IllegalStateException(e);
        }
    }
}
