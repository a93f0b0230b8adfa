package dev.nsbox.spec.yaml;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.yaml.NodeReader.Entry;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.nsbox.spec.yaml.NodeReader.kind;
import static dev.nsbox.spec.yaml.NodeReader.opt;

/**
 * Reads one item of {@code mounts:} into a {@link MountSpec}. The keys a mount accepts depend
 * on its type ({@link Grammar#MOUNT_KEYS}), so the type is read first and every other key is
 * checked against it; a key another type would take is named as such.
 *
 * <p>Reports through the document's {@link NodeReader}; keeps no state of its own.
 */
final class MountReader {

    private final NodeReader r;

    MountReader(NodeReader r) {
        this.r = r;
    }

    /** The mount, or {@code null} when it has an error that leaves it without a type or a target. */
    MountSpec mount(Node n, int index) {
        String path = "mounts[" + index + "]";
        if (!(n instanceof MappingNode m)) {
            r.error(r.at(n, path), path + " must be a map with a type and a target, got " + kind(n));
            return null;
        }
        Map<String, Entry> f = r.fields(m, path, null, path);
        if (!f.containsKey("type")) {
            for (Map.Entry<String, Entry> e : f.entrySet()) {
                checkMountKey(e.getKey(), e.getValue(), null, path);
            }
            r.error(r.at(n, path), path + " needs \"type\": one of " + String.join(", ", Grammar.MOUNT_TYPES));
            return null;
        }
        MountType type = r.word(f.get("type").value(), path + ".type", Grammar.MOUNT_TYPES,
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
                r.error(r.at(n, path), path + " (" + type.word() + ") needs \"" + required + "\"");
                ok = false;
            }
        }
        // The keys that are right are still read, so that one run reports all their problems too.
        String p = path + ".";
        String source = opt(f, "source", v -> r.hostPath(v, p + "source"));
        String target = opt(f, "target", v -> r.sandboxPath(v, p + "target"));
        Boolean readOnly = opt(f, "readOnly", v -> r.bool(v, p + "readOnly"));
        Boolean recursive = opt(f, "recursive", v -> r.bool(v, p + "recursive"));
        Propagation propagation = opt(f, "propagation", v -> r.word(v, p + "propagation",
                Grammar.MOUNT_PROPAGATIONS, w -> Propagation.fromWord(w).orElseThrow()));
        Boolean optional = opt(f, "optional", v -> r.bool(v, p + "optional"));
        Long size = opt(f, "size", v -> {
            String s = r.number(v, p + "size", "a size such as 64k, 64m, 2g or a number of bytes");
            return s == null ? null : r.convert(v, p + "size", s, Values::size);
        });
        Integer mode = opt(f, "mode", v -> {
            String s = r.number(v, p + "mode", "octal permission bits such as \"0755\" or \"1777\"");
            return s == null ? null : r.convert(v, p + "mode", s, Values::mode);
        });
        Integer uid = opt(f, "uid", v -> r.id(v, p + "uid"));
        Integer gid = opt(f, "gid", v -> r.id(v, p + "gid"));
        List<String> lower = f.containsKey("lower") ? lower(f.get("lower").value(), p + "lower") : null;
        String upper = opt(f, "upper", v -> r.hostPath(v, p + "upper"));
        Boolean nosuid = opt(f, "nosuid", v -> r.bool(v, p + "nosuid"));
        Boolean nodev = opt(f, "nodev", v -> r.bool(v, p + "nodev"));
        Boolean noexec = opt(f, "noexec", v -> r.bool(v, p + "noexec"));
        // Only checked here: composition (Extends) acts on it before the mounts are read.
        opt(f, "replace", v -> r.bool(v, p + "replace"));
        if (!ok || target == null) {
            return null;
        }
        return new MountSpec(index, type, source, target, readOnly, recursive, propagation,
                Boolean.TRUE.equals(optional), size, mode, uid, gid, lower, upper, nosuid, nodev, noexec,
                new Origins(r.at(n, path), r.originsOf(f, path)));
    }

    /** An overlay's lower directories, in order; those in error are left out. */
    private List<String> lower(Node n, String path) {
        List<String> lower = new ArrayList<>();
        List<Node> items = r.list(n, path);
        if (items.isEmpty() && n instanceof SequenceNode) {
            r.error(r.at(n, path), path + " must list at least one directory");
        }
        for (int i = 0; i < items.size(); i++) {
            String l = r.hostPath(items.get(i), path + "[" + i + "]");
            if (l != null) {
                lower.add(l);
            }
        }
        return lower;
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
            r.error(r.at(e.key(), path + "." + key), path + ": a " + type.word() + " mount does not accept \"" + key
                    + "\" (" + (takers.size() == 1 ? "only " + takers.get(0) + " does" : String.join(", ", takers) + " do")
                    + "); " + type.word() + " accepts " + String.join(", ", Grammar.MOUNT_KEYS.get(type)));
            return false;
        }
        Collection<String> candidates = type != null ? Grammar.MOUNT_KEYS.get(type) : Grammar.allMountKeys();
        r.unknownKey(e.key(), path, key, candidates, "in " + path);
        return false;
    }
}
