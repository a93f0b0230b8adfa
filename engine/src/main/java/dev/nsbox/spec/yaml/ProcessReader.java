package dev.nsbox.spec.yaml;

import dev.nsbox.seccomp.SeccompNames;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.EnvSpec;
import dev.nsbox.spec.SeccompSpec;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.yaml.NodeReader.Entry;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.nsbox.spec.yaml.NodeReader.kind;
import static dev.nsbox.spec.yaml.NodeReader.opt;

/**
 * Reads what runs in the sandbox: {@code process:} (working directory, environment, timeout,
 * privileges) and each item of {@code steps:}, with their argv and environment variables,
 * which execve(2) takes as NUL-terminated strings and splits at the first {@code '='}.
 *
 * <p>Reports through the document's {@link NodeReader}; keeps no state of its own.
 */
final class ProcessReader {

    private final NodeReader r;

    ProcessReader(NodeReader r) {
        this.r = r;
    }

    ProcessSpec process(Entry e) {
        MappingNode m = r.map(e.value(), "process");
        if (m == null) {
            return ProcessSpec.defaults(r.at(e.key(), "process"));
        }
        List<String> known = new ArrayList<>(Grammar.PROCESS.names());
        known.add(REMOVED_DROP_CAPABILITIES);
        Map<String, Entry> f = r.fields(m, "process", known, "process");
        if (f.containsKey(REMOVED_DROP_CAPABILITIES)) {
            r.error(r.at(f.get(REMOVED_DROP_CAPABILITIES).key(), "process." + REMOVED_DROP_CAPABILITIES),
                    "process.dropCapabilities is gone: steps keep no capability by default; list the ones a step "
                            + "must keep in process.capabilities (for example capabilities: [CAP_NET_BIND_SERVICE])");
        }
        String cwd = opt(f, "cwd", n -> r.sandboxPath(n, "process.cwd"));
        EnvSpec env = f.containsKey("env") ? env(f.get("env")) : EnvSpec.inherit(r.at(e.key(), "process.env"));
        Duration timeout = opt(f, "timeout", n -> r.duration(n, "process.timeout"));
        Boolean nnp = opt(f, "noNewPrivileges", n -> r.bool(n, "process.noNewPrivileges"));
        Set<Capability> caps = f.containsKey("capabilities") ? capabilities(f.get("capabilities").value())
                : Set.of();
        SeccompSpec seccomp = f.containsKey("seccomp") ? seccomp(f.get("seccomp"))
                : SeccompSpec.defaults(r.at(e.key(), "process.seccomp"));
        Map<String, Entry> written = new LinkedHashMap<>(f);
        written.remove(REMOVED_DROP_CAPABILITIES);
        return new ProcessSpec(cwd, env, timeout, !Boolean.FALSE.equals(nnp), caps == null ? Set.of() : caps,
                seccomp == null ? SeccompSpec.defaults(r.at(e.key(), "process.seccomp")) : seccomp,
                new Origins(r.at(e.key(), "process"), r.originsOf(written, "process")));
    }

    /** The key of the first round, refused with a message that names its successor. */
    private static final String REMOVED_DROP_CAPABILITIES = "dropCapabilities";

    /** {@code process.capabilities}: names with or without {@code CAP_}, any case, each once. */
    private Set<Capability> capabilities(Node n) {
        String path = "process.capabilities";
        List<Node> items = r.list(n, path);
        Set<Capability> caps = EnumSet.noneOf(Capability.class);
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            String name = r.string(items.get(i), p);
            if (name == null) {
                continue;
            }
            Optional<Capability> c = Capability.byName(name);
            if (c.isEmpty()) {
                String upper = name.toUpperCase(Locale.ROOT);
                String near = Values.didYouMean(upper.startsWith("CAP_") ? upper : "CAP_" + upper, Capability.names());
                r.error(r.at(items.get(i), p), p + ": unknown capability \"" + Values.printable(name) + "\""
                        + (near != null ? "; did you mean \"" + near + "\"?" : "; see capabilities(7)"));
            } else if (!caps.add(c.get())) {
                r.error(r.at(items.get(i), p), p + ": " + c.get().name() + " is listed twice");
            }
        }
        return caps;
    }

    /** {@code process.seccomp}: a word, or a map of allow and deny lists checked against the call tables. */
    private SeccompSpec seccomp(Entry e) {
        String path = "process.seccomp";
        Node n = e.value();
        if (n instanceof ScalarNode) {
            SeccompSpec.Mode mode = r.word(n, path, Grammar.SECCOMP_WORDS,
                    w -> w.equals("unconfined") ? SeccompSpec.Mode.UNCONFINED : SeccompSpec.Mode.DEFAULT);
            return mode == null ? null : new SeccompSpec(mode, List.of(), List.of(), Origins.of(r.at(n, path)));
        }
        MappingNode m = r.map(n, path);
        if (m == null) {
            return null;
        }
        Map<String, Entry> f = r.fields(m, path, Grammar.SECCOMP.names(), path);
        List<String> allow = f.containsKey("allow") ? syscalls(f.get("allow").value(), path + ".allow") : List.of();
        List<String> deny = f.containsKey("deny") ? syscalls(f.get("deny").value(), path + ".deny") : List.of();
        return new SeccompSpec(SeccompSpec.Mode.CUSTOM, allow, deny,
                new Origins(r.at(e.key(), path), r.originsOf(f, path)));
    }

    private List<String> syscalls(Node n, String path) {
        List<Node> items = r.list(n, path);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            String name = r.string(items.get(i), p);
            if (name == null) {
                continue;
            }
            Optional<String> problem = SeccompNames.problem(name);
            if (problem.isPresent()) {
                r.error(r.at(items.get(i), p), p + ": " + problem.get());
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private EnvSpec env(Entry e) {
        MappingNode m = r.map(e.value(), "process.env");
        if (m == null) {
            return EnvSpec.inherit(r.at(e.key(), "process.env"));
        }
        Map<String, Entry> f = r.fields(m, "process.env", Grammar.ENV.names(), "process.env");
        Boolean clear = opt(f, "clear", n -> r.bool(n, "process.env.clear"));
        List<String> keep = new ArrayList<>();
        if (f.containsKey("keep")) {
            List<Node> items = r.list(f.get("keep").value(), "process.env.keep");
            for (int i = 0; i < items.size(); i++) {
                String path = "process.env.keep[" + i + "]";
                String name = r.string(items.get(i), path);
                if (name != null && envName(items.get(i), path, name)) {
                    keep.add(name);
                }
            }
        }
        Map<String, String> set = f.containsKey("set") ? envMap(f.get("set").value(), "process.env.set") : Map.of();
        return new EnvSpec(Boolean.TRUE.equals(clear), keep, set,
                new Origins(r.at(e.key(), "process.env"), r.originsOf(f, "process.env")));
    }

    /** The step, or {@code null} when it has neither a valid run nor a valid shell. */
    Step step(Node n, int index) {
        String path = "steps[" + index + "]";
        if (!(n instanceof MappingNode m)) {
            r.error(r.at(n, path), path + " must be a map with run or shell, got " + kind(n));
            return null;
        }
        Map<String, Entry> f = r.fields(m, path, Grammar.STEP.names(), path);
        String p = path + ".";
        String name = opt(f, "name", v -> r.pattern(v, p + "name", Values.STEP_NAME,
                "letters, digits, '.', '_' and '-', starting with a letter or digit"));
        List<String> run = null;
        String shell = null;
        if (f.containsKey("run") && f.containsKey("shell")) {
            r.error(r.at(f.get("shell").key(), p + "shell"), path + " has both run and shell; give one: run is an "
                    + "argv without a shell, shell a command line for /bin/sh -c");
        } else if (f.containsKey("run")) {
            run = argv(f.get("run").value(), p + "run");
        } else if (f.containsKey("shell")) {
            shell = r.shellLine(f.get("shell").value(), p + "shell");
            if (shell != null && shell.isBlank()) {
                r.error(r.at(f.get("shell").value(), p + "shell"), p + "shell must be a command line, got an empty "
                        + "string");
                shell = null;
            }
        } else {
            r.error(r.at(n, path), path + " needs run (an argv, no shell) or shell (a command line for /bin/sh -c)");
        }
        Duration timeout = opt(f, "timeout", v -> r.duration(v, p + "timeout"));
        Map<String, String> env = f.containsKey("env") ? envMap(f.get("env").value(), p + "env") : Map.of();
        String cwd = opt(f, "cwd", v -> r.sandboxPath(v, p + "cwd"));
        if (run == null && shell == null) {
            return null;
        }
        return new Step(index, name != null ? name : "step-" + (index + 1), run, shell, timeout, env, cwd,
                new Origins(r.at(n, path), r.originsOf(f, path)));
    }

    private List<String> argv(Node n, String path) {
        if (!(n instanceof SequenceNode seq)) {
            r.error(r.at(n, path), path + " must be a list (an argv such as [make, test]), got " + kind(n)
                    + (n instanceof ScalarNode ? "; for a command line use shell" : ""));
            return null;
        }
        if (seq.getValue().isEmpty()) {
            r.error(r.at(n, path), path + " must list at least the command, got []");
            return null;
        }
        List<String> argv = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < seq.getValue().size(); i++) {
            String word = r.text(seq.getValue().get(i), path + "[" + i + "]");
            if (word == null) {
                ok = false;
            } else if (word.indexOf('\0') >= 0) {
                r.error(r.at(seq.getValue().get(i), path + "[" + i + "]"), path + "[" + i
                        + "] must not contain a NUL byte, got \"" + Values.printable(word) + "\"");
                ok = false;
            } else {
                argv.add(word);
            }
        }
        if (ok && argv.get(0).isEmpty()) {
            r.error(r.at(seq.getValue().get(0), path + "[0]"), path + "[0] must name the command, got an empty "
                    + "string");
            ok = false;
        }
        return ok ? argv : null;
    }

    private Map<String, String> envMap(Node n, String path) {
        MappingNode m = r.map(n, path);
        if (m == null) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : r.fields(m, path, null, path).entrySet()) {
            String p = path + "." + e.getKey();
            String value = r.text(e.getValue().value(), p);
            if (envName(e.getValue().key(), p, e.getKey()) && value != null) {
                if (value.indexOf('\0') >= 0) {
                    r.error(r.at(e.getValue().value(), p), p + " must not contain a NUL byte");
                } else {
                    env.put(e.getKey(), value);
                }
            }
        }
        return env;
    }

    /** An environment variable's name: not empty, no '=' (execve(2) splits there), no NUL. */
    private boolean envName(Node n, String path, String name) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            r.error(r.at(n, path), path + ": \"" + Values.printable(name)
                    + "\" is not a variable name (it must be non-empty, without '=' or NUL)");
            return false;
        }
        return true;
    }
}
