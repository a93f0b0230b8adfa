package dev.nsbox.maven;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the missing sources of the spec's binds that lie in the build's output folder
 * ({@code ${project.build.directory}}, or inside it), so that {@code mvn clean nsbox:run} works
 * on a project never built: {@code clean} deletes {@code target/}, and a bind of a missing
 * source fails (open_tree(2): ENOENT).
 *
 * <p>Only there: the build owns that folder and makes it anyway; nothing else on the host is
 * created, and an {@code optional} bind, which the spec allows to be missing, is left missing.
 * The folders are made by the build's own process, so they belong to the build's user.
 */
final class BuildDirectories {

    private BuildDirectories() {
    }

    /** The folders made, in the order of the spec's mounts. */
    static List<Path> create(Spec spec, Path buildDirectory) throws IOException {
        Path build = buildDirectory.toAbsolutePath().normalize();
        List<Path> made = new ArrayList<>();
        for (MountSpec m : spec.mounts()) {
            if (m.type() != MountType.BIND || m.source() == null || m.optional()) {
                continue;
            }
            Path source = Path.of(m.source()).toAbsolutePath().normalize();
            if (source.startsWith(build) && !Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(source);
                made.add(source);
            }
        }
        return made;
    }
}
