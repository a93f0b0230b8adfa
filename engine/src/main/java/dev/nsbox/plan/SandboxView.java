package dev.nsbox.plan;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The planner's picture of the sandbox's file tree while it plans: which mount covers each
 * path, and what the path is there. A path under a bind (or the host root) is what the host
 * says of the bind's source; a path in a tmpfs the spec mounted is what the plan created there;
 * a path in a proc the spec mounted is what the host's {@code /proc} shows (see
 * {@link BackingKind#PROC}); a path in any other fresh filesystem (sysfs, an overlay) is taken
 * to exist, since only the kernel knows.
 *
 * <p>Mutable, private to one planning; asks the {@link HostView} and nothing else.
 */
final class SandboxView {

    enum BackingKind {
        HOST,
        SCRATCH,
        /**
         * A fresh procfs. Its entries other than the per-process directories are the same in
         * every instance (proc_root_init), so the host's {@code /proc} tells which exist; the
         * numbered directories are the processes of the proc's PID namespace: in the sandbox's
         * own, only its init, PID 1, exists while it is set up.
         */
        PROC,
        OPAQUE
    }

    /** What a mount shows: a host directory (or file), a tmpfs of the plan, or another filesystem. */
    record Backing(BackingKind kind, String hostPath, boolean readOnly, String fstype) {

        static Backing host(String hostPath) {
            return new Backing(BackingKind.HOST, hostPath, false, null);
        }

        static Backing scratch(boolean readOnly) {
            return new Backing(BackingKind.SCRATCH, null, readOnly, "tmpfs");
        }

        /** A proc; {@code ownPidNamespace}: of the sandbox's new PID namespace, not the host's. */
        static Backing proc(boolean ownPidNamespace) {
            return new Backing(BackingKind.PROC, ownPidNamespace ? null : "/proc", true, "proc");
        }

        static Backing opaque(String fstype) {
            return new Backing(BackingKind.OPAQUE, null, true, fstype);
        }

        /** Whether the plan may create mount points in it. */
        boolean creatable() {
            return kind == BackingKind.SCRATCH && !readOnly;
        }

        String describe() {
            return switch (kind) {
                case HOST -> "host directory";
                case SCRATCH -> readOnly ? "read-only tmpfs" : "tmpfs";
                case PROC, OPAQUE -> fstype + " mount";
            };
        }
    }

    /** One mount of the sandbox, in the order the plan makes them. */
    record Layer(String target, Backing backing, Map<String, Boolean> created) {
    }

    private final HostView host;
    // The mounts still visible, by target: a mount hides every earlier one on or below its
    // target, so no two share one. Looking a path's mount up by its prefixes, and the hidden
    // ones up as a range, replaces a scan of every layer per question (the planner asks a few
    // per mount: quadratic, a fifth of planning 1000 binds; bench, measurement 4).
    private final TreeMap<String, Layer> layers = new TreeMap<>();

    SandboxView(HostView host) {
        this.host = host;
    }

    /** A mount on {@code target}: it hides every earlier mount on or below it. */
    void push(String target, Backing backing) {
        // Planner.under(t, target): t is target, or target is "/", or t goes on past target at
        // a '/', i.e. t sorts in [target + "/", target + "0") ('0' follows '/').
        if (target.equals("/")) {
            layers.clear();
        } else {
            layers.remove(target);
            layers.subMap(target + "/", target + "0").clear();
        }
        layers.put(target, new Layer(target, backing, new HashMap<>()));
    }

    /**
     * mount_setattr(2) with MOUNT_ATTR_RDONLY on the mount at {@code target} (and, when
     * {@code recursive}, every mount below it): a tmpfs of the plan there takes no more mount
     * points, mkdir(2) in it is EROFS. What the plan created in it is still there.
     */
    void readOnly(String target, boolean recursive) {
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            Layer l = e.getValue();
            boolean hit = l.target().equals(target) || (recursive && Planner.under(l.target(), target));
            if (hit && l.backing().kind() == BackingKind.SCRATCH && !l.backing().readOnly()) {
                e.setValue(new Layer(l.target(), Backing.scratch(true), l.created()));
            }
        }
    }

    /** The mount that {@code path} resolves in, or {@code null} before the root is known. */
    Layer layerOf(String path) {
        // The layer with the longest target t such that Planner.under(path, t), for an absolute
        // path (every target and working directory is one): path itself, then path cut before
        // each '/', longest first, then "/".
        Layer l = layers.get(path);
        for (int i = path.length() - 1; l == null && i > 0; i--) {
            if (path.charAt(i) == '/') {
                l = layers.get(path.substring(0, i));
            }
        }
        return l != null ? l : layers.get("/");
    }

    /** What {@code path} is inside the sandbox, without following a symlink at its end. */
    HostView.Kind kind(String path) {
        Layer l = layerOf(path);
        if (l == null) {
            return HostView.Kind.MISSING;
        }
        return switch (l.backing().kind()) {
            case HOST -> host.kind(hostPath(l, path));
            case SCRATCH -> {
                if (path.equals(l.target())) {
                    yield HostView.Kind.DIRECTORY;
                }
                Boolean dir = l.created().get(path);
                yield dir == null ? HostView.Kind.MISSING : dir ? HostView.Kind.DIRECTORY : HostView.Kind.FILE;
            }
            case PROC -> procKind(l, path);
            case OPAQUE -> HostView.Kind.DIRECTORY;
        };
    }

    /** See {@link BackingKind#PROC}: what the host's /proc shows at the same place. */
    private HostView.Kind procKind(Layer l, String path) {
        if (path.equals(l.target())) {
            return HostView.Kind.DIRECTORY;
        }
        String rest = procRest(l, path);
        if (l.backing().hostPath() == null && pidDirectory(rest)) {
            // A host pid has no directory in the sandbox's PID namespace; its init's has the
            // layout of any process's, which the plan does not model (see known()).
            return rest.equals("/1") || rest.startsWith("/1/") ? HostView.Kind.DIRECTORY : HostView.Kind.MISSING;
        }
        return host.kind("/proc" + rest);
    }

    private static String procRest(Layer l, String path) {
        return path.substring(l.target().equals("/") ? 0 : l.target().length());
    }

    /** Whether {@code rest}, a path inside a procfs, is in a process's directory ({@code /PID...}). */
    static boolean pidDirectory(String rest) {
        return rest.matches("/[0-9]+(/.*)?");
    }

    /** Whether {@link #kind} is knowledge rather than an assumption. */
    boolean known(String path) {
        Layer l = layerOf(path);
        if (l == null || l.backing().kind() == BackingKind.OPAQUE) {
            return false;
        }
        // Inside PID 1's directory of a proc of the sandbox's own PID namespace: assumed.
        return !(l.backing().kind() == BackingKind.PROC && l.backing().hostPath() == null
                && !path.equals(l.target()) && procRest(l, path).startsWith("/1/"));
    }

    boolean exists(String path) {
        return kind(path) != HostView.Kind.MISSING;
    }

    /** Records a directory or file the plan creates in the tmpfs that covers {@code path}. */
    void created(String path, boolean directory) {
        Layer l = layerOf(path);
        if (l == null || l.backing().kind() != BackingKind.SCRATCH) {
            throw new IllegalStateException("no tmpfs covers " + path);
        }
        l.created().put(path, directory);
    }

    /** The first component of {@code path} (shortest prefix) that is a symlink, or {@code null}. */
    String firstSymlink(String path) {
        if (path.equals("/")) {
            return null;
        }
        int from = 1;
        while (true) {
            int slash = path.indexOf('/', from);
            String prefix = slash < 0 ? path : path.substring(0, slash);
            if (kind(prefix) == HostView.Kind.SYMLINK) {
                return prefix;
            }
            if (slash < 0) {
                return null;
            }
            from = slash + 1;
        }
    }

    /**
     * Where {@code path} leads once its symlinks are followed, as a sandbox path where it stays
     * inside the mount that holds it, else as the host path it names.
     */
    String resolve(String path) {
        Layer l = layerOf(path);
        if (l == null || l.backing().kind() != BackingKind.HOST) {
            return null;
        }
        String real = host.resolve(hostPath(l, path)).orElse(null);
        if (real == null) {
            return null;
        }
        String base = l.backing().hostPath();
        if (Planner.under(real, base)) {
            String rest = base.equals("/") ? real : real.substring(base.length());
            if (rest.isEmpty()) {
                return l.target();
            }
            return l.target().equals("/") ? rest : l.target() + rest;
        }
        return real + " (on the host)";
    }

    private static String hostPath(Layer l, String path) {
        String base = l.backing().hostPath();
        if (path.equals(l.target())) {
            return base;
        }
        String rest = l.target().equals("/") ? path : path.substring(l.target().length());
        return base.equals("/") ? rest : base + rest;
    }
}
