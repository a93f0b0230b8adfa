package dev.nsbox.spec.yaml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The variables of a spec ({@code ${name}}, {@code ${name:-default}}) and their expansion.
 *
 * <p>Syntax: {@code ${name}} is replaced by the variable's value, and is an error when the
 * variable is undefined; {@code ${name:-default}} uses {@code default} (up to the matching
 * {@code }}, itself expanded, so it may hold references) when it is. {@code $${} writes a literal {@code ${}. Any other {@code $}
 * is kept as it is, so {@code $HOME} and {@code $$} in a shell line reach the shell untouched.
 * Names are letters, digits, {@code _}, {@code .} and {@code -}. References nest at most
 * {@value #MAX_NESTING} deep ({@code ${a:-${b:-...}}}); a deeper one is a problem, whatever is
 * defined, so that expansion (which recurses into defaults) stays far from the Java stack's end.
 *
 * <p>Stateless.
 */
public final class Variables {

    private Variables() {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /** The deepest nesting of references accepted; a real default nests two or three. */
    public static final int MAX_NESTING = 32;

    /**
     * The variables the CLI defines: {@code basedir} (the spec file's absolute folder),
     * {@code user.home}, {@code cwd}, {@code env.NAME} for each environment variable, then the
     * {@code -D} definitions, which win over all of these.
     */
    public static Map<String, String> forCli(Path specFile, Map<String, String> defines) {
        Map<String, String> vars = new LinkedHashMap<>();
        Path dir = specFile.toAbsolutePath().normalize().getParent();
        vars.put("basedir", dir == null ? "/" : dir.toString());
        vars.put("user.home", System.getProperty("user.home"));
        vars.put("cwd", Path.of("").toAbsolutePath().toString());
        new TreeMap<>(System.getenv()).forEach((k, v) -> vars.put("env." + k, v));
        vars.putAll(defines);
        return vars;
    }

    /**
     * A problem with one variable reference.
     *
     * @param occurrence which {@code ${} of the string it is about, counting from 0, so that the
     *                   caller can find its position in the source text
     */
    record Problem(int occurrence, String message) {
    }

    /** The expanded string, and the problems found (the string is unusable when there are any). */
    record Expansion(String value, List<Problem> problems) {
    }

    /** Expands every reference in {@code s}. */
    static Expansion expand(String s, Map<String, String> vars) {
        return expand(s, vars, null);
    }

    /**
     * Expands every reference in the {@code shell:} line {@code s}, each one's result (its
     * value, or its default) quoted as one word of data for where it stands; see
     * {@link ShellQuoting}.
     */
    static Expansion expandShell(String s, Map<String, String> vars) {
        return expand(s, vars, new ShellQuoting());
    }

    private static Expansion expand(String s, Map<String, String> vars, ShellQuoting shell) {
        if (s.indexOf('$') < 0) {
            return new Expansion(s, List.of());
        }
        StringBuilder out = new StringBuilder();
        int fed = 0;
        List<Problem> problems = new ArrayList<>();
        Map<String, Optional<String>> suggestions = new HashMap<>();
        int occurrence = 0;
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (s.startsWith("${", i)) {
                int close = close(s, i);
                if (close < 0) {
                    problems.add(new Problem(occurrence, "unterminated \"${\"; write \"$${\" for a literal \"${\""));
                    out.append(s, i, s.length());
                    break;
                }
                int nesting = nesting(s, i, close);
                if (nesting > MAX_NESTING) {
                    problems.add(new Problem(occurrence, "variable references are nested " + nesting
                            + " levels deep; at most " + MAX_NESTING + " are allowed"));
                    occurrence++;
                    i = close + 1;
                    continue;
                }
                String body = s.substring(i + 2, close);
                int at = out.length();
                boolean expanded = false;
                int dash = body.indexOf(":-");
                String name = dash < 0 ? body : body.substring(0, dash);
                String fallback = dash < 0 ? null : body.substring(dash + 2);
                if (!NAME.matcher(name).matches()) {
                    problems.add(new Problem(occurrence, "bad variable name \"" + name
                            + "\" in \"${" + body + "}\"; names are letters, digits, _, . and -"));
                } else if (vars.containsKey(name)) {
                    out.append(vars.get(name));
                    expanded = true;
                } else if (fallback != null) {
                    // A default may itself hold references: ${project.basedir:-${basedir}/app}.
                    Expansion inner = expand(fallback, vars);
                    out.append(inner.value());
                    expanded = inner.problems().isEmpty();
                    for (Problem p : inner.problems()) {
                        problems.add(new Problem(occurrence, p.message()));
                    }
                } else {
                    // One search per name, not per reference: a scalar may repeat one thousands of times.
                    String near = suggestions.computeIfAbsent(name, n -> Optional.ofNullable(
                            Values.didYouMean(n, vars.keySet()))).orElse(null);
                    problems.add(new Problem(occurrence, "undefined variable ${" + name + "}"
                            + (near != null ? "; did you mean ${" + near + "}?"
                            : "; define it (-D " + name + "=VALUE) or give a default (${" + name + ":-VALUE})")));
                }
                if (shell != null && expanded) {
                    shell.feed(out.subSequence(fed, at));
                    String value = out.substring(at);
                    String quoted = shell.quote(value);
                    out.setLength(at);
                    if (quoted == null) {
                        problems.add(new Problem(occurrence, "${" + name + "} in a shell line: " + shell.why()
                                + "; pass it as environment instead (env: {NAME: \"${" + name
                                + "}\"} on the step, and \"$NAME\" in the line)"));
                    } else {
                        out.append(quoted);
                    }
                    shell.feed(out.subSequence(at, out.length()));
                    fed = out.length();
                }
                occurrence++;
                i = close + 1;
            } else {
                out.append(s.charAt(i));
                i++;
            }
        }
        return new Expansion(out.toString(), problems);
    }

    /** Whether {@code s} contains a reference (an unescaped {@code ${}). */
    static boolean hasReference(String s) {
        return !starts(s).isEmpty();
    }

    /** The indexes of every unescaped {@code ${} in {@code s}, in order. */
    static List<Integer> starts(String s) {
        List<Integer> starts = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("$${", i)) {
                i += 3;
            } else if (s.startsWith("${", i)) {
                starts.add(i);
                int close = close(s, i);
                i = close < 0 ? s.length() : close + 1;
            } else {
                i++;
            }
        }
        return starts;
    }

    /**
     * How deep the references nest between {@code start} (a {@code ${}) and its {@code close}:
     * 1 for {@code ${a}}, 2 for {@code ${a:-${b}}}. Iterative, like {@link #close}.
     */
    private static int nesting(String s, int start, int close) {
        int depth = 0;
        int deepest = 0;
        int i = start;
        while (i < close) {
            if (s.startsWith("$${", i)) {
                i += 3;
            } else if (s.startsWith("${", i)) {
                deepest = Math.max(deepest, ++depth);
                i += 2;
            } else {
                if (s.charAt(i) == '}') {
                    depth--;
                }
                i++;
            }
        }
        return deepest;
    }

    /** The index of the {@code }} that closes the reference starting at {@code start}, or -1. */
    private static int close(String s, int start) {
        int depth = 0;
        int i = start;
        while (i < s.length()) {
            if (s.startsWith("$${", i)) {
                i += 3;
            } else if (s.startsWith("${", i)) {
                depth++;
                i += 2;
            } else if (s.charAt(i) == '}') {
                if (--depth == 0) {
                    return i;
                }
                i++;
            } else {
                i++;
            }
        }
        return -1;
    }
}
