package dev.nsbox.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed command line: the options every command shares ({@code --debug},
 * {@code -D name=value}, {@code --format}), the command's own positional arguments, and the
 * command given after {@code --} (for {@code run}).
 *
 * <p>Immutable.
 */
public record CommandLine(
        String command,
        List<String> arguments,
        Map<String, String> defines,
        String format,
        String report,
        boolean debug,
        boolean help,
        List<String> afterDashes,
        Map<String, List<String>> options) {

    /** Options that take a value and that only some commands read ({@code kube --image IMAGE}). */
    static final java.util.Set<String> VALUED = java.util.Set.of("--image", "--volume");

    public CommandLine {
        arguments = List.copyOf(arguments);
        defines = Collections.unmodifiableMap(new LinkedHashMap<>(defines));
        afterDashes = afterDashes == null ? null : List.copyOf(afterDashes);
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** The values of a valued option, in order; empty when it was not given. */
    public List<String> option(String name) {
        return options.getOrDefault(name, List.of());
    }

    /**
     * Parses {@code args}. Options may appear before or after the command word. {@code --}
     * ends option parsing; what follows is {@link #afterDashes()}.
     */
    public static CommandLine parse(String[] args) throws UsageException {
        String command = null;
        List<String> positional = new ArrayList<>();
        Map<String, String> defines = new LinkedHashMap<>();
        String format = null;
        String report = null;
        boolean debug = false;
        boolean help = false;
        List<String> after = null;
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                after = new ArrayList<>(List.of(args).subList(i + 1, args.length));
                break;
            } else if (a.equals("--debug")) {
                debug = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                help = true;
            } else if (a.equals("--version") || a.equals("-V")) {
                command = command == null ? "version" : command;
                if (!command.equals("version")) {
                    positional.add(a);
                }
            } else if (a.equals("--format") || a.startsWith("--format=")) {
                if (a.equals("--format")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--format needs a value: text or json");
                    }
                    format = args[++i];
                } else {
                    format = a.substring("--format=".length());
                }
            } else if (VALUED.contains(a) || VALUED.contains(a.split("=", 2)[0])) {
                String name = a.split("=", 2)[0];
                String value;
                if (a.contains("=")) {
                    value = a.substring(name.length() + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name + " needs a value");
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else if (a.equals("--report") || a.startsWith("--report=")) {
                if (a.equals("--report")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--report needs a FILE to write the run's report to");
                    }
                    report = args[++i];
                } else {
                    report = a.substring("--report=".length());
                }
            } else if (a.equals("-D") || (a.startsWith("-D") && a.length() > 2)) {
                String def;
                if (a.equals("-D")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("-D needs name=value");
                    }
                    def = args[++i];
                } else {
                    def = a.substring(2);
                }
                int eq = def.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("-D takes name=value, got \"" + def + "\"");
                }
                defines.put(def.substring(0, eq), def.substring(eq + 1));
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageException("unknown option " + a);
            } else if (command == null) {
                command = a;
            } else {
                positional.add(a);
            }
        }
        return new CommandLine(command, positional, defines, format, report, debug, help, after, options);
    }

    /** The arguments that parse back to this command line (to run the same command elsewhere). */
    public List<String> toArgs() {
        List<String> out = new ArrayList<>();
        if (command != null) {
            out.add(command);
        }
        out.addAll(arguments);
        defines.forEach((k, v) -> out.add("-D" + k + "=" + v));
        if (format != null) {
            out.add("--format=" + format);
        }
        if (report != null) {
            out.add("--report=" + report);
        }
        options.forEach((k, vs) -> vs.forEach(v -> out.add(k + "=" + v)));
        if (debug) {
            out.add("--debug");
        }
        if (help) {
            out.add("--help");
        }
        if (afterDashes != null) {
            out.add("--");
            out.addAll(afterDashes);
        }
        return out;
    }
}
