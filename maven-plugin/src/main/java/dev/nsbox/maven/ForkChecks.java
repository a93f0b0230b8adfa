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
 *       path), or {@code -Djvm=} on the command line: the forks start some other java;</li>
 *   <li>{@code forkNode} other than the default pipes (the TCP {@code SurefireForkNodeFactory}):
 *       the fork cannot connect across the sandbox's network namespace and Maven hangs;</li>
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
                case "forkNode", "enableProcessChecker" -> List.of(prefix + parameter, "surefire." + parameter);
                default -> List.of();
            };
        }
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
                        + " java, outside the sandbox; drop -Djvm from the command line (nsbox:prepare sets jvm"
                        + " itself)");
            } else if (jvm != null) {
                String text = jvm.text() == null ? "" : jvm.text().trim();
                String value = interpolate(text, lookup);
                boolean ours = text.equals("${jvm}") || value.equals(jvmPath);
                if (!ours) {
                    problems.add((jvm.location() != null ? jvm.location() + ": " : where) + "error: " + e.label()
                            + ": <jvm>" + text + "</jvm> starts the test JVMs with "
                            + (value.contains("${") ? "whatever " + text + " names" : value)
                            + ", not through nsbox:prepare's wrapper, so they would run outside the sandbox; set"
                            + " <jvm>${jvm}</jvm> in this plugin's <configuration> (it overrides a parent's), or"
                            + " remove it");
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
