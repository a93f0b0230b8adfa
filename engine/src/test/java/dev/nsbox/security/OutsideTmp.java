package dev.nsbox.security;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A {@code @TempDir} under {@code target/}, not under {@code /tmp}: the escape specs cover
 * {@code /tmp} with a tmpfs, so a secret kept there would be out of the step's sight whether or
 * not the {@code hide} held, and the test would prove nothing. The folder is world-traversable
 * (0755) so that the ordinary user of the rootless variants can reach what is not hidden.
 */
final class OutsideTmp implements TempDirFactory {

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        Path base = Files.createDirectories(Path.of("target", "security").toAbsolutePath());
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createTempDirectory(base, "escape-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
