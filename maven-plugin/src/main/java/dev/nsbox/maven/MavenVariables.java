package dev.nsbox.maven;

import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The variables a spec sees in a Maven build (docs/spec.md, "Variables"), from the weakest to the
 * strongest, each source overriding the ones before it, as Maven's own interpolation does:
 *
 * <ol>
 *   <li>the JVM's system properties ({@code ${java.home}}, {@code ${os.name}}...);</li>
 *   <li>those of the CLI: {@code basedir}, {@code user.home}, {@code cwd}, {@code env.NAME};</li>
 *   <li>the project's properties ({@code <properties>} of the pom and its parents);</li>
 *   <li>the user properties of the command line ({@code mvn -Dname=value});</li>
 *   <li>the project's own values: {@code basedir} and {@code project.basedir} (the module's folder,
 *       as in Maven, not the spec's folder as in the CLI), {@code project.build.directory},
 *       {@code project.build.outputDirectory}, {@code project.build.testOutputDirectory},
 *       {@code project.build.finalName}, {@code project.groupId}, {@code project.artifactId},
 *       {@code project.version}, {@code settings.localRepository}, and the class paths
 *       {@code project.compileClasspath}, {@code project.runtimeClasspath},
 *       {@code project.testClasspath};</li>
 *   <li>the goal's {@code variables} parameter.</li>
 * </ol>
 *
 * <p>Immutable inputs, no Maven types: the Mojos gather the values, this class only orders them.
 */
record MavenVariables(
        Properties systemProperties,
        Properties projectProperties,
        Properties userProperties,
        Map<String, String> project,
        Map<String, String> configured) {

    /** The complete map for the spec in {@code specFile}. */
    Map<String, String> forSpec(Path specFile) {
        Map<String, String> vars = new LinkedHashMap<>();
        putAll(vars, systemProperties);
        vars.putAll(Variables.forCli(specFile, Map.of()));
        putAll(vars, projectProperties);
        putAll(vars, userProperties);
        vars.putAll(project);
        if (configured != null) {
            configured.forEach((k, v) -> vars.put(k, v == null ? "" : v));
        }
        return vars;
    }

    private static void putAll(Map<String, String> vars, Properties props) {
        if (props != null) {
            for (String name : props.stringPropertyNames()) {
                vars.put(name, props.getProperty(name));
            }
        }
    }
}
