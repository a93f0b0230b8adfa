package dev.nsbox.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A scripted host for planner tests: the paths that exist, their kinds and symlinks. */
final class FakeHost implements HostView {

    private final Map<String, Kind> paths = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean privileged = true;
    private String launcherUserNamespace;
    private String cwd = "/work/project";
    private final List<HostMount> mounts = new ArrayList<>();

    FakeHost() {
        for (String d : new String[] {"/", "/tmp", "/proc", "/sys", "/dev", "/usr", "/etc", "/home", "/home/dev",
            "/work", "/work/project", "/work/project/target", "/home/dev/.ssh", "/home/dev/.m2",
            // What a procfs and a sysfs hold that the default guards cover (a kernel without
            // CONFIG_LATENCYTOP, timer_stats or sched_debug in proc, as most today).
            "/proc/sys", "/proc/irq", "/proc/bus", "/proc/fs", "/proc/scsi", "/proc/acpi", "/sys/firmware",
            "/sys/devices", "/sys/devices/virtual", "/sys/devices/virtual/powercap"}) {
            dir(d);
        }
        for (String f : new String[] {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
            "/home/dev/.m2/settings.xml", "/proc/sysrq-trigger", "/proc/kcore", "/proc/keys", "/proc/timer_list",
            "/proc/interrupts"}) {
            file(f);
        }
    }

    FakeHost dir(String p) {
        paths.put(p, Kind.DIRECTORY);
        return this;
    }

    FakeHost file(String p) {
        paths.put(p, Kind.FILE);
        return this;
    }

    FakeHost symlink(String p, String to) {
        paths.put(p, Kind.SYMLINK);
        links.put(p, to);
        return this;
    }

    FakeHost missing(String p) {
        paths.remove(p);
        return this;
    }

    /** A mount of the host's table, after the ones before it (on top of them where it overlaps). */
    FakeHost mount(String mountPoint, String fsType) {
        mounts.add(new HostMount(mountPoint, fsType));
        return this;
    }

    FakeHost unprivileged() {
        privileged = false;
        return this;
    }

    /** A JVM started by nsbox inside a user namespace mapping the caller to {@code mapping}: privileged there. */
    FakeHost inLauncherUserNamespace(String mapping) {
        privileged = true;
        launcherUserNamespace = mapping;
        return this;
    }

    FakeHost env(String k, String v) {
        env.put(k, v);
        return this;
    }

    @Override
    public Kind kind(String p) {
        // A symlink in a parent component is followed.
        for (Map.Entry<String, String> l : links.entrySet()) {
            if (p.startsWith(l.getKey() + "/")) {
                return kind(l.getValue() + p.substring(l.getKey().length()));
            }
        }
        return paths.getOrDefault(p, Kind.MISSING);
    }

    @Override
    public Optional<String> resolve(String p) {
        for (Map.Entry<String, String> l : links.entrySet()) {
            if (p.equals(l.getKey()) || p.startsWith(l.getKey() + "/")) {
                return resolve(l.getValue() + p.substring(l.getKey().length()));
            }
        }
        return paths.containsKey(p) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public Map<String, String> environment() {
        return env;
    }

    @Override
    public String cwd() {
        return cwd;
    }

    @Override
    public List<HostMount> mounts() {
        return mounts;
    }

    @Override
    public boolean privileged() {
        return privileged;
    }

    @Override
    public String launcherUserNamespace() {
        return launcherUserNamespace;
    }
}
