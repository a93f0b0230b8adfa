package dev.nsbox.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A {@link CgroupFs} answered from a directory tree that imitates a machine: the kernel path
 * {@code /sys/fs/cgroup/x} is {@code ROOT/sys/fs/cgroup/x}. It behaves like cgroupfs where the
 * code depends on it: a write needs an existing file; a new directory under a hierarchy gets
 * that hierarchy's interface files; writing a pid to {@code cgroup.procs} moves it out of the
 * hierarchy's other cgroups; rmdir of a cgroup that still lists a process fails with EBUSY.
 * Every mkdir, write and rmdir is logged in C syntax, in order.
 */
final class TreeFs implements CgroupFs {

    private final Path root;
    private final Map<String, Map<String, String>> templates = new LinkedHashMap<>();
    private final Map<String, Integer> owners = new HashMap<>();
    private final Set<String> readOnly = new HashSet<>();
    private final List<String> log = new ArrayList<>();
    private int uid;

    TreeFs(Path root, int uid) {
        this.root = root;
        this.uid = uid;
    }

    /** Makes the file {@code path} with {@code text}, and its parents. */
    TreeFs file(String path, String text) throws IOException {
        Path p = host(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return this;
    }

    /** Makes the directory {@code path} with these interface files. */
    TreeFs cgroup(String path, Map<String, String> files) throws IOException {
        Files.createDirectories(host(path));
        for (Map.Entry<String, String> e : files.entrySet()) {
            file(path + "/" + e.getKey(), e.getValue());
        }
        return this;
    }

    /** A directory made below {@code hierarchy} gets these files, as the kernel fills it. */
    TreeFs template(String hierarchy, Map<String, String> files) {
        templates.put(hierarchy, files);
        return this;
    }

    /** {@code path} and everything below it is owned by {@code owner} (default 0). */
    TreeFs owner(String path, int owner) {
        owners.put(path, owner);
        return this;
    }

    /** {@code path} is not writable for the caller, whatever its owner. */
    TreeFs readOnly(String path) {
        readOnly.add(path);
        return this;
    }

    /** Every mkdir, write and rmdir so far, in C syntax. */
    List<String> log() {
        return log;
    }

    String text(String path) throws IOException {
        return read(path);
    }

    Path host(String path) {
        return root.resolve(path.substring(1));
    }

    @Override
    public String read(String path) throws IOException {
        return Files.readString(host(path), StandardCharsets.UTF_8);
    }

    @Override
    public void write(String path, String value) throws IOException {
        Path p = host(path);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(path);
        }
        if (!writable(path)) {
            throw new java.nio.file.AccessDeniedException(path);
        }
        log.add("write(\"" + path + "\", \"" + value + "\")");
        if (path.endsWith("/cgroup.procs")) {
            String hierarchy = hierarchyOf(path);
            for (String other : procsFiles(hierarchy)) {
                List<String> kept = new ArrayList<>(Files.readAllLines(host(other)));
                kept.remove(value);
                Files.writeString(host(other), kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            }
            Files.writeString(p, Files.readString(p) + value + "\n");
        } else {
            Files.writeString(p, value);
        }
    }

    @Override
    public void mkdir(String path) throws IOException {
        Path p = host(path);
        if (Files.exists(p)) {
            throw new FileAlreadyExistsException(path);
        }
        log.add("mkdir(\"" + path + "\")");
        Files.createDirectory(p);
        Map<String, String> files = templates.get(hierarchyOf(path));
        if (files != null) {
            for (Map.Entry<String, String> e : files.entrySet()) {
                Files.writeString(p.resolve(e.getKey()), e.getValue());
            }
        }
    }

    @Override
    public void rmdir(String path) throws IOException {
        Path p = host(path);
        if (!Files.isDirectory(p)) {
            throw new NoSuchFileException(path);
        }
        Path procs = p.resolve("cgroup.procs");
        if (Files.exists(procs) && !Files.readString(procs).isBlank()) {
            throw new FileSystemException(path, null, "Device or resource busy");
        }
        try (Stream<Path> s = Files.list(p)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(f)) {
                    throw new FileSystemException(path, null, "Device or resource busy");
                }
            }
        }
        log.add("rmdir(\"" + path + "\")");
        try (Stream<Path> s = Files.list(p)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(p);
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(host(path));
    }

    @Override
    public int owner(String path) throws IOException {
        if (!exists(path)) {
            throw new NoSuchFileException(path);
        }
        String best = null;
        for (String k : owners.keySet()) {
            if ((path.equals(k) || path.startsWith(k + "/")) && (best == null || k.length() > best.length())) {
                best = k;
            }
        }
        return best == null ? 0 : owners.get(best);
    }

    @Override
    public boolean writable(String path) {
        if (readOnly.contains(path)) {
            return false;
        }
        try {
            return uid == 0 || owner(path) == uid;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public int uid() {
        return uid;
    }

    private String hierarchyOf(String path) {
        return templates.keySet().stream()
                .filter(h -> path.startsWith(h + "/"))
                .max(Comparator.comparingInt(String::length))
                .orElse("/");
    }

    private List<String> procsFiles(String hierarchy) throws IOException {
        List<String> found = new ArrayList<>();
        Path base = host(hierarchy);
        if (!Files.isDirectory(base)) {
            return found;
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.filter(f -> f.getFileName().toString().equals("cgroup.procs"))
                    .forEach(f -> found.add("/" + root.relativize(f)));
        }
        return found;
    }
}
