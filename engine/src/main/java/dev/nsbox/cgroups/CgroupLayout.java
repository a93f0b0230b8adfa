package dev.nsbox.cgroups;

import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which cgroup hierarchies this process sees and where it sits in each, from
 * {@code /proc/self/mountinfo} and {@code /proc/self/cgroup} (cgroups(7), "/proc/[pid]/cgroup").
 *
 * <p>A controller is bound to one hierarchy at a time (cgroups(7), "Using cgroups v1 and v2
 * together"): where memory, pids or cpu are mounted as cgroup v1 they are absent from the cgroup2
 * hierarchy, so nsbox limits through v1 then, whatever else is mounted.
 *
 * <p>Immutable.
 *
 * @param mode    how limits are applied here
 * @param unified the cgroup2 hierarchy, when one is mounted
 * @param legacy  the cgroup v1 hierarchies, in /proc/self/cgroup's order
 */
public record CgroupLayout(Mode mode, Optional<Hierarchy> unified, List<Hierarchy> legacy) {

    /** The controllers nsbox limits through: the ones {@link Limits#controllers()} names. */
    public static final Set<String> RESOURCE_CONTROLLERS = Set.of("memory", "pids", "cpu");

    /** How this machine's cgroups are laid out, as far as limits are concerned. */
    public enum Mode {
        /** Only cgroup2 (the unified hierarchy) holds controllers. */
        UNIFIED("cgroup v2 (unified)"),
        /** v1 controller hierarchies, and a cgroup2 beside them (systemd's "hybrid"). */
        HYBRID("cgroup v1 with a cgroup2 beside it (hybrid)"),
        /** Only v1 hierarchies. */
        LEGACY("cgroup v1 (legacy)"),
        /** No cgroup filesystem is mounted. */
        NONE("no cgroup filesystem");

        private final String words;

        Mode(String words) {
            this.words = words;
        }

        /** How doctor names it. */
        public String words() {
            return words;
        }

        /** Whether limits go through v1 hierarchies. */
        public boolean v1() {
            return this == HYBRID || this == LEGACY;
        }
    }

    /**
     * One mounted hierarchy and this process's cgroup in it.
     *
     * @param mountPoint  where it is mounted ({@code /sys/fs/cgroup/memory})
     * @param mountRoot   the cgroup the mount shows at its mount point (mountinfo's field 4:
     *                    {@code /} unless a bind or a foreign cgroup namespace shows less)
     * @param controllers for v1 the controllers bound to it ({@code cpu}, {@code cpuacct}; a named
     *                    hierarchy as {@code name=systemd}); empty for cgroup2, whose controllers
     *                    are listed per cgroup in {@code cgroup.controllers}
     * @param cgroupPath  this process's cgroup as /proc/self/cgroup names it
     */
    public record Hierarchy(String mountPoint, String mountRoot, Set<String> controllers, String cgroupPath) {

        public Hierarchy {
            Objects.requireNonNull(mountPoint, "mountPoint");
            Objects.requireNonNull(mountRoot, "mountRoot");
            Objects.requireNonNull(cgroupPath, "cgroupPath");
            controllers = Set.copyOf(controllers);
        }

        /**
         * The directory of this process's cgroup: the mount point joined with the cgroup path
         * made relative to the mount's root. A cgroup path outside the mount's root (a process
         * moved out of a foreign cgroup namespace's view, shown as {@code /../x}) has no
         * directory here.
         */
        public Optional<String> callerDirectory() {
            String root = mountRoot.equals("/") ? "" : mountRoot;
            if (!cgroupPath.equals(root) && !cgroupPath.startsWith(root + "/")) {
                return Optional.empty();
            }
            String rest = cgroupPath.substring(root.length());
            return rest.contains("/..") ? Optional.empty() : Optional.of(join(mountPoint, rest));
        }
    }

    public CgroupLayout {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(unified, "unified");
        legacy = List.copyOf(legacy);
    }

    /** Reads this process's layout through {@code fs}. */
    public static CgroupLayout detect(CgroupFs fs) throws IOException {
        return parse(fs.read("/proc/self/mountinfo"), fs.read("/proc/self/cgroup"));
    }

    /**
     * The layout that these texts of {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}
     * describe. A hierarchy this process is in but that is not mounted is left out.
     */
    public static CgroupLayout parse(String mountinfo, String procSelfCgroup) {
        List<MountInfo> mounts = MountTable.parse(mountinfo).mounts();
        Hierarchy unified = null;
        List<Hierarchy> legacy = new ArrayList<>();
        for (String line : procSelfCgroup.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            // hierarchy-ID:controller-list:cgroup-path; the path may itself hold colons.
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                throw new IllegalArgumentException("/proc/self/cgroup: not \"ID:controllers:path\": \"" + line + "\"");
            }
            String path = stripDeleted(f[2]);
            if (f[0].equals("0") && f[1].isEmpty()) {
                Optional<MountInfo> m = mounts.stream().filter(x -> x.fsType().equals("cgroup2")).findFirst();
                if (m.isPresent()) {
                    unified = new Hierarchy(m.get().mountPoint(), m.get().root(), Set.of(), path);
                }
                continue;
            }
            Set<String> names = new LinkedHashSet<>(List.of(f[1].split(",")));
            Optional<MountInfo> m = mounts.stream()
                    .filter(x -> x.fsType().equals("cgroup")
                            && Set.of(x.superOptions().split(",")).containsAll(names))
                    .findFirst();
            m.ifPresent(x -> legacy.add(new Hierarchy(x.mountPoint(), x.root(), names, path)));
        }
        boolean v1Resources = legacy.stream()
                .anyMatch(h -> h.controllers().stream().anyMatch(RESOURCE_CONTROLLERS::contains));
        Mode mode;
        if (v1Resources) {
            mode = unified != null ? Mode.HYBRID : Mode.LEGACY;
        } else if (unified != null) {
            mode = Mode.UNIFIED;
        } else {
            mode = legacy.isEmpty() ? Mode.NONE : Mode.LEGACY;
        }
        return new CgroupLayout(mode, Optional.ofNullable(unified), legacy);
    }

    /** The v1 hierarchy {@code controller} is bound to. */
    public Optional<Hierarchy> v1(String controller) {
        return legacy.stream().filter(h -> h.controllers().contains(controller)).findFirst();
    }

    static String join(String dir, String rest) {
        String r = rest.startsWith("/") ? rest.substring(1) : rest;
        if (r.isEmpty()) {
            return dir;
        }
        return dir.endsWith("/") ? dir + r : dir + "/" + r;
    }

    private static String stripDeleted(String path) {
        return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
    }
}
