package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every goal that reads the project's spec shares: the spec parameter, extra variables, and
 * the Maven values a spec may name ({@link MavenVariables}).
 */
abstract class AbstractSpecMojo extends AbstractNsboxMojo {

    /**
     * The spec to apply: a YAML file in the format of the nsbox spec, version 1. Relative paths in
     * it are relative to its folder.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.spec", defaultValue = "${project.basedir}/nsbox.yaml")
    protected File spec;

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

    /**
     * Prepares the goal's spec with {@code overrides} against this machine, as {@code nsbox run}
     * does; see {@link Outcomes#prepare}.
     */
    protected Preparation prepare(Outcomes outcomes, Overrides overrides)
            throws MojoFailureException, MojoExecutionException {
        return outcomes.prepare(source(spec.toPath(), true), overrides,
                NsboxEngine.host(project.getBasedir().getAbsolutePath()));
    }

    /** The spec file as the engine should read it, with its display name and variables. */
    protected SpecSource source(Path file, boolean classpaths) {
        return new SpecSource(file, SpecFiles.displayName(file, executionRoot()),
                mavenVariables(classpaths).forSpec(file));
    }

    /**
     * @param classpaths whether the goal resolved the project's dependencies; where it did not
     *                   ({@code validate}, which runs before anything is compiled), the class-path
     *                   variables are empty
     */
    private MavenVariables mavenVariables(boolean classpaths) {
        Map<String, String> own = projectValues();
        own.put("project.build.finalName", project.getBuild().getFinalName());
        own.put("project.groupId", project.getGroupId());
        own.put("project.artifactId", project.getArtifactId());
        own.put("project.version", project.getVersion());
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
