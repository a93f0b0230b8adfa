package dev.nsbox.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;

/**
 * The spec a new user writes, with no security key: {@code root: host} read-only, a proc, a
 * tmpfs on /tmp, and a {@code hide} of a secret file and of a secret directory, both kept in the
 * test's folder (readable by everyone, so that only the hide keeps them from the step).
 */
final class DefaultSpec {

    final Path dir;
    final Path secretFile;
    final Path secretDir;
    /** The secrets' content: a step that prints it has read a hidden file. */
    final String token;

    private DefaultSpec(Path dir, Path secretFile, Path secretDir, String token) {
        this.dir = dir;
        this.secretFile = secretFile;
        this.secretDir = secretDir;
        this.token = token;
    }

    /** Writes the secrets into {@code dir}. */
    static DefaultSpec in(Path dir) throws IOException {
        String token = "nsbox-secret-" + UUID.randomUUID();
        Path file = Files.writeString(dir.resolve("secret.txt"), token + "\n");
        Path sdir = Files.createDirectories(dir.resolve("secret.d"));
        Files.writeString(sdir.resolve("key"), token + "\n");
        for (Path p : List.of(file, sdir.resolve("key"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.setPosixFilePermissions(sdir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new DefaultSpec(dir, file, sdir, token);
    }

    /** The default spec, as written by a user who knows no security key. */
    Path write() throws IOException {
        return write("default.yaml", "", "");
    }

    /**
     * The default spec plus {@code extraMounts} (YAML list items, indented by two) after its own
     * mounts, and {@code extraTop} (top-level keys) at its end.
     */
    Path write(String name, String extraMounts, String extraTop) throws IOException {
        String text = "version: 1\n"
                + "namespaces: [mount, pid, net, uts, ipc]\n"
                + "root: {type: host, readOnly: true}\n"
                + "mounts:\n"
                + "  - type: proc\n"
                + "    target: /proc\n"
                + "  - type: tmpfs\n"
                + "    target: /tmp\n"
                + "  - type: hide\n"
                + "    target: " + secretFile + "\n"
                + "  - type: hide\n"
                + "    target: " + secretDir + "\n"
                + extraMounts
                + extraTop;
        Path spec = Files.writeString(dir.resolve(name), text);
        Files.setPosixFilePermissions(spec, PosixFilePermissions.fromString("rw-r--r--"));
        return spec;
    }

    /** The 1-based number of the first line of {@code spec} that starts with {@code prefix}. */
    static int lineOf(Path spec, String prefix) throws IOException {
        List<String> lines = Files.readAllLines(spec);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i + 1;
            }
        }
        throw new AssertionError(spec + " has no line starting with " + prefix);
    }
}
