package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.SpecException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Composition of specs: {@code extends: [FILE, ...]} applies each base file in order, then the
 * spec itself, on the composed YAML node trees, before any value is read. Each file is composed
 * with its own label, so every node keeps the {@code FILE:LINE:COL} it was written at, and the
 * readers report a problem of a base file at the base file's line.
 *
 * <p>The rules: maps merge key by key; a scalar or a list takes the later file's value; the
 * top-level {@code mounts} and {@code steps} append in order. A later file's mount on a target
 * that an earlier file already mounts is an error unless it says {@code replace: true}, which
 * puts it in the earlier mount's place (a {@code remount} is exempt: changing an earlier mount is
 * what it is for). Paths in {@code extends} are relative to the folder of the file that names
 * them; a base may extend others; a cycle or a file that cannot be read is an error at the
 * {@code extends} item that names it.
 *
 * <p>One instance composes one spec; reads only the files that {@code extends} names.
 */
final class Extends {

    /** The key that names the base files. */
    static final String KEY = "extends";

    /**
     * One file of a composed spec.
     *
     * @param label how messages name it (the path as the user typed it, resolved against it)
     * @param dir   its folder, absolute: relative host paths written in it are resolved here
     * @param text  its text, to place a variable's problem inside a scalar
     */
    record Document(String label, String dir, String text) {
    }

    /** Reads one file into its node tree; {@link SpecLoader} keeps the limits in one place. */
    interface FileComposer {
        /** The file's tree and text, composed with {@code label} as its marks' name. */
        Map.Entry<Node, String> compose(Path file, String label) throws SpecException;
    }

    private final FileComposer files;
    private final Map<String, Document> documents = new LinkedHashMap<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Deque<Path> chain = new ArrayDeque<>();

    Extends(FileComposer files) {
        this.files = files;
    }

    /** Every file read, the spec first, then its bases in the order they were found. */
    Map<String, Document> documents() {
        return documents;
    }

    /** Errors and warnings found while composing (the readers find the rest). */
    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /**
     * The spec's tree with its bases applied, without the {@code extends} key; {@code doc}
     * itself when it names no base.
     *
     * @param file the spec's own path, absolute, or {@code null} for a spec given as text
     */
    Node compose(Node doc, Document self, Path file) {
        documents.put(self.label(), self);
        if (file != null) {
            chain.push(file);
        }
        return apply(doc, self);
    }

    private Node apply(Node doc, Document self) {
        if (!(doc instanceof MappingNode map)) {
            return doc;
        }
        NodeTuple ext = null;
        List<NodeTuple> rest = new ArrayList<>();
        for (NodeTuple t : map.getValue()) {
            if (ext == null && t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(KEY)) {
                ext = t;
            } else {
                rest.add(t);
            }
        }
        if (ext == null) {
            return doc;
        }
        MappingNode own = copy(map, rest);
        Node merged = null;
        for (Map.Entry<ScalarNode, Path> base : bases(ext.getValueNode(), self)) {
            Node tree = load(base.getKey(), base.getValue(), self);
            if (tree == null) {
                continue;
            }
            merged = merged == null ? tree : merge(merged, tree, true);
        }
        return merged == null ? own : merge(merged, own, true);
    }

    /** The files an {@code extends} value names, resolved against the naming file's folder. */
    private List<Map.Entry<ScalarNode, Path>> bases(Node n, Document self) {
        List<Node> items;
        if (n instanceof SequenceNode seq) {
            items = seq.getValue();
        } else {
            error(n, KEY + " must be a list of spec files, got " + NodeReader.kind(n));
            return List.of();
        }
        List<Map.Entry<ScalarNode, Path>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            if (!(item instanceof ScalarNode s) || !NodeReader.tag(s).equals(Tag.STR) || s.getValue().isBlank()) {
                error(item, KEY + "[" + i + "] must be the path of a spec file, got " + NodeReader.kind(item));
                continue;
            }
            out.add(Map.entry(s, Path.of(self.dir()).resolve(s.getValue()).normalize()));
        }
        return out;
    }

    /** The base's tree with its own bases applied, or {@code null} after an error at {@code at}. */
    private Node load(ScalarNode at, Path path, Document self) {
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            real = path;
        }
        String label = label(self.label(), at.getValue(), path);
        if (chain.contains(real)) {
            List<String> names = new ArrayList<>();
            chain.descendingIterator().forEachRemaining(p -> names.add(p.getFileName().toString()));
            names.add(real.getFileName().toString());
            error(at, KEY + ": \"" + Values.printable(at.getValue()) + "\" makes a cycle: "
                    + String.join(" -> ", names));
            return null;
        }
        Map.Entry<Node, String> composed;
        try {
            composed = files.compose(path, label);
        } catch (SpecException e) {
            List<Diagnostic> found = e.diagnostics();
            if (found.size() == 1 && found.get(0).origin().line() <= 0) {
                // The file itself is missing or unreadable: the error belongs where it is named.
                error(at, KEY + ": cannot use \"" + Values.printable(at.getValue()) + "\" (" + label + "): "
                        + found.get(0).message());
            } else {
                diagnostics.addAll(found);
            }
            return null;
        }
        Document doc = new Document(label, path.getParent().toString(), composed.getValue());
        documents.putIfAbsent(label, doc);
        chain.push(real);
        try {
            return apply(composed.getKey(), doc);
        } finally {
            chain.pop();
        }
    }

    /**
     * How messages name a base: resolved against the naming file's label, so that a spec given
     * as {@code specs/app.yaml} names its base {@code specs/base.yaml} (or {@code base/ci.yaml}).
     */
    private static String label(String parentLabel, String written, Path resolved) {
        if (Path.of(written).isAbsolute()) {
            return Path.of(written).normalize().toString();
        }
        Path parent = Path.of(parentLabel).getParent();
        String l = (parent == null ? Path.of(written) : parent.resolve(written)).normalize().toString();
        return l.isEmpty() ? resolved.toString() : l;
    }

    // ---- merging ------------------------------------------------------------------------

    /** {@code over} applied on {@code base}; neither is changed. */
    private Node merge(Node base, Node over, boolean top) {
        if (!(base instanceof MappingNode b) || !(over instanceof MappingNode o)) {
            return over;
        }
        List<NodeTuple> out = new ArrayList<>(b.getValue());
        for (NodeTuple t : o.getValue()) {
            int at = indexOf(out, t.getKeyNode());
            if (at < 0) {
                out.add(t);
                continue;
            }
            Node before = out.get(at).getValueNode();
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            Node value;
            if (top && key.equals("mounts") && before instanceof SequenceNode bs && t.getValueNode() instanceof SequenceNode os) {
                value = mounts(bs, os);
            } else if (top && key.equals("steps") && before instanceof SequenceNode bs && t.getValueNode() instanceof SequenceNode os) {
                value = append(bs, os.getValue(), os);
            } else if (NodeReader.isNull(t.getValueNode()) && !NodeReader.isNull(before)
                    && (before instanceof SequenceNode || before instanceof MappingNode)) {
                // "mounts:" with nothing under it adds nothing; it does not erase the base's list.
                value = before;
            } else {
                value = merge(before, t.getValueNode(), false);
            }
            // The later key node: a map or list is placed at its key, which the later file wrote.
            out.set(at, new NodeTuple(value == before ? out.get(at).getKeyNode() : t.getKeyNode(), value));
        }
        return copy(o, out);
    }

    /** A later file's mounts appended to the earlier ones, {@code replace: true} taking a place. */
    private Node mounts(SequenceNode base, SequenceNode over) {
        List<Node> out = new ArrayList<>(base.getValue());
        List<Node> added = new ArrayList<>();
        for (Node m : over.getValue()) {
            ScalarNode target = scalar(m, "target");
            ScalarNode type = scalar(m, "type");
            ScalarNode r = scalar(m, "replace");
            boolean replace = r != null && NodeReader.tag(r).equals(Tag.BOOL) && r.getValue().equalsIgnoreCase("true");
            int earlier = target == null || (type != null && type.getValue().equals("remount")) ? -1
                    : indexOfTarget(out, target.getValue());
            if (earlier >= 0 && replace) {
                out.set(earlier, m);
            } else if (earlier >= 0) {
                Node first = scalar(out.get(earlier), "target");
                error(target, "a mount on " + Values.printable(target.getValue()) + " is already in "
                        + where(first) + "; say \"replace: true\" to put this one in its place");
                added.add(m);
            } else {
                if (replace) {
                    warning(m, "replace: true, but no earlier file mounts on "
                            + (target == null ? "this target" : Values.printable(target.getValue()))
                            + "; this mount is added");
                }
                added.add(m);
            }
        }
        out.addAll(added);
        return new SequenceNode(base.getTag(), true, out, over.getFlowStyle(), over.getStartMark(), over.getEndMark());
    }

    private static SequenceNode append(SequenceNode base, List<Node> more, SequenceNode over) {
        List<Node> out = new ArrayList<>(base.getValue());
        out.addAll(more);
        return new SequenceNode(base.getTag(), true, out, over.getFlowStyle(), over.getStartMark(), over.getEndMark());
    }

    private static int indexOfTarget(List<Node> mounts, String target) {
        String want = normal(target);
        for (int i = 0; i < mounts.size(); i++) {
            ScalarNode t = scalar(mounts.get(i), "target");
            ScalarNode type = scalar(mounts.get(i), "type");
            if (t != null && normal(t.getValue()).equals(want) && (type == null || !type.getValue().equals("remount"))) {
                return i;
            }
        }
        return -1;
    }

    /** A target as written, compared with {@code //} and a trailing {@code /} taken out. */
    private static String normal(String path) {
        String p = path.replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static ScalarNode scalar(Node map, String key) {
        if (map instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)
                        && t.getValueNode() instanceof ScalarNode v) {
                    return v;
                }
            }
        }
        return null;
    }

    private static int indexOf(List<NodeTuple> tuples, Node key) {
        if (!(key instanceof ScalarNode k)) {
            return -1;
        }
        for (int i = 0; i < tuples.size(); i++) {
            if (tuples.get(i).getKeyNode() instanceof ScalarNode s && s.getValue().equals(k.getValue())) {
                return i;
            }
        }
        return -1;
    }

    private static MappingNode copy(MappingNode like, List<NodeTuple> tuples) {
        return new MappingNode(like.getTag(), true, tuples, like.getFlowStyle(), like.getStartMark(), like.getEndMark());
    }

    // ---- messages -----------------------------------------------------------------------

    static Origin origin(Node n) {
        return n.getStartMark().map(m -> new Origin(m.getName(), m.getLine() + 1, m.getColumn() + 1, ""))
                .orElse(Origin.synthetic("?"));
    }

    private static String where(Node n) {
        return n == null ? "an earlier file" : origin(n).location();
    }

    private void error(Node n, String message) {
        diagnostics.add(Diagnostic.error(origin(n), message));
    }

    private void warning(Node n, String message) {
        diagnostics.add(Diagnostic.warning(origin(n), message));
    }
}
