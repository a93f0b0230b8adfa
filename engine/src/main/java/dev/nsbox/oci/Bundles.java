package dev.nsbox.oci;

import dev.nsbox.json.Json;
import dev.nsbox.seccomp.SeccompArch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The file side of an export: reads what {@link OciBundle} needs to know of this machine, and
 * writes a bundle to a directory. Plain file I/O; no system call beyond those of java.nio.
 */
public final class Bundles {

    private Bundles() {
    }

    /** This machine as an export sees it, with the caller's effective ids. */
    public static ExportHost thisHost() throws IOException {
        // The owner of /proc/self is the process's effective uid and gid (proc(5)).
        Path self = Path.of("/proc/self");
        return thisHost((Integer) Files.getAttribute(self, "unix:uid"), (Integer) Files.getAttribute(self, "unix:gid"));
    }

    /**
     * This machine as an export sees it: the entries of {@code /}, the caller's ids and the
     * seccomp architecture.
     *
     * @throws IOException when {@code /} cannot be listed
     * @throws IllegalStateException on an architecture nsbox has no system-call table for
     */
    public static ExportHost thisHost(int uid, int gid) throws IOException {
        SeccompArch arch = SeccompArch.current().orElseThrow(() -> new IllegalStateException(
                "nsbox has no system-call table for " + System.getProperty("os.arch")));
        return new ExportHost(rootEntries(Path.of("/")), p -> Files.exists(Path.of(p), LinkOption.NOFOLLOW_LINKS),
                p -> Files.isRegularFile(Path.of(p)), uid, gid, arch);
    }

    /**
     * The entries of {@code root}, without following symlinks; other kinds (sockets...) are left
     * out, and so is a directory the caller cannot enter (access(2) X_OK; {@code lost+found}
     * and {@code /root}, mode 0700, for an ordinary user): rootless crun 1.8 opens each mount's
     * target and stops at EACCES, and the step could not enter it either.
     */
    static List<RootEntry> rootEntries(Path root) throws IOException {
        List<RootEntry> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (Files.isSymbolicLink(p)) {
                    out.add(new RootEntry(name, RootEntry.Kind.SYMLINK, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(p)) {
                    out.add(new RootEntry(name, RootEntry.Kind.DIRECTORY, null));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new RootEntry(name, RootEntry.Kind.FILE, null));
                }
            }
        }
        return out;
    }

    /**
     * Writes {@code dir/config.json} and, for a bundle with a {@code rootfs}, {@code dir/rootfs}
     * with its mount points and symlinks. An existing bundle is brought up to date: entries
     * already there are kept.
     */
    public static void write(OciBundle bundle, Path dir) throws IOException {
        Files.createDirectories(dir);
        if (!bundle.rootfs().isEmpty()) {
            Path rootfs = dir.resolve(OciBundle.ROOTFS);
            Files.createDirectories(rootfs);
            for (RootEntry e : bundle.rootfs()) {
                Path p = rootfs.resolve(e.name());
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                switch (e.kind()) {
                    case DIRECTORY -> Files.createDirectory(p);
                    case FILE -> Files.createFile(p);
                    case SYMLINK -> Files.createSymbolicLink(p, Path.of(e.link()));
                }
            }
        }
        Files.writeString(dir.resolve("config.json"), Json.write(bundle.config()) + "\n", StandardCharsets.UTF_8);
    }
}
