package dev.nsbox.security;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A {@code @TempDir} outside {@code /tmp}: the escape specs cover {@code /tmp} with a tmpfs, so
 * a secret kept there would be out of the step's sight whether or not the {@code hide} held,
 * and the test would prove nothing (and the steps, which start in this folder, would have no
 * working directory). It is under {@code target/}, or under {@code /var/tmp} when the checkout
 * itself lies under {@code /tmp} (a clone in /tmp must pass too). The folder is
 * world-traversable (0755) so that the ordinary user of the rootless variants can reach what is
 * not hidden; JUnit removes it afterwards.
 */
final class OutsideTmp implements TempDirFactory {

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
        Path target = Path.of("target", "security").toAbsolutePath().normalize();
        boolean underTmp = target.startsWith("/tmp");
        Path base = underTmp ? Path.of("/var/tmp") : Files.createDirectories(target);
        if (!underTmp) {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path dir = Files.createTempDirectory(base, underTmp ? "nsbox-escape-" : "escape-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
