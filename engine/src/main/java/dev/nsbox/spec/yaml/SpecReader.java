package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.Root;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.UserMapping;
import dev.nsbox.spec.yaml.NodeReader.Entry;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.nsbox.spec.yaml.NodeReader.kind;
import static dev.nsbox.spec.yaml.NodeReader.opt;
import static dev.nsbox.spec.yaml.NodeReader.tag;

/**
 * Turns one composed YAML document into a {@link Spec}: checks every key and value against
 * {@link Grammar}, expands variables, applies defaults, makes paths absolute, and records the
 * origin of every value. Collects every problem instead of stopping at the first.
 *
 * <p>Reads the top-level keys, the user and the root itself; a mount is read by
 * {@link MountReader}, the process and the steps by {@link ProcessReader}, and every single
 * value by {@link NodeReader}, which also holds the diagnostics.
 *
 * <p>One instance reads one document. Never touches the file system.
 */
final class SpecReader {

    private final String file;
    private final String baseDir;
    private final NodeReader r;
    private final MountReader mounts;
    private final ProcessReader processes;
    private Spec partial;

    /**
     * @param source the document's text, to find a variable's column inside its scalar
     */
    SpecReader(String file, String baseDir, Map<String, String> variables, String source) {
        this.file = file;
        this.baseDir = baseDir;
        this.r = new NodeReader(file, baseDir, variables, source);
        this.mounts = new MountReader(r);
        this.processes = new ProcessReader(r);
    }

    List<Diagnostic> diagnostics() {
        return r.diagnostics();
    }

    /** The files of a composed spec, so that each value is read against its own file. */
    void documents(Map<String, Extends.Document> documents) {
        r.documents(documents);
    }

    /** The spec, or {@code null} when {@link #diagnostics()} holds an error. */
    Spec read(Node doc) {
        if (!(doc instanceof MappingNode map)) {
            r.error(r.at(doc, ""), "a spec is a map of keys (version: 1, namespaces: ..., mounts: ...), got " + kind(doc));
            return null;
        }
        Map<String, Entry> f = r.fields(map, "", Grammar.TOP.names(), "at the top level");
        Map<String, Origin> origins = r.originsOf(f, "");

        Integer version = null;
        if (!f.containsKey("version")) {
            r.error(r.at(doc, ""), "missing required key \"version\"; write version: 1");
        } else {
            version = version(f.get("version").value());
        }
        String name = opt(f, "name", (n) -> r.pattern(n, "name", Values.NAME, "lower-case letters, digits and "
                + "hyphens, starting with a letter or digit ([a-z0-9][a-z0-9-]*)"));
        String description = opt(f, "description", n -> r.string(n, "description"));
        Set<Namespace> namespaces = f.containsKey("namespaces") ? namespaces(f.get("namespaces").value())
                : EnumSet.noneOf(Namespace.class);
        UserMapping user = f.containsKey("user") ? user(f.get("user")) : UserMapping.ROOT;
        String hostname = opt(f, "hostname", this::hostname);
        Propagation propagation = f.containsKey("propagation")
                ? r.word(f.get("propagation").value(), "propagation", Grammar.TREE_PROPAGATIONS,
                        w -> Propagation.fromWord(w).orElseThrow())
                : Propagation.RPRIVATE;
        HostEffectsPolicy hostEffects = f.containsKey("hostEffects")
                ? r.word(f.get("hostEffects").value(), "hostEffects", Grammar.HOST_EFFECTS,
                        w -> HostEffectsPolicy.valueOf(w.toUpperCase(Locale.ROOT)))
                : HostEffectsPolicy.DENY;
        Root root = f.containsKey("root") ? root(f.get("root")) : Root.host(r.at(doc, "root"));
        List<MountSpec> mountList = new ArrayList<>();
        if (f.containsKey("mounts")) {
            List<Node> items = r.list(f.get("mounts").value(), "mounts");
            for (int i = 0; i < items.size(); i++) {
                MountSpec m = mounts.mount(items.get(i), i);
                if (m != null) {
                    mountList.add(m);
                }
            }
        }
        ProcessSpec process = f.containsKey("process") ? processes.process(f.get("process"))
                : ProcessSpec.defaults(r.at(doc, "process"));
        LimitsSpec limits = f.containsKey("limits") ? new LimitsReader(r).limits(f.get("limits"))
                : LimitsSpec.none(r.at(doc, "limits"));
        List<Step> steps = new ArrayList<>();
        if (f.containsKey("steps")) {
            List<Node> items = r.list(f.get("steps").value(), "steps");
            for (int i = 0; i < items.size(); i++) {
                Step s = processes.step(items.get(i), i);
                if (s != null) {
                    steps.add(s);
                }
            }
        }
        Spec spec = new Spec(file, baseDir, version == null ? 1 : version, name, description, namespaces, user, hostname,
                propagation == null ? Propagation.RPRIVATE : propagation,
                hostEffects == null ? HostEffectsPolicy.DENY : hostEffects,
                root == null ? Root.host(r.at(doc, "root")) : root, mountList,
                process == null ? ProcessSpec.defaults(r.at(doc, "process")) : process, limits, steps,
                new Origins(r.at(doc, ""), origins));
        if (r.hasErrors()) {
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

    // ---- sections ---------------------------------------------------------------------

    private Integer version(Node n) {
        if (n instanceof ScalarNode s && tag(s).equals(Tag.INT)) {
            BigInteger v = NodeReader.integer(s.getValue());
            if (v != null && v.equals(BigInteger.ONE)) {
                return 1;
            }
            r.error(r.at(n, "version"), "version " + s.getValue() + " is not supported; this nsbox reads version 1");
            return null;
        }
        r.error(r.at(n, "version"), "version must be the number 1, got " + kind(n));
        return null;
    }

    private Set<Namespace> namespaces(Node n) {
        Set<Namespace> set = EnumSet.noneOf(Namespace.class);
        Map<Namespace, Integer> seen = new HashMap<>();
        List<Node> items = r.list(n, "namespaces");
        for (int i = 0; i < items.size(); i++) {
            String path = "namespaces[" + i + "]";
            Namespace ns = r.word(items.get(i), path, Grammar.NAMESPACES, w -> Namespace.fromWord(w).orElseThrow());
            if (ns == null) {
                continue;
            }
            if (seen.containsKey(ns)) {
                r.error(r.at(items.get(i), path), path + ": \"" + ns.word() + "\" is already listed as namespaces["
                        + seen.get(ns) + "]");
            } else {
                seen.put(ns, i);
                set.add(ns);
            }
        }
        return set;
    }

    private UserMapping user(Entry e) {
        MappingNode m = r.map(e.value(), "user");
        if (m == null) {
            return UserMapping.ROOT;
        }
        Map<String, Entry> f = r.fields(m, "user", Grammar.USER.names(), "user");
        Integer uid = opt(f, "uid", n -> r.id(n, "user.uid"));
        Integer gid = opt(f, "gid", n -> r.id(n, "user.gid"));
        return new UserMapping(uid == null ? 0 : uid, gid == null ? 0 : gid,
                new Origins(r.at(e.key(), "user"), r.originsOf(f, "user")));
    }

    private String hostname(Node n) {
        String h = r.string(n, "hostname");
        if (h == null) {
            return null;
        }
        if (h.length() > Values.HOSTNAME_MAX || !Values.HOSTNAME.matcher(h).matches()) {
            r.error(r.at(n, "hostname"), "hostname must be 1 to 64 letters, digits, hyphens and dots (RFC 1123), "
                    + "got \"" + Values.printable(h) + "\"");
            return null;
        }
        return h;
    }

    private Root root(Entry e) {
        MappingNode m = r.map(e.value(), "root");
        if (m == null) {
            return Root.host(r.at(e.key(), "root"));
        }
        Map<String, Entry> f = r.fields(m, "root", Grammar.ROOT.names(), "root");
        RootType type = f.containsKey("type")
                ? r.word(f.get("type").value(), "root.type", Grammar.ROOT_TYPES,
                        w -> RootType.valueOf(w.toUpperCase(Locale.ROOT)))
                : RootType.HOST;
        Boolean readOnly = opt(f, "readOnly", n -> r.bool(n, "root.readOnly"));
        String path = null;
        if (f.containsKey("path")) {
            if (type != null && type != RootType.DIR) {
                r.error(r.at(f.get("path").key(), "root.path"), "root.path applies only to type dir, not "
                        + type.word());
            } else {
                path = r.hostPath(f.get("path").value(), "root.path");
            }
        } else if (type == RootType.DIR) {
            r.error(r.at(e.key(), "root"), "root of type dir needs \"path\": the directory that becomes /");
        }
        return new Root(type == null ? RootType.HOST : type, Boolean.TRUE.equals(readOnly), path,
                new Origins(r.at(e.key(), "root"), r.originsOf(f, "root")));
    }
}
