package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.EnvSpec;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.Root;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.UserMapping;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns one composed YAML document into a {@link Spec}: checks every key and value against
 * {@link Grammar}, expands variables, applies defaults, makes paths absolute, and records the
 * origin of every value. Collects every problem instead of stopping at the first.
 *
 * <p>One instance reads one document. Never touches the file system.
 */
final class SpecReader {

    private final String file;
    private final String baseDir;
    private final Map<String, String> variables;
    private final String source;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final boolean hasSurrogates;
    private int[] codePointToChar;

    /**
     * @param source the document's text, to find a variable's column inside its scalar
     */
    SpecReader(String file, String baseDir, Map<String, String> variables, String source) {
        this.file = file;
        this.baseDir = baseDir;
        this.variables = variables;
        this.source = source;
        this.hasSurrogates = source.chars().anyMatch(c -> Character.isSurrogate((char) c));
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private Spec partial;

    /** A key and its value, as written. */
    private record Entry(ScalarNode key, Node value) {
    }

    /** The spec, or {@code null} when {@link #diagnostics()} holds an error. */
    Spec read(Node doc) {
        if (!(doc instanceof MappingNode map)) {
            error(at(doc, ""), "a spec is a map of keys (version: 1, namespaces: ..., mounts: ...), got " + kind(doc));
            return null;
        }
        Map<String, Entry> f = fields(map, "", Grammar.TOP.names(), "at the top level");
        Map<String, Origin> origins = originsOf(f, "");

        Integer version = null;
        if (!f.containsKey("version")) {
            error(at(doc, ""), "missing required key \"version\"; write version: 1");
        } else {
            version = version(f.get("version").value());
        }
        String name = opt(f, "name", (n) -> pattern(n, "name", Values.NAME, "lower-case letters, digits and hyphens, "
                + "starting with a letter or digit ([a-z0-9][a-z0-9-]*)"));
        String description = opt(f, "description", n -> string(n, "description"));
        Set<Namespace> namespaces = f.containsKey("namespaces") ? namespaces(f.get("namespaces").value())
                : EnumSet.noneOf(Namespace.class);
        UserMapping user = f.containsKey("user") ? user(f.get("user")) : UserMapping.ROOT;
        String hostname = opt(f, "hostname", this::hostname);
        Propagation propagation = f.containsKey("propagation")
                ? word(f.get("propagation").value(), "propagation", Grammar.TREE_PROPAGATIONS,
                        w -> Propagation.fromWord(w).orElseThrow())
                : Propagation.RPRIVATE;
        HostEffectsPolicy hostEffects = f.containsKey("hostEffects")
                ? word(f.get("hostEffects").value(), "hostEffects", Grammar.HOST_EFFECTS,
                        w -> HostEffectsPolicy.valueOf(w.toUpperCase(Locale.ROOT)))
                : HostEffectsPolicy.DENY;
        Root root = f.containsKey("root") ? root(f.get("root")) : Root.host(at(doc, "root"));
        List<MountSpec> mounts = new ArrayList<>();
        if (f.containsKey("mounts")) {
            List<Node> items = list(f.get("mounts").value(), "mounts");
            for (int i = 0; i < items.size(); i++) {
                MountSpec m = mount(items.get(i), i);
                if (m != null) {
                    mounts.add(m);
                }
            }
        }
        ProcessSpec process = f.containsKey("process") ? process(f.get("process"))
                : ProcessSpec.defaults(at(doc, "process"));
        List<Step> steps = new ArrayList<>();
        if (f.containsKey("steps")) {
            List<Node> items = list(f.get("steps").value(), "steps");
            for (int i = 0; i < items.size(); i++) {
                Step s = step(items.get(i), i);
                if (s != null) {
                    steps.add(s);
                }
            }
        }
        Spec spec = new Spec(file, baseDir, version == null ? 1 : version, name, description, namespaces, user, hostname,
                propagation == null ? Propagation.RPRIVATE : propagation,
                hostEffects == null ? HostEffectsPolicy.DENY : hostEffects,
                root == null ? Root.host(at(doc, "root")) : root, mounts,
                process == null ? ProcessSpec.defaults(at(doc, "process")) : process, steps,
                new Origins(at(doc, ""), origins));
        if (hasErrors()) {
            partial = spec;
            return null;
        }
        return spec;
    }

    /**
     * When {@link #read} found errors: the spec made of every part that did parse (a part in
     * error left out, or its default), for the checks that relate parts to one another, so that
     * one run reports every problem; {@code null} when the document was not even a map.
     */
    Spec partial() {
        return partial;
    }

    private boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    // ---- sections ---------------------------------------------------------------------

    private Integer version(Node n) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.INT)) {
            BigInteger v = integer(s.getValue());
            if (v != null && v.equals(BigInteger.ONE)) {
                return 1;
            }
            error(at(n, "version"), "version " + s.getValue() + " is not supported; this nsbox reads version 1");
            return null;
        }
        error(at(n, "version"), "version must be the number 1, got " + kind(n));
        return null;
    }

    private Set<Namespace> namespaces(Node n) {
        Set<Namespace> set = EnumSet.noneOf(Namespace.class);
        Map<Namespace, Integer> seen = new HashMap<>();
        List<Node> items = list(n, "namespaces");
        for (int i = 0; i < items.size(); i++) {
            String path = "namespaces[" + i + "]";
            Namespace ns = word(items.get(i), path, Grammar.NAMESPACES, w -> Namespace.fromWord(w).orElseThrow());
            if (ns == null) {
                continue;
            }
            if (seen.containsKey(ns)) {
                error(at(items.get(i), path), path + ": \"" + ns.word() + "\" is already listed as namespaces["
                        + seen.get(ns) + "]");
            } else {
                seen.put(ns, i);
                set.add(ns);
            }
        }
        return set;
    }

    private UserMapping user(Entry e) {
        MappingNode m = map(e.value(), "user");
        if (m == null) {
            return UserMapping.ROOT;
        }
        Map<String, Entry> f = fields(m, "user", Grammar.USER.names(), "user");
        Integer uid = opt(f, "uid", n -> id(n, "user.uid"));
        Integer gid = opt(f, "gid", n -> id(n, "user.gid"));
        return new UserMapping(uid == null ? 0 : uid, gid == null ? 0 : gid,
                new Origins(at(e.key(), "user"), originsOf(f, "user")));
    }

    private String hostname(Node n) {
        String h = string(n, "hostname");
        if (h == null) {
            return null;
        }
        if (h.length() > Values.HOSTNAME_MAX || !Values.HOSTNAME.matcher(h).matches()) {
            error(at(n, "hostname"), "hostname must be 1 to 64 letters, digits, hyphens and dots (RFC 1123), got \""
                    + Values.printable(h) + "\"");
            return null;
        }
        return h;
    }

    private Root root(Entry e) {
        MappingNode m = map(e.value(), "root");
        if (m == null) {
            return Root.host(at(e.key(), "root"));
        }
        Map<String, Entry> f = fields(m, "root", Grammar.ROOT.names(), "root");
        RootType type = f.containsKey("type")
                ? word(f.get("type").value(), "root.type", Grammar.ROOT_TYPES,
                        w -> RootType.valueOf(w.toUpperCase(Locale.ROOT)))
                : RootType.HOST;
        Boolean readOnly = opt(f, "readOnly", n -> bool(n, "root.readOnly"));
        String path = null;
        if (f.containsKey("path")) {
            if (type != null && type != RootType.DIR) {
                error(at(f.get("path").key(), "root.path"), "root.path applies only to type dir, not "
                        + type.word());
            } else {
                path = hostPath(f.get("path").value(), "root.path");
            }
        } else if (type == RootType.DIR) {
            error(at(e.key(), "root"), "root of type dir needs \"path\": the directory that becomes /");
        }
        return new Root(type == null ? RootType.HOST : type, Boolean.TRUE.equals(readOnly), path,
                new Origins(at(e.key(), "root"), originsOf(f, "root")));
    }

    private MountSpec mount(Node n, int index) {
        String path = "mounts[" + index + "]";
        if (!(n instanceof MappingNode m)) {
            error(at(n, path), path + " must be a map with a type and a target, got " + kind(n));
            return null;
        }
        Map<String, Entry> f = fields(m, path, null, path);
        if (!f.containsKey("type")) {
            for (Map.Entry<String, Entry> e : f.entrySet()) {
                checkMountKey(e.getKey(), e.getValue(), null, path);
            }
            error(at(n, path), path + " needs \"type\": one of " + String.join(", ", Grammar.MOUNT_TYPES));
            return null;
        }
        MountType type = word(f.get("type").value(), path + ".type", Grammar.MOUNT_TYPES,
                w -> MountType.valueOf(w.toUpperCase(Locale.ROOT)));
        boolean ok = type != null;
        for (Map.Entry<String, Entry> e : List.copyOf(f.entrySet())) {
            if (!checkMountKey(e.getKey(), e.getValue(), type, path)) {
                f.remove(e.getKey());
                ok = false;
            }
        }
        if (type == null) {
            return null;
        }
        for (String required : Grammar.MOUNT_REQUIRED.get(type)) {
            if (!f.containsKey(required)) {
                error(at(n, path), path + " (" + type.word() + ") needs \"" + required + "\"");
                ok = false;
            }
        }
        // The keys that are right are still read, so that one run reports all their problems too.
        String p = path + ".";
        String source = opt(f, "source", v -> hostPath(v, p + "source"));
        String target = opt(f, "target", v -> sandboxPath(v, p + "target"));
        Boolean readOnly = opt(f, "readOnly", v -> bool(v, p + "readOnly"));
        Boolean recursive = opt(f, "recursive", v -> bool(v, p + "recursive"));
        Propagation propagation = opt(f, "propagation", v -> word(v, p + "propagation", Grammar.MOUNT_PROPAGATIONS,
                w -> Propagation.fromWord(w).orElseThrow()));
        Boolean optional = opt(f, "optional", v -> bool(v, p + "optional"));
        Long size = opt(f, "size", v -> {
            String s = number(v, p + "size", "a size such as 64k, 64m, 2g or a number of bytes");
            return s == null ? null : convert(v, p + "size", s, Values::size);
        });
        Integer mode = opt(f, "mode", v -> {
            String s = number(v, p + "mode", "octal permission bits such as \"0755\" or \"1777\"");
            return s == null ? null : convert(v, p + "mode", s, Values::mode);
        });
        Integer uid = opt(f, "uid", v -> id(v, p + "uid"));
        Integer gid = opt(f, "gid", v -> id(v, p + "gid"));
        List<String> lower = null;
        if (f.containsKey("lower")) {
            lower = new ArrayList<>();
            List<Node> items = list(f.get("lower").value(), p + "lower");
            if (items.isEmpty() && f.get("lower").value() instanceof SequenceNode) {
                error(at(f.get("lower").value(), p + "lower"), p + "lower must list at least one directory");
            }
            for (int i = 0; i < items.size(); i++) {
                String l = hostPath(items.get(i), p + "lower[" + i + "]");
                if (l != null) {
                    lower.add(l);
                }
            }
        }
        String upper = opt(f, "upper", v -> hostPath(v, p + "upper"));
        Boolean nosuid = opt(f, "nosuid", v -> bool(v, p + "nosuid"));
        Boolean nodev = opt(f, "nodev", v -> bool(v, p + "nodev"));
        Boolean noexec = opt(f, "noexec", v -> bool(v, p + "noexec"));
        if (!ok || target == null) {
            return null;
        }
        return new MountSpec(index, type, source, target, readOnly, recursive, propagation,
                Boolean.TRUE.equals(optional), size, mode, uid, gid, lower, upper, nosuid, nodev, noexec,
                new Origins(at(n, path), originsOf(f, path)));
    }

    /** Whether {@code key} is one that a mount of {@code type} (or, when null, of any type) accepts. */
    private boolean checkMountKey(String key, Entry e, MountType type, String path) {
        if (key.equals("type")) {
            return true;
        }
        if (type != null && Grammar.MOUNT_KEYS.get(type).contains(key)) {
            return true;
        }
        if (Grammar.allMountKeys().contains(key)) {
            if (type == null) {
                return true;
            }
            List<String> takers = Grammar.typesAccepting(key);
            error(at(e.key(), path + "." + key), path + ": a " + type.word() + " mount does not accept \"" + key
                    + "\" (" + (takers.size() == 1 ? "only " + takers.get(0) + " does" : String.join(", ", takers) + " do")
                    + "); " + type.word() + " accepts " + String.join(", ", Grammar.MOUNT_KEYS.get(type)));
            return false;
        }
        Collection<String> candidates = type != null ? Grammar.MOUNT_KEYS.get(type) : Grammar.allMountKeys();
        unknownKey(e.key(), path, key, candidates, "in " + path);
        return false;
    }

    private ProcessSpec process(Entry e) {
        MappingNode m = map(e.value(), "process");
        if (m == null) {
            return ProcessSpec.defaults(at(e.key(), "process"));
        }
        Map<String, Entry> f = fields(m, "process", Grammar.PROCESS.names(), "process");
        String cwd = opt(f, "cwd", n -> sandboxPath(n, "process.cwd"));
        EnvSpec env = f.containsKey("env") ? env(f.get("env")) : EnvSpec.inherit(at(e.key(), "process.env"));
        Duration timeout = opt(f, "timeout", n -> duration(n, "process.timeout"));
        Boolean nnp = opt(f, "noNewPrivileges", n -> bool(n, "process.noNewPrivileges"));
        Boolean drop = opt(f, "dropCapabilities", n -> bool(n, "process.dropCapabilities"));
        return new ProcessSpec(cwd, env, timeout, !Boolean.FALSE.equals(nnp), Boolean.TRUE.equals(drop),
                new Origins(at(e.key(), "process"), originsOf(f, "process")));
    }

    private EnvSpec env(Entry e) {
        MappingNode m = map(e.value(), "process.env");
        if (m == null) {
            return EnvSpec.inherit(at(e.key(), "process.env"));
        }
        Map<String, Entry> f = fields(m, "process.env", Grammar.ENV.names(), "process.env");
        Boolean clear = opt(f, "clear", n -> bool(n, "process.env.clear"));
        List<String> keep = new ArrayList<>();
        if (f.containsKey("keep")) {
            List<Node> items = list(f.get("keep").value(), "process.env.keep");
            for (int i = 0; i < items.size(); i++) {
                String path = "process.env.keep[" + i + "]";
                String name = string(items.get(i), path);
                if (name != null && envName(items.get(i), path, name)) {
                    keep.add(name);
                }
            }
        }
        Map<String, String> set = f.containsKey("set") ? envMap(f.get("set").value(), "process.env.set") : Map.of();
        return new EnvSpec(Boolean.TRUE.equals(clear), keep, set,
                new Origins(at(e.key(), "process.env"), originsOf(f, "process.env")));
    }

    private Step step(Node n, int index) {
        String path = "steps[" + index + "]";
        if (!(n instanceof MappingNode m)) {
            error(at(n, path), path + " must be a map with run or shell, got " + kind(n));
            return null;
        }
        Map<String, Entry> f = fields(m, path, Grammar.STEP.names(), path);
        String p = path + ".";
        String name = opt(f, "name", v -> pattern(v, p + "name", Values.STEP_NAME,
                "letters, digits, '.', '_' and '-', starting with a letter or digit"));
        List<String> run = null;
        String shell = null;
        if (f.containsKey("run") && f.containsKey("shell")) {
            error(at(f.get("shell").key(), p + "shell"), path + " has both run and shell; give one: run is an argv "
                    + "without a shell, shell a command line for /bin/sh -c");
        } else if (f.containsKey("run")) {
            run = argv(f.get("run").value(), p + "run");
        } else if (f.containsKey("shell")) {
            shell = string(f.get("shell").value(), p + "shell");
            if (shell != null && shell.isBlank()) {
                error(at(f.get("shell").value(), p + "shell"), p + "shell must be a command line, got an empty string");
                shell = null;
            }
        } else {
            error(at(n, path), path + " needs run (an argv, no shell) or shell (a command line for /bin/sh -c)");
        }
        Duration timeout = opt(f, "timeout", v -> duration(v, p + "timeout"));
        Map<String, String> env = f.containsKey("env") ? envMap(f.get("env").value(), p + "env") : Map.of();
        String cwd = opt(f, "cwd", v -> sandboxPath(v, p + "cwd"));
        if (run == null && shell == null) {
            return null;
        }
        return new Step(index, name != null ? name : "step-" + (index + 1), run, shell, timeout, env, cwd,
                new Origins(at(n, path), originsOf(f, path)));
    }

    // ---- maps and lists ---------------------------------------------------------------

    /**
     * The keys of {@code m} in order, first occurrence of each. Reports keys that are not
     * scalars, duplicates, and keys not in {@code known} (when it is not null).
     *
     * @param where how messages name the map: {@code "in mounts[0]"}, {@code "at the top level"}
     */
    private Map<String, Entry> fields(MappingNode m, String path, Collection<String> known, String where) {
        Map<String, Entry> fields = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode key) || tag(key).equals(Tag.NULL)) {
                error(at(k, path), (path.isEmpty() ? "" : path + ": ") + "keys must be words, got " + kind(k));
                continue;
            }
            String name = key.getValue();
            Entry first = fields.get(name);
            if (first != null) {
                error(at(key, child(path, name)), "duplicate key \"" + name + "\" "
                        + (path.isEmpty() ? "at the top level" : "in " + path) + "; first written at line "
                        + (first.key().getStartMark().map(Mark::getLine).orElse(-1) + 1));
                continue;
            }
            if (known != null && !known.contains(name)) {
                unknownKey(key, path, name, known, where.startsWith("at ") ? where : "in " + where);
                continue;
            }
            fields.put(name, new Entry(key, t.getValueNode()));
        }
        return fields;
    }

    private void unknownKey(ScalarNode key, String path, String name, Collection<String> known, String where) {
        String near = Values.didYouMean(name, known);
        error(at(key, child(path, name)), "unknown key \"" + Values.printable(name) + "\" " + where
                + (near != null ? "; did you mean \"" + near + "\"?" : "; expected one of " + String.join(", ", known)));
    }

    /**
     * Origins of the fields: the value for a scalar, the key for a map or list (whose own start
     * is on the next line, at its first entry).
     */
    private Map<String, Origin> originsOf(Map<String, Entry> f, String path) {
        Map<String, Origin> o = new LinkedHashMap<>();
        f.forEach((k, e) -> {
            if (isNull(e.value())) {
                return; // an empty value is read as "not written"; if it is an error, that was reported
            }
            o.put(k, e.value() instanceof ScalarNode ? at(e.value(), child(path, k)) : at(e.key(), child(path, k)));
        });
        return o;
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The map, or {@code null} for an empty value ({@code root:} with nothing), or an error. */
    private MappingNode map(Node n, String path) {
        if (n instanceof MappingNode m) {
            return m;
        }
        if (!isNull(n)) {
            error(at(n, path), path + " must be a map, got " + kind(n));
        }
        return null;
    }

    /** The items, or none for an empty value ({@code mounts:} with nothing), or an error. */
    private List<Node> list(Node n, String path) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        if (!isNull(n)) {
            error(at(n, path), path + " must be a list, got " + kind(n));
        }
        return List.of();
    }

    private <T> T opt(Map<String, Entry> f, String key, Function<Node, T> reader) {
        Entry e = f.get(key);
        return e == null ? null : reader.apply(e.value());
    }

    // ---- scalars ----------------------------------------------------------------------

    /** A string value with variables expanded, or null after an error. */
    private String string(Node n, String path) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)) {
            return expand(s, path);
        }
        if (isNull(n)) {
            error(at(n, path), path + " has no value; write a string");
        } else {
            error(at(n, path), path + " must be a string, got " + kind(n)
                    + (n instanceof ScalarNode ? "; quote it to make it one" : ""));
        }
        return null;
    }

    /** The text of a string or number as written (strings with variables expanded). */
    private String number(Node n, String path, String expected) {
        if (n instanceof ScalarNode s && (tag(s).equals(Tag.INT) || tag(s).equals(Tag.FLOAT))) {
            return s.getValue();
        }
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)) {
            return expand(s, path);
        }
        error(at(n, path), path + " must be " + expected + ", got " + kind(n));
        return null;
    }

    /** Any scalar but null, as written (strings with variables expanded): argv words, env values. */
    private String text(Node n, String path) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)) {
            return expand(s, path);
        }
        if (n instanceof ScalarNode s && (tag(s).equals(Tag.INT) || tag(s).equals(Tag.FLOAT)
                || tag(s).equals(Tag.BOOL))) {
            return s.getValue();
        }
        if (isNull(n)) {
            error(at(n, path), path + " has no value; write \"\" for an empty string");
        } else {
            error(at(n, path), path + " must be a string, got " + kind(n));
        }
        return null;
    }

    private <T> T convert(Node n, String path, String text, Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            error(at(n, path), path + " must be " + e.getMessage());
            return null;
        }
    }

    private String pattern(Node n, String path, Pattern pattern, String what) {
        String s = string(n, path);
        if (s != null && !pattern.matcher(s).matches()) {
            error(at(n, path), path + " must be " + what + ", got \"" + Values.printable(s) + "\"");
            return null;
        }
        return s;
    }

    /**
     * {@code true} or {@code false}. YAML 1.2 has no other booleans: {@code yes}, {@code on} and
     * {@code "true"} are strings. A string holding a variable is read after expansion, so
     * {@code readOnly: ${ro}} works.
     */
    private Boolean bool(Node n, String path) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.BOOL)) {
            return s.getValue().toLowerCase(Locale.ROOT).equals("true");
        }
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR) && Variables.hasReference(s.getValue())) {
            String v = expand(s, path);
            if (v == null) {
                return null;
            }
            if (v.equals("true") || v.equals("false")) {
                return v.equals("true");
            }
            error(at(n, path), path + " must be true or false, got \"" + Values.printable(v) + "\" from \""
                    + s.getValue() + "\"");
            return null;
        }
        String hint = "";
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)
                && List.of("yes", "no", "on", "off", "y", "n").contains(s.getValue().toLowerCase(Locale.ROOT))) {
            hint = " (a string in YAML 1.2, where only true and false are booleans)";
        }
        error(at(n, path), path + " must be true or false, got " + kind(n) + hint);
        return null;
    }

    /** A user or group id: a whole number from 0 to 2147483647. */
    private Integer id(Node n, String path) {
        String text = null;
        if (n instanceof ScalarNode s && tag(s).equals(Tag.INT)) {
            text = s.getValue();
        } else if (n instanceof ScalarNode s && tag(s).equals(Tag.STR) && Variables.hasReference(s.getValue())) {
            text = expand(s, path);
            if (text == null) {
                return null;
            }
        }
        BigInteger v = text == null ? null : integer(text);
        if (v == null || v.signum() < 0 || v.bitLength() > 31) {
            error(at(n, path), path + " must be an id from 0 to 2147483647, got "
                    + (text != null ? "\"" + text + "\"" : kind(n)));
            return null;
        }
        return v.intValue();
    }

    /** A YAML 1.2 core-schema integer ({@code 12}, {@code 0o14}, {@code 0xc}), or null. */
    private static BigInteger integer(String text) {
        try {
            String t = text.startsWith("+") ? text.substring(1) : text;
            if (t.startsWith("0o")) {
                return new BigInteger(t.substring(2), 8);
            }
            if (t.startsWith("0x")) {
                return new BigInteger(t.substring(2), 16);
            }
            return new BigInteger(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Duration duration(Node n, String path) {
        String s = number(n, path, "a duration such as 500ms, 30s, 10m, 1h or 1m30s");
        return s == null ? null : convert(n, path, s, Values::duration);
    }

    private String hostPath(Node n, String path) {
        String s = string(n, path);
        return s == null ? null : convert(n, path, s, v -> Values.path(v, true, baseDir));
    }

    private String sandboxPath(Node n, String path) {
        String s = string(n, path);
        return s == null ? null : convert(n, path, s, v -> Values.path(v, false, baseDir));
    }

    /** One word of {@code words}, converted; the message lists the words in the table's order. */
    private <T> T word(Node n, String path, List<String> words, Function<String, T> convert) {
        String w = null;
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)) {
            w = expand(s, path);
            if (w == null) {
                return null;
            }
        }
        if (w != null && words.contains(w)) {
            return convert.apply(w);
        }
        if (isNull(n)) {
            error(at(n, path), path + " has no value; expected one of " + String.join(", ", words));
            return null;
        }
        error(at(n, path), path + ": unknown value " + (w != null ? "\"" + Values.printable(w) + "\"" : kind(n))
                + "; expected one of " + String.join(", ", words));
        return null;
    }

    private List<String> argv(Node n, String path) {
        if (!(n instanceof SequenceNode seq)) {
            error(at(n, path), path + " must be a list (an argv such as [make, test]), got " + kind(n)
                    + (n instanceof ScalarNode ? "; for a command line use shell" : ""));
            return null;
        }
        if (seq.getValue().isEmpty()) {
            error(at(n, path), path + " must list at least the command, got []");
            return null;
        }
        List<String> argv = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < seq.getValue().size(); i++) {
            String word = text(seq.getValue().get(i), path + "[" + i + "]");
            if (word == null) {
                ok = false;
            } else if (word.indexOf('\0') >= 0) {
                error(at(seq.getValue().get(i), path + "[" + i + "]"), path + "[" + i
                        + "] must not contain a NUL byte, got \"" + Values.printable(word) + "\"");
                ok = false;
            } else {
                argv.add(word);
            }
        }
        if (ok && argv.get(0).isEmpty()) {
            error(at(seq.getValue().get(0), path + "[0]"), path + "[0] must name the command, got an empty string");
            ok = false;
        }
        return ok ? argv : null;
    }

    private Map<String, String> envMap(Node n, String path) {
        MappingNode m = map(n, path);
        if (m == null) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> e : fields(m, path, null, path).entrySet()) {
            String p = path + "." + e.getKey();
            String value = text(e.getValue().value(), p);
            if (envName(e.getValue().key(), p, e.getKey()) && value != null) {
                if (value.indexOf('\0') >= 0) {
                    error(at(e.getValue().value(), p), p + " must not contain a NUL byte");
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
            error(at(n, path), path + ": \"" + Values.printable(name)
                    + "\" is not a variable name (it must be non-empty, without '=' or NUL)");
            return false;
        }
        return true;
    }

    // ---- variables --------------------------------------------------------------------

    /** The scalar's value with variables expanded; each problem is reported where the {@code ${} is. */
    private String expand(ScalarNode s, String path) {
        Variables.Expansion x = Variables.expand(s.getValue(), variables);
        if (x.problems().isEmpty()) {
            return x.value();
        }
        List<Origin> origins = variableOrigins(s, path);
        for (Variables.Problem p : x.problems()) {
            Origin o = p.occurrence() < origins.size() ? origins.get(p.occurrence()) : at(s, path);
            error(o, path + ": " + p.message());
        }
        return null;
    }

    /**
     * Where each {@code ${} of a scalar is in the source, in order: found by scanning the
     * scalar's raw text (between its marks) the same way expansion scans its value, which holds
     * for every style since YAML quoting and folding never create or remove a {@code ${}. One
     * pass over the scalar, however many references it holds. Empty when the marks are missing.
     */
    private List<Origin> variableOrigins(ScalarNode s, String path) {
        Mark from = s.getStartMark().orElse(null);
        Mark to = s.getEndMark().orElse(null);
        if (from == null || to == null) {
            return List.of();
        }
        int begin = charIndex(from.getIndex());
        String raw = source.substring(begin, Math.max(begin, charIndex(to.getIndex())));
        List<Origin> origins = new ArrayList<>();
        int line = from.getLine() + 1;
        int column = from.getColumn() + 1;
        int i = 0;
        for (int offset : Variables.starts(raw)) {
            for (; i < offset; i++) {
                char c = raw.charAt(i);
                if (c == '\n') {
                    line++;
                    column = 1;
                } else if (!Character.isLowSurrogate(c)) {
                    column++;
                }
            }
            origins.add(new Origin(file, line, column, path));
        }
        return origins;
    }

    /**
     * The index in {@link #source} of a mark's index, which counts code points: the same number
     * unless the text holds characters outside the Basic Multilingual Plane.
     */
    private int charIndex(int codePointIndex) {
        if (codePointIndex >= source.length()) {
            return source.length();
        }
        if (!hasSurrogates) {
            return codePointIndex;
        }
        if (codePointToChar == null) {
            codePointToChar = new int[source.codePointCount(0, source.length()) + 1];
            int cp = 0;
            for (int i = 0; i < source.length(); i += Character.charCount(source.codePointAt(i))) {
                codePointToChar[cp++] = i;
            }
            codePointToChar[cp] = source.length();
        }
        return codePointToChar[Math.min(codePointIndex, codePointToChar.length - 1)];
    }

    // ---- messages ---------------------------------------------------------------------

    /**
     * The node's resolved tag, except that snakeyaml-engine's {@code !ENV_VARIABLE}, which it
     * gives a plain scalar that is exactly one {@code ${...}}, is a string here: nsbox expands
     * variables itself, from its own map.
     */
    private static Tag tag(Node n) {
        return n.getTag().equals(Tag.ENV_TAG) ? Tag.STR : n.getTag();
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && tag(s).equals(Tag.NULL);
    }

    /** How a message names what was found: {@code a map}, {@code the string "yes"}. */
    static String kind(Node n) {
        if (n instanceof MappingNode) {
            return "a map";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) n;
        Tag t = tag(s);
        String v = Values.printable(s.getValue());
        if (v.length() > 60) {
            v = v.substring(0, 57) + "...";
        }
        if (t.equals(Tag.STR)) {
            return "the string \"" + v + "\"";
        }
        if (t.equals(Tag.INT) || t.equals(Tag.FLOAT)) {
            return "the number " + v;
        }
        if (t.equals(Tag.BOOL)) {
            return "the boolean " + v;
        }
        if (t.equals(Tag.NULL)) {
            return "no value";
        }
        return "a value tagged " + t.getValue();
    }

    private Origin at(Node n, String path) {
        return n.getStartMark().map(m -> new Origin(file, m.getLine() + 1, m.getColumn() + 1, path))
                .orElse(new Origin(file, 0, 0, path));
    }

    private void error(Origin o, String message) {
        diagnostics.add(Diagnostic.error(o, message));
    }
}
