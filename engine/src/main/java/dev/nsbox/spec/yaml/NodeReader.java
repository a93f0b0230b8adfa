package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the single nodes of one composed document: maps (their keys checked against a
 * {@link Grammar} section), lists, and scalars of each {@link Grammar.Type} with variables
 * expanded. Every reader returns the value, or {@code null} (an empty map or list for a
 * collection) after adding an error diagnostic at the node's origin; so a section reader can
 * read on and report every problem of a document in one run.
 *
 * <p>One instance per document; it holds the document's diagnostics. Never touches the file
 * system.
 */
final class NodeReader {

    private final String file;
    private final String baseDir;
    private final Map<String, String> variables;
    private final SourceText source;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    /** The files of a composed spec ({@code extends}) by label: where a node's paths and text are. */
    private Map<String, Extends.Document> documents = Map.of();

    /** A key and its value, as written. */
    record Entry(ScalarNode key, Node value) {
    }

    /**
     * @param baseDir the directory relative host paths are resolved against
     * @param source the document's text, to find a variable's column inside its scalar
     */
    NodeReader(String file, String baseDir, Map<String, String> variables, String source) {
        this.file = file;
        this.baseDir = baseDir;
        this.variables = variables;
        this.source = new SourceText(file, source);
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    void documents(Map<String, Extends.Document> documents) {
        this.documents = Map.copyOf(documents);
    }

    /** The folder a node's relative host paths are resolved against: that of the file it was written in. */
    private String baseDirOf(Node n) {
        Extends.Document d = documents.get(fileOf(n));
        return d == null ? baseDir : d.dir();
    }

    private String fileOf(Node n) {
        return n.getStartMark().map(Mark::getName).orElse(file);
    }

    boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    // ---- maps and lists ---------------------------------------------------------------

    /**
     * The keys of {@code m} in order, first occurrence of each. Reports keys that are not
     * scalars, duplicates, and keys not in {@code known} (when it is not null).
     *
     * @param where how messages name the map: {@code "in mounts[0]"}, {@code "at the top level"}
     */
    Map<String, Entry> fields(MappingNode m, String path, Collection<String> known, String where) {
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

    void unknownKey(ScalarNode key, String path, String name, Collection<String> known, String where) {
        String near = Values.didYouMean(name, known);
        error(at(key, child(path, name)), "unknown key \"" + Values.printable(name) + "\" " + where
                + (near != null ? "; did you mean \"" + near + "\"?" : "; expected one of " + String.join(", ", known)));
    }

    /**
     * Origins of the fields: the value for a scalar, the key for a map or list (whose own start
     * is on the next line, at its first entry).
     */
    Map<String, Origin> originsOf(Map<String, Entry> f, String path) {
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
    MappingNode map(Node n, String path) {
        if (n instanceof MappingNode m) {
            return m;
        }
        if (!isNull(n)) {
            error(at(n, path), path + " must be a map, got " + kind(n));
        }
        return null;
    }

    /** The items, or none for an empty value ({@code mounts:} with nothing), or an error. */
    List<Node> list(Node n, String path) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        if (!isNull(n)) {
            error(at(n, path), path + " must be a list, got " + kind(n));
        }
        return List.of();
    }

    /** What {@code reader} makes of the value of {@code key}, or {@code null} when the key is not written. */
    static <T> T opt(Map<String, Entry> f, String key, Function<Node, T> reader) {
        Entry e = f.get(key);
        return e == null ? null : reader.apply(e.value());
    }

    // ---- scalars ----------------------------------------------------------------------

    /** A string value with variables expanded, or null after an error. */
    String string(Node n, String path) {
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

    /**
     * A {@code shell:} line: a string whose variables expand quoted as one word of data each,
     * for where they stand in the line ({@link Variables#expandShell}), or null after an error.
     */
    String shellLine(Node n, String path) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.STR)) {
            return report(s, path, Variables.expandShell(s.getValue(), variables));
        }
        return string(n, path);
    }

    /** The text of a string or number as written (strings with variables expanded). */
    String number(Node n, String path, String expected) {
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
    String text(Node n, String path) {
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

    /** {@code parser}'s value of {@code text}; its {@link IllegalArgumentException} completes "PATH must be ...". */
    <T> T convert(Node n, String path, String text, Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            error(at(n, path), path + " must be " + e.getMessage());
            return null;
        }
    }

    /** A string that matches {@code pattern}; {@code what} says in words what it must be. */
    String pattern(Node n, String path, Pattern pattern, String what) {
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
    Boolean bool(Node n, String path) {
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
    Integer id(Node n, String path) {
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
    static BigInteger integer(String text) {
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

    Duration duration(Node n, String path) {
        String s = number(n, path, "a duration such as 500ms, 30s, 10m, 1h or 1m30s");
        return s == null ? null : convert(n, path, s, Values::duration);
    }

    /** A path on the host, checked and normalised; a relative one is resolved against the spec's directory. */
    String hostPath(Node n, String path) {
        String s = string(n, path);
        return s == null ? null : convert(n, path, s, v -> Values.path(v, true, baseDirOf(n)));
    }

    /** A path inside the sandbox, checked and normalised; it must be absolute. */
    String sandboxPath(Node n, String path) {
        String s = string(n, path);
        return s == null ? null : convert(n, path, s, v -> Values.path(v, false, baseDir));
    }

    /** One word of {@code words}, converted; the message lists the words in the table's order. */
    <T> T word(Node n, String path, List<String> words, Function<String, T> convert) {
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

    // ---- variables --------------------------------------------------------------------

    /** The scalar's value with variables expanded; each problem is reported where the {@code ${} is. */
    private String expand(ScalarNode s, String path) {
        return report(s, path, Variables.expand(s.getValue(), variables));
    }

    /** The expansion's value, or null after reporting each problem where its {@code ${} is. */
    private String report(ScalarNode s, String path, Variables.Expansion x) {
        if (x.problems().isEmpty()) {
            return x.value();
        }
        Extends.Document d = documents.get(fileOf(s));
        SourceText text = d == null || d.label().equals(file) ? source : new SourceText(d.label(), d.text());
        List<Origin> origins = text.variableOrigins(s, path);
        for (Variables.Problem p : x.problems()) {
            Origin o = p.occurrence() < origins.size() ? origins.get(p.occurrence()) : at(s, path);
            error(o, path + ": " + p.message());
        }
        return null;
    }

    // ---- messages ---------------------------------------------------------------------

    /**
     * The node's resolved tag, except that snakeyaml-engine's {@code !ENV_VARIABLE}, which it
     * gives a plain scalar that is exactly one {@code ${...}}, is a string here: nsbox expands
     * variables itself, from its own map.
     */
    static Tag tag(Node n) {
        return n.getTag().equals(Tag.ENV_TAG) ? Tag.STR : n.getTag();
    }

    static boolean isNull(Node n) {
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

    /** Where the node starts (marks are 0-based; an origin counts from 1), named by {@code path}. */
    Origin at(Node n, String path) {
        return n.getStartMark().map(m -> new Origin(m.getName(), m.getLine() + 1, m.getColumn() + 1, path))
                .orElse(new Origin(file, 0, 0, path));
    }

    void error(Origin o, String message) {
        diagnostics.add(Diagnostic.error(o, message));
    }
}
