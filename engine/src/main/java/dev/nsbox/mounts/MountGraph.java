package dev.nsbox.mounts;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mounts of every namespace of the model, the list they form, and the indexes the kernel's
 * rules ask: the children of a mount on each directory, and the members and slaves of each
 * peer group. It also resolves paths the way the kernel does, hands out new mount IDs, peer
 * groups and filesystems, and records the events the rules report.
 *
 * <p>It decides nothing about propagation: the kernel's rules ({@link Attach}, {@link Umount},
 * {@link PivotRoot}, {@link PropagationChange}, {@link Clone}) do, through it. Masters are
 * recorded by peer group, not by mount, which is what mountinfo shows and all that the rules
 * depend on.
 *
 * <p>Not thread-safe; a graph belongs to one computation. Never touches the host.
 */
final class MountGraph {

    // The graph's mounts form one list, like the kernel's list of a namespace's mounts: it
    // decides the order of mountinfo, which of two mounts stacked on one directory a lookup
    // finds, and the order in which propagation visits receivers. A mount joins it at the end
    // (append), at the front (prepend, pivot_root) or leaves it (unlist); the list itself is
    // only its members' seq numbers. What the rules ask of it, the children of a mount on a
    // directory, the members and slaves of a peer group, comes from indexes kept with it:
    // scanning the whole list once per path component made predicting 1000 binds against a
    // 5000-entry table take most of a second (bench, measurement 4).
    private long lastSeq;
    private long firstSeq;
    // The listed mounts of each peer group, and the listed slaves of each, in no order.
    private final Map<Integer, Set<Mount>> peers = new HashMap<>();
    private final Map<Integer, Set<Mount>> slaves = new HashMap<>();
    private final List<MountNamespace> namespaces = new ArrayList<>();
    private final List<MountEvent> events = new ArrayList<>();
    private int nextId = 1;
    private int nextGroup = 1;
    private int nextFs = 1;
    private String cause = "";

    // ---------------------------------------------------------------------------------------
    // Loading and reading back

    /**
     * Adds a namespace whose mounts are those of {@code table}. IDs and peer groups are kept;
     * new mounts and groups of the graph are numbered above every one seen. A table whose root's
     * parent lies outside it (a container's) is loaded as it is.
     */
    MountNamespace load(String name, MountTable table) {
        MountNamespace ns = new MountNamespace(name, false);
        Map<Integer, Mount> byId = new HashMap<>();
        for (MountInfo mi : table.mounts()) {
            Mount m = new Mount(mi.id(), mi.root(), mi.device(), mi.major(), mi.minor(), mi.fsType(), mi.source(),
                    mi.superOptions(), mi.options(), "host");
            m.ns = ns;
            setGroup(m, mi.sharedGroup());
            setMaster(m, mi.masterGroup());
            m.unbindable = mi.unbindable();
            byId.put(mi.id(), m);
            nextId = Math.max(nextId, mi.id() + 1);
            for (int g : new int[]{m.group, m.master}) {
                if (g != 0) {
                    nextGroup = Math.max(nextGroup, g + 1);
                }
            }
        }
        // Only mounts reachable from the root are part of the tree a process sees. The root is
        // the bottom of the stack on "/": the mount whose parent is not in the table.
        MountInfo bottom = null;
        for (MountInfo mi : table.mounts()) {
            if (mi.mountPoint().equals("/") && (mi.parentId() == mi.id() || table.byId(mi.parentId()).isEmpty())) {
                bottom = mi;
                break;
            }
        }
        if (bottom == null) {
            throw new IllegalArgumentException("the mount table of " + name + " has no root mount on /");
        }
        ns.root = byId.get(bottom.id());
        link(ns.root, null, bottom.root());
        ns.rootParentId = bottom.parentId();
        Set<Integer> reachable = new HashSet<>();
        Deque<MountInfo> todo = new ArrayDeque<>();
        todo.add(bottom);
        while (!todo.isEmpty()) {
            MountInfo p = todo.poll();
            reachable.add(p.id());
            Mount pm = byId.get(p.id());
            for (MountInfo c : table.children(p.id())) {
                Mount cm = byId.get(c.id());
                link(cm, pm, dentryFor(pm, p.mountPoint(), c.mountPoint()));
                todo.add(c);
            }
        }
        for (MountInfo mi : table.mounts()) {
            if (reachable.contains(mi.id())) {
                append(byId.get(mi.id()));
            }
        }
        namespaces.add(ns);
        ns.taskRoot = up(ns.root, ns.root.root);
        return ns;
    }

    /** The directory of {@code parent}'s filesystem that shows at {@code childPath}. */
    private static String dentryFor(Mount parent, String parentPath, String childPath) {
        String rel = parentPath.equals("/") ? childPath : childPath.substring(parentPath.length());
        return join(parent.root, rel);
    }

    /** The namespace's mounts as mountinfo would show them, in the kernel's order (parents first). */
    MountTable table(MountNamespace ns) {
        List<MountInfo> out = new ArrayList<>();
        List<Mount> inTree = new ArrayList<>();
        for (Mount m : tree(ns.root)) {
            if (m.listed) {
                inTree.add(m);
            }
        }
        // the list's order, restricted to the namespace's tree
        inTree.sort(MountGraph::bySeq);
        for (Mount m : inTree) {
            List<String> opt = new ArrayList<>();
            if (m.group != 0) {
                opt.add("shared:" + m.group);
            }
            if (m.master != 0) {
                opt.add("master:" + m.master);
            }
            if (m.unbindable) {
                opt.add("unbindable");
            }
            int parentId = m.parent != null ? m.parent.id : ns.rootParentId >= 0 ? ns.rootParentId : m.id;
            out.add(new MountInfo(m.id, parentId, m.major, m.minor, m.root, path(m), m.options, opt, m.fsType,
                    m.source, m.superOptions));
        }
        return MountTable.of(out);
    }

    /** Every namespace of the graph, in the order they were made. */
    List<MountNamespace> namespaces() {
        return Collections.unmodifiableList(namespaces);
    }

    /** Adds a namespace a rule made (unshare, open_tree). */
    void addNamespace(MountNamespace ns) {
        namespaces.add(ns);
    }

    /** Drops the anonymous namespace of a detached tree that has been moved (move_mount). */
    void removeNamespace(MountNamespace ns) {
        namespaces.remove(ns);
    }

    /** Every event since the graph was made, in order. */
    List<MountEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /** Records that {@code m} was mounted or unmounted at {@code path} of {@code ns}, with the current cause. */
    void event(MountEvent.Kind kind, MountNamespace ns, String path, Mount m, String via, String rule) {
        events.add(new MountEvent(kind, ns, path, m.fsType, m.id, via, rule, cause));
    }

    /** Sets the label that events and mounts made from now on carry ({@code mounts[3]}). */
    void cause(String label) {
        this.cause = label == null ? "" : label;
    }

    /** The label that events and mounts made now carry. */
    String cause() {
        return cause;
    }

    int newId() {
        return nextId++;
    }

    int newGroup() {
        return nextGroup++;
    }

    /** A number for a fresh filesystem ({@code new:N}). */
    int newFs() {
        return nextFs++;
    }

    // ---------------------------------------------------------------------------------------
    // Paths

    /** A lookup's result: the mount it ends in, and the directory of that mount's filesystem. */
    record Resolved(Mount mount, String dentry) {
    }

    /** The mount a process of {@code ns} sees at {@code path}, or {@code null}. */
    Mount mountAt(MountNamespace ns, String path) {
        Resolved r = resolve(ns, path);
        return r.dentry.equals(r.mount.root) ? r.mount : null;
    }

    /** The mount's mount point as its namespace's root sees it. */
    String path(Mount m) {
        if (m.parent == null) {
            return "/";
        }
        String parentPath = path(m.parent);
        String rel = relative(m.mountpoint, m.parent.root);
        return rel == null ? "(unreachable)" : join(parentPath, rel);
    }

    /** {@code path} made absolute against the namespace's working directory, and normalized. */
    String absolute(MountNamespace ns, String path) {
        return MountTable.normalize(path.startsWith("/") ? path : ns.cwd + "/" + path);
    }

    /**
     * Path lookup as the kernel does it, mount by mount: at each component, cross into the
     * topmost mount on that directory. Symlinks and {@code ..} are not followed (the planner
     * refuses targets with symlinks).
     */
    Resolved resolve(MountNamespace ns, String path) {
        if (ns.root == null) {
            throw new Refused("ENOENT", "namespace " + ns.name() + " has no mounts");
        }
        String p = absolute(ns, path);
        // A walk starts at the process's root and crosses mounts at each component it steps
        // into, not on the starting point (fs/namei.c path_init, step_into): a mount stacked on
        // "/" after the namespace was made hides nothing below "/" from an absolute path (fuzz
        // seed 4093: a bind propagated onto the sandbox's "/"). A path with no component is
        // taken at the top of the stack, as umount2(2)'s LOOKUP_MOUNTPOINT does.
        Mount start = ns.taskRoot != null && ns.taskRoot.ns == ns ? ns.taskRoot : up(ns.root, ns.root.root);
        Mount cur = p.equals("/") ? up(start, start.root) : start;
        String dentry = cur.root;
        for (String c : p.substring(1).split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            dentry = join(dentry, "/" + c);
            Mount on = childAt(cur, dentry);
            if (on != null) {
                cur = up(on, on.root);
                dentry = cur.root;
            }
        }
        return new Resolved(cur, dentry);
    }

    /** Follows mounts stacked on {@code m}'s root to the topmost. */
    Mount up(Mount m, String dentry) {
        Mount cur = m;
        Mount on = childAt(cur, cur.root);
        while (on != null) {
            cur = on;
            on = childAt(cur, cur.root);
        }
        return cur;
    }

    /** The first listed mount on {@code dentry} of {@code m}, as a scan of the list would find it. */
    Mount childAt(Mount m, String dentry) {
        return childAt(m, dentry, null);
    }

    /** The same, passing over {@code except}. */
    Mount childAt(Mount m, String dentry, Mount except) {
        for (Mount c : childrenAt(m, dentry)) {
            if (c != except) {
                return c;
            }
        }
        return null;
    }

    /** The listed mounts on {@code dentry} of {@code m}, in the list's order; do not change it. */
    List<Mount> childrenAt(Mount m, String dentry) {
        if (m.children == null) {
            return List.of();
        }
        List<Mount> stack = m.children.at.get(dentry);
        return stack == null ? List.of() : stack;
    }

    /** The listed mounts whose parent is {@code m}, in the list's order (a copy). */
    List<Mount> children(Mount m) {
        return m.children == null ? new ArrayList<>() : new ArrayList<>(m.children.all);
    }

    /** Whether some listed mount has {@code m} as its parent. */
    boolean hasChildren(Mount m) {
        return m.children != null && !m.children.all.isEmpty();
    }

    /** {@code m} and every mount below it, parents before children. */
    List<Mount> tree(Mount m) {
        List<Mount> out = new ArrayList<>();
        Deque<Mount> todo = new ArrayDeque<>();
        todo.add(m);
        // The index cannot loop, but a parent chain changed by a rule modelled wrongly could:
        // each mount is listed once.
        Set<Mount> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Mount x = todo.poll();
            if (!seen.add(x)) {
                continue;
            }
            out.add(x);
            if (x.children != null) {
                todo.addAll(x.children.all);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // Peer groups

    /** The listed members of peer group {@code group}, in the list's order (a copy). */
    List<Mount> peersInOrder(int group) {
        return inOrder(peers.get(group));
    }

    /** The listed slaves of peer group {@code group}, in the list's order (a copy). */
    List<Mount> slavesInOrder(int group) {
        return inOrder(slaves.get(group));
    }

    /** Whether peer group {@code group} has a listed member. */
    boolean hasPeers(int group) {
        return peers.containsKey(group);
    }

    /** Whether {@code m}'s peer group has a listed member other than {@code m}. */
    boolean hasOtherPeer(Mount m) {
        for (Mount o : peers.getOrDefault(m.group, Set.of())) {
            if (o != m) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------
    // The list of mounts and the index of each mount's children
    //
    // Invariant: c is in p.children (in all, and in at under c.mountpoint) exactly when c is
    // listed and c.parent == p; both keep the list's order. c is in peers.get(g) exactly when c
    // is listed and c.group == g != 0, and in slaves.get(g) when c.master == g != 0. So a
    // mount's parent, mount point, place in the list, group and master change only through
    // link, append, prepend, unlist, setGroup and setMaster.

    /** A mount's listed children: all of them, and those on each directory of it. */
    static final class Children {
        final TreeSet<Mount> all = new TreeSet<>(MountGraph::bySeq);
        final Map<String, List<Mount>> at = new HashMap<>();
    }

    private static int bySeq(Mount a, Mount b) {
        return Long.compare(a.seq, b.seq);
    }

    /** Puts {@code m} on {@code dentry} of {@code parent} ({@code null}: on nothing), where it is in the list. */
    void link(Mount m, Mount parent, String dentry) {
        unindex(m);
        m.parent = parent;
        m.mountpoint = dentry;
        index(m);
    }

    /** Lists {@code m} last, or moves it there. */
    void append(Mount m) {
        unlist(m);
        m.seq = ++lastSeq;
        list(m);
    }

    /** Lists {@code m} first, or moves it there. */
    void prepend(Mount m) {
        unlist(m);
        m.seq = --firstSeq;
        list(m);
    }

    /** Takes {@code m} off the list (and so out of its parent's index); its parent stays recorded. */
    void unlist(Mount m) {
        if (!m.listed) {
            return;
        }
        unindex(m);
        leave(peers, m.group, m);
        leave(slaves, m.master, m);
        m.listed = false;
    }

    private void list(Mount m) {
        m.listed = true;
        index(m);
        join(peers, m.group, m);
        join(slaves, m.master, m);
    }

    /** Puts {@code m} in peer group {@code group} (0: none). */
    void setGroup(Mount m, int group) {
        if (m.listed) {
            leave(peers, m.group, m);
            join(peers, group, m);
        }
        m.group = group;
    }

    /** Makes {@code m} a slave of peer group {@code master} (0: of none). */
    void setMaster(Mount m, int master) {
        if (m.listed) {
            leave(slaves, m.master, m);
            join(slaves, master, m);
        }
        m.master = master;
    }

    private static void join(Map<Integer, Set<Mount>> index, int group, Mount m) {
        if (group != 0) {
            index.computeIfAbsent(group, g -> Collections.newSetFromMap(new IdentityHashMap<>())).add(m);
        }
    }

    private static void leave(Map<Integer, Set<Mount>> index, int group, Mount m) {
        Set<Mount> members = group == 0 ? null : index.get(group);
        if (members != null) {
            members.remove(m);
            if (members.isEmpty()) {
                index.remove(group);
            }
        }
    }

    /** The mounts of an index entry (may be {@code null}) in the list's order: a copy. */
    private static List<Mount> inOrder(Set<Mount> members) {
        if (members == null) {
            return List.of();
        }
        List<Mount> out = new ArrayList<>(members);
        out.sort(MountGraph::bySeq);
        return out;
    }

    private void index(Mount c) {
        if (!c.listed || c.parent == null) {
            return;
        }
        if (c.parent.children == null) {
            c.parent.children = new Children();
        }
        Children k = c.parent.children;
        k.all.add(c);
        List<Mount> stack = k.at.computeIfAbsent(c.mountpoint, d -> new ArrayList<>(1));
        int i = stack.size();
        while (i > 0 && stack.get(i - 1).seq > c.seq) {
            i--;
        }
        stack.add(i, c);
    }

    private void unindex(Mount c) {
        if (!c.listed || c.parent == null || c.parent.children == null) {
            return;
        }
        Children k = c.parent.children;
        k.all.remove(c);
        List<Mount> stack = k.at.get(c.mountpoint);
        if (stack != null) {
            stack.remove(c);
            if (stack.isEmpty()) {
                k.at.remove(c.mountpoint);
            }
        }
    }

    /** {@code path} relative to {@code base} ("" or "/x/y"), or {@code null} when outside it. */
    static String relative(String path, String base) {
        if (base.equals("/")) {
            return path.equals("/") ? "" : path;
        }
        if (path.equals(base)) {
            return "";
        }
        if (path.startsWith(base) && path.charAt(base.length()) == '/') {
            return path.substring(base.length());
        }
        return null;
    }

    static String join(String base, String rel) {
        if (rel == null || rel.isEmpty() || rel.equals("/")) {
            return base;
        }
        String r = rel.startsWith("/") ? rel : "/" + rel;
        return base.equals("/") ? r : base + r;
    }

    /** Debugging aid: every namespace's table as text. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (MountNamespace ns : namespaces) {
            sb.append("== ").append(ns.name()).append('\n');
            if (ns.root != null) {
                sb.append(table(ns).toText());
            }
        }
        return sb.toString();
    }
}
