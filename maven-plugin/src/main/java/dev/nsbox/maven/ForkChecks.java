package dev.nsbox.maven;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of Surefire and Failsafe under which a test would run outside nsbox's sandbox
 * although {@code nsbox:prepare} ran, or would hang or kill itself inside it. Each one found is a
 * build error that names the setting, where it is, why it is refused and the fix: nsbox fails
 * closed, it never lets such a build pass.
 *
 * <ul>
 *   <li>{@code forkCount} 0 (or {@code forkMode} {@code never}, before Surefire 2.14): the tests run
 *       inside Maven's own JVM, never through {@code jvm};</li>
 *   <li>{@code jvm} set to anything but {@code ${jvm}} (a parent's {@code <jvm>${other}</jvm>}, a
 *       path), a project property {@code jvm} (Maven writes it into {@code <jvm>${jvm}</jvm>} as it
 *       reads the pom, before {@code nsbox:prepare} runs), or {@code -Djvm=} on the command line,
 *       in {@code MAVEN_OPTS} or in {@code .mvn/}: the forks start some other java;</li>
 *   <li>{@code forkNode} other than the default pipes (the TCP {@code SurefireForkNodeFactory}):
 *       the fork cannot connect across the sandbox's network namespace and Maven hangs;</li>
 *   <li>{@code debugForkedProcess} ({@code -Dmaven.surefire.debug}, {@code -Dmaven.failsafe.debug}):
 *       the fork waits for a debugger on a port of its own network namespace, which no debugger can
 *       reach, and Maven hangs;</li>
 *   <li>{@code enableProcessChecker} {@code native} or {@code all}: the fork looks for Maven's PID
 *       with {@code ps}, the PID namespace hides it, and the fork kills itself;</li>
 *   <li>{@code disableXmlReport}: nothing would show afterwards that the forks were sandboxed
 *       ({@code nsbox:verify-forks} reads the XML reports).</li>
 * </ul>
 *
 * <p>Pure: the Maven model is turned into {@link Execution}s elsewhere ({@link TestPlugins}).
 */
final class ForkChecks {

    /** One configured value: its text as the pom wrote it (after Maven's model interpolation). */
    record Value(String text, String implementation, String location) {
    }

    /**
     * The effective configuration of one execution of a test plugin: the execution's own values
     * over the plugin's.
     *
     * @param plugin   {@code maven-surefire-plugin} or {@code maven-failsafe-plugin}
     * @param id       the execution's id ({@code default-test}), or null for the plugin's own configuration
     * @param location where the plugin is declared ({@code pom.xml:31:15}), for messages
     * @param values   by parameter name
     */
    record Execution(String plugin, String version, String id, String location, Map<String, Value> values) {
        String label() {
            return plugin + (version == null ? "" : ":" + version) + (id == null ? "" : " (execution " + id + ")");
        }

        /** The properties a user may set the parameter with ({@code -DforkCount=0}). */
        List<String> properties(String parameter) {
            String prefix = plugin.contains("failsafe") ? "failsafe." : "surefire.";
            return switch (parameter) {
                case "forkCount", "jvm", "disableXmlReport", "forkMode" -> List.of(parameter);
                case "debugForkedProcess" -> List.of(plugin.contains("failsafe") ? "maven.failsafe.debug"
                        : "maven.surefire.debug");
                case "forkNode", "enableProcessChecker" -> List.of(prefix + parameter, "surefire." + parameter);
                default -> List.of();
            };
        }
    }

    /**
     * Where a {@code jvm} other than the wrapper's can come from, besides the test plugins'
     * configuration.
     *
     * @param pomValue    the project property {@code jvm} as the pom (or a parent) set it, before
     *                    {@code nsbox:prepare} set its own, or null
     * @param pomLocation where that property is written ({@code pom.xml:12:10}), or null
     * @param override    where a {@code -Djvm} that wins over the project's comes from, as a
     *                    message names it ({@code the command line}, {@code MAVEN_OPTS})
     */
    record JvmOrigins(String pomValue, String pomLocation, String override) {
        static final JvmOrigins COMMAND_LINE = new JvmOrigins(null, null, "the command line");
    }

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}]+)}");
    private static final Pattern ZERO_FORKS = Pattern.compile("0+(\\.0*)?[cC]?");

    private ForkChecks() {
    }

    /**
     * Every problem of every execution, one message each.
     *
     * @param lookup  a property as Maven's plugin-parameter evaluator finds it (the command line's
     *                and the JVM's first, then the project's), or null
     * @param jvmPath the wrapper that {@code jvm} must name
     */
    static List<String> check(List<Execution> executions, Function<String, String> lookup, String jvmPath) {
        return check(executions, lookup, jvmPath, JvmOrigins.COMMAND_LINE);
    }

    /** @param origins where a {@code jvm} property comes from, for the messages */
    static List<String> check(List<Execution> executions, Function<String, String> lookup, String jvmPath,
                              JvmOrigins origins) {
        List<String> problems = new ArrayList<>();
        for (Execution e : executions) {
            String where = e.location() == null ? "" : e.location() + ": ";

            Resolved forkCount = resolve(e, "forkCount", lookup);
            if (forkCount != null && ZERO_FORKS.matcher(forkCount.value().trim()).matches()) {
                problems.add(at(forkCount, where) + "error: " + e.label() + ": " + forkCount.shown()
                        + " runs the tests inside Maven's own JVM, outside the sandbox; remove it, or set forkCount to 1"
                        + " or more");
            }
            Resolved forkMode = resolve(e, "forkMode", lookup);
            if (forkMode != null && forkMode.value().trim().equalsIgnoreCase("never")) {
                problems.add(at(forkMode, where) + "error: " + e.label() + ": " + forkMode.shown()
                        + " runs the tests inside Maven's own JVM, outside the sandbox; remove it (or use forkCount 1)");
            }

            Value jvm = e.values().get("jvm");
            // The project property jvm is the wrapper by now: any other value comes from the
            // command line or the JVM, and wins in Maven's evaluator (and in model interpolation,
            // which turns a <jvm>${jvm}</jvm> into that value before any plugin runs).
            String jvmProperty = lookup.apply("jvm");
            if (jvmProperty != null && !jvmProperty.equals(jvmPath)) {
                problems.add("error: " + e.label() + ": -Djvm=" + jvmProperty + " starts the test JVMs with another"
                        + " java, outside the sandbox; drop -Djvm from " + origins.override() + " (nsbox:prepare sets"
                        + " jvm itself)");
            } else if (jvm != null) {
                String text = jvm.text() == null ? "" : jvm.text().trim();
                String value = interpolate(text, lookup);
                boolean ours = text.equals("${jvm}") || value.equals(jvmPath);
                if (!ours && origins.pomValue() != null && text.equals(origins.pomValue().trim())) {
                    // Maven's model interpolation has already turned <jvm>${jvm}</jvm> into the
                    // property's value; setting the property now changes nothing, so the property,
                    // not the <jvm> line, is what to remove.
                    problems.add((origins.pomLocation() != null ? origins.pomLocation() + ": " : where) + "error: "
                            + e.label() + ": the project property jvm (" + text + ") starts the test JVMs with " + text
                            + ", not through nsbox:prepare's wrapper: Maven writes it into <jvm>${jvm}</jvm> as it reads"
                            + " the pom, before nsbox:prepare can set jvm, so they would run outside the sandbox; remove"
                            + " <jvm> from the pom's <properties> (nsbox:prepare sets jvm itself)");
                } else if (!ours) {
                    problems.add((jvm.location() != null ? jvm.location() + ": " : where) + "error: " + e.label()
                            + ": <jvm>" + text + "</jvm> starts the test JVMs with "
                            + (value.contains("${") ? "whatever " + text + " names" : value)
                            + ", not through nsbox:prepare's wrapper, so they would run outside the sandbox; set"
                            + " <jvm>${jvm}</jvm> in " + e.plugin() + "'s <configuration> in your pom (it overrides a"
                            + " parent's), or remove it");
                }
            }

            Value forkNode = e.values().get("forkNode");
            String nodeProperty = firstProperty(e, "forkNode", lookup);
            if (forkNode != null || nodeProperty != null) {
                String impl = forkNode != null ? forkNode.implementation() : nodeProperty;
                if (impl == null || !impl.endsWith("LegacyForkNodeFactory")) {
                    problems.add((forkNode != null && forkNode.location() != null ? forkNode.location() + ": " : where)
                            + "error: " + e.label() + ": forkNode " + (impl == null ? "" : impl + " ")
                            + "talks to the fork over TCP, which cannot cross the sandbox's network namespace (Maven would"
                            + " hang); remove <forkNode> so that the fork uses its standard streams");
                }
            }

            Resolved debug = resolve(e, "debugForkedProcess", lookup);
            if (debug != null && !debug.value().isBlank() && !debug.value().trim().equals("false")) {
                String property = e.properties("debugForkedProcess").get(0);
                problems.add(at(debug, where) + "error: " + e.label() + ": " + debug.shown()
                        + " makes each test JVM wait for a debugger on a port of the sandbox's own network namespace,"
                        + " which no debugger can reach, so Maven would hang for ever; "
                        + (debug.fromCommandLine() ? "to debug a test, add -Dnsbox.skip"
                        : "remove it, and to debug a test use -Dnsbox.skip -D" + property)
                        + " (the test JVMs then run outside the sandbox, and the build warns so)");
            }

            Resolved checker = resolve(e, "enableProcessChecker", lookup);
            if (checker != null) {
                String v = checker.value().trim().toLowerCase(Locale.ROOT);
                if (v.equals("native") || v.equals("all")) {
                    problems.add(at(checker, where) + "error: " + e.label() + ": " + checker.shown()
                            + " makes the fork look for Maven's PID with ps, which the sandbox's PID namespace hides,"
                            + " so the fork would kill itself; remove it or set it to ping");
                }
            }

            Resolved xml = resolve(e, "disableXmlReport", lookup);
            if (xml != null && Boolean.parseBoolean(xml.value().trim())) {
                problems.add(at(xml, where) + "error: " + e.label() + ": " + xml.shown()
                        + " leaves no report to prove the forks ran sandboxed (nsbox:verify-forks reads them); remove it");
            }
        }
        return problems;
    }

    /** A parameter's effective value and how the message shows it. */
    private record Resolved(String value, String shown, String location, boolean fromCommandLine) {
    }

    /** Where a value comes from: its pom line, or nothing for the command line's. */
    private static String at(Resolved r, String where) {
        return r.location() != null ? r.location() + ": " : r.fromCommandLine() ? "" : where;
    }

    private static Resolved resolve(Execution e, String parameter, Function<String, String> lookup) {
        Value v = e.values().get(parameter);
        if (v != null && v.text() != null) {
            String value = interpolate(v.text(), lookup);
            String shown = "<" + parameter + ">" + v.text() + "</" + parameter + ">"
                    + (value.equals(v.text()) ? "" : " (" + value + ")");
            return new Resolved(value, shown, v.location(), false);
        }
        for (String p : e.properties(parameter)) {
            String value = lookup.apply(p);
            if (value != null) {
                return new Resolved(value, "-D" + p + "=" + value, null, true);
            }
        }
        return null;
    }

    private static String firstProperty(Execution e, String parameter, Function<String, String> lookup) {
        for (String p : e.properties(parameter)) {
            String value = lookup.apply(p);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /**
     * Where a {@code -Djvm} that wins over the project's came from, as messages name it. The mvn
     * script passes {@code .mvn/maven.config}'s words before the command line's (both become user
     * properties, in {@code MAVEN_CMD_LINE_ARGS}), and puts {@code .mvn/jvm.config}'s lines before
     * {@code MAVEN_OPTS} (both become the JVM's own system properties).
     *
     * @param userProperty whether {@code jvm} is one of Maven's user properties (not only a system property)
     * @param cmdLineArgs  {@code MAVEN_CMD_LINE_ARGS}, or null
     * @param mavenConfig  the words of {@code .mvn/maven.config}, or none
     * @param jvmConfig    the words of {@code .mvn/jvm.config}, or none
     * @param mavenOpts    {@code MAVEN_OPTS}, or null
     */
    static String jvmOverrideOrigin(boolean userProperty, String cmdLineArgs, List<String> mavenConfig,
                                    List<String> jvmConfig, String mavenOpts) {
        if (userProperty) {
            int inConfig = defines(mavenConfig);
            int inArgs = cmdLineArgs == null ? 0 : defines(List.of(cmdLineArgs.trim().split("\\s+")));
            return inConfig > 0 && inArgs <= inConfig ? ".mvn/maven.config" : "the command line";
        }
        if (defines(jvmConfig) > 0) {
            return ".mvn/jvm.config";
        }
        if (mavenOpts != null && defines(List.of(mavenOpts.trim().split("\\s+"))) > 0) {
            return "MAVEN_OPTS";
        }
        return "the JVM's options (MAVEN_OPTS, .mvn/jvm.config or JAVA_TOOL_OPTIONS)";
    }

    /** How many of these words define jvm: {@code -Djvm=x}, {@code -Djvm}, or {@code -D jvm=x}. */
    private static int defines(List<String> words) {
        int n = 0;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("-D") && i + 1 < words.size()) {
                w = "-D" + words.get(++i);
            }
            if (w.equals("-Djvm") || w.startsWith("-Djvm=")) {
                n++;
            }
        }
        return n;
    }

    /** {@code ${name}} replaced as Maven's evaluator would; an undefined one is left as it is. */
    static String interpolate(String text, Function<String, String> lookup) {
        Matcher m = EXPRESSION.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = lookup.apply(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
