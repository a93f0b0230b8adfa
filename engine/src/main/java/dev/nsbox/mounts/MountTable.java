package dev.nsbox.mounts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A mount namespace's table as {@code /proc/<pid>/mountinfo} shows it: the mounts in the
 * kernel's order (parents before children, later mounts on top of earlier ones at the same
 * place), with lookups by ID, by parent, and by path.
 *
 * <p>Immutable. Never touches the host: {@link #parse} reads text that the caller read.
 */
public final class MountTable {

    private final List<MountInfo> mounts;
    private final Map<Integer, MountInfo> byId;
    private final Map<Integer, List<MountInfo>> children;

    private MountTable(List<MountInfo> mounts) {
        this.mounts = List.copyOf(mounts);
        Map<Integer, MountInfo> ids = new HashMap<>();
        Map<Integer, List<MountInfo>> kids = new HashMap<>();
        for (MountInfo m : this.mounts) {
            if (ids.putIfAbsent(m.id(), m) != null) {
                throw new IllegalArgumentException("mount ID " + m.id() + " appears twice");
            }
        }
        for (MountInfo m : this.mounts) {
            if (m.parentId() != m.id() && ids.containsKey(m.parentId())) {
                kids.computeIfAbsent(m.parentId(), k -> new ArrayList<>()).add(m);
            }
        }
        kids.replaceAll((k, v) -> List.copyOf(v));
        this.byId = Collections.unmodifiableMap(ids);
        this.children = Collections.unmodifiableMap(kids);
    }

    /** A table of these mounts, in this order. Mount IDs must be unique. */
    public static MountTable of(List<MountInfo> mounts) {
        return new MountTable(mounts);
    }

    /**
     * Parses the text of a mountinfo file.
     *
     * @throws IllegalArgumentException naming the 1-based line number and what is wrong with it
     */
    public static MountTable parse(String text) {
        List<MountInfo> list = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            try {
                list.add(parseLine(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("mountinfo line " + (i + 1) + ": " + e.getMessage()
                        + ": \"" + line + "\"", e);
            }
        }
        return new MountTable(list);
    }

    /** Parses one line, without the trailing newline. */
    public static MountInfo parseLine(String line) {
        String[] f = line.split(" ", -1);
        int sep = Arrays.asList(f).indexOf("-");
        if (sep < 0) {
            throw new IllegalArgumentException("no \"-\" separator before the filesystem type");
        }
        if (sep < 6) {
            throw new IllegalArgumentException("expected 6 fields before \"-\", found " + sep);
        }
        if (f.length - sep - 1 != 3) {
            throw new IllegalArgumentException("expected 3 fields after \"-\" (type, source, super options), found "
                    + (f.length - sep - 1));
        }
        int id = number(f[0], "mount ID");
        int parent = number(f[1], "parent ID");
        int colon = f[2].indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("device \"" + f[2] + "\" is not major:minor");
        }
        int major = number(f[2].substring(0, colon), "major");
        int minor = number(f[2].substring(colon + 1), "minor");
        List<String> optional = new ArrayList<>();
        for (int i = 6; i < sep; i++) {
            if (f[i].isEmpty()) {
                throw new IllegalArgumentException("empty optional field");
            }
            optional.add(MountInfo.unescape(f[i]));
        }
        return new MountInfo(id, parent, major, minor, path(f[3], "root"), path(f[4], "mount point"),
                List.of(MountInfo.unescape(f[5]).split(",")), optional, MountInfo.unescape(f[sep + 1]),
                MountInfo.unescape(f[sep + 2]), MountInfo.unescape(f[sep + 3]));
    }

    private static int number(String s, String what) {
        try {
            int n = Integer.parseInt(s);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " \"" + s + "\" is not a number");
        }
    }

    private static String path(String s, String what) {
        String p = MountInfo.unescape(s);
        if (!p.startsWith("/") && !p.startsWith("net:[") && !p.contains(":[")) {
            throw new IllegalArgumentException(what + " \"" + s + "\" is not an absolute path");
        }
        return p;
    }

    /** Every mount, in the kernel's order. */
    public List<MountInfo> mounts() {
        return mounts;
    }

    public int size() {
        return mounts.size();
    }

    public Optional<MountInfo> byId(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The mounts whose parent is {@code id}, in table order. */
    public List<MountInfo> children(int id) {
        return children.getOrDefault(id, List.of());
    }

    /** The parent of {@code m} in this table, or empty for a root. */
    public Optional<MountInfo> parent(MountInfo m) {
        return m.parentId() == m.id() ? Optional.empty() : byId(m.parentId());
    }

    /** The root of the tree: the mount on {@code /} whose parent is not in the table. */
    public Optional<MountInfo> root() {
        for (MountInfo m : mounts) {
            if (m.mountPoint().equals("/") && (m.parentId() == m.id() || !byId.containsKey(m.parentId()))) {
                return Optional.of(top(m));
            }
        }
        return Optional.empty();
    }

    /**
     * The mount that holds {@code path}, found as path lookup finds it: from the root, at each
     * component cross into the mount on it (and up any stack of mounts at the same place).
     * Mounts hidden under a later mount on a shorter prefix are never returned.
     */
    public Optional<MountInfo> covering(String path) {
        String p = normalize(path);
        MountInfo cur = root().orElse(null);
        String prefix = "";
        if (cur == null) {
            // A process in a chroot(2) sees only the mounts under its root, and none on "/"
            // itself: start from the top-level mount that holds the longest prefix.
            for (MountInfo m : mounts) {
                if (!byId.containsKey(m.parentId()) && isPrefix(m.mountPoint(), p)
                        && (cur == null || m.mountPoint().length() > cur.mountPoint().length())) {
                    cur = m;
                }
            }
            if (cur == null) {
                return Optional.empty();
            }
            cur = top(cur);
            prefix = cur.mountPoint().equals("/") ? "" : cur.mountPoint();
        }
        String rest = prefix.isEmpty() ? p : p.substring(prefix.length());
        for (String c : rest.split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            prefix = prefix + "/" + c;
            for (MountInfo child : children(cur.id())) {
                if (child.mountPoint().equals(prefix)) {
                    cur = top(child);
                    break;
                }
            }
        }
        return Optional.of(cur);
    }

    /** The mount a process sees at exactly {@code path}, if {@code path} is a mount point. */
    public Optional<MountInfo> mountAt(String path) {
        String p = normalize(path);
        return covering(p).filter(m -> m.mountPoint().equals(p));
    }

    /** Follows mounts stacked on {@code m} at the same mount point, to the topmost. */
    private MountInfo top(MountInfo m) {
        MountInfo cur = m;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (MountInfo child : children(cur.id())) {
                if (child.mountPoint().equals(cur.mountPoint())) {
                    cur = child;
                    moved = true;
                    break;
                }
            }
        }
        return cur;
    }

    /** Whether {@code prefix} is {@code path} or one of its ancestors, component-wise. */
    public static boolean isPrefix(String prefix, String path) {
        if (prefix.equals("/") || prefix.equals(path)) {
            return true;
        }
        return path.startsWith(prefix) && path.length() > prefix.length() && path.charAt(prefix.length()) == '/';
    }

    /** Collapses repeated and trailing slashes and {@code .} components; {@code ..} is kept. */
    public static String normalize(String path) {
        List<String> parts = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                parts.add(c);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** The table as mountinfo text, one line per mount, each ending in a newline. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (MountInfo m : mounts) {
            sb.append(m.toLine()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MountTable t && t.mounts.equals(mounts);
    }

    @Override
    public int hashCode() {
        return mounts.hashCode();
    }

    @Override
    public String toString() {
        return toText();
    }
}
