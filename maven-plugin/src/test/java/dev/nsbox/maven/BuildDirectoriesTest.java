package dev.nsbox.maven;

import dev.nsbox.spec.Spec;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Missing bind sources are made in the build's output folder, and nowhere else. */
class BuildDirectoriesTest {

    @TempDir
    Path project;

    @Test
    void makesMissingBindSourcesInTheBuildDirectoryOnly() throws Exception {
        Path target = project.resolve("target");
        Files.createDirectories(project.resolve("src"));
        Spec spec = SpecLoader.load("""
                version: 1
                namespaces: [mount]
                mounts:
                  - {type: bind, source: target, target: /work/target}
                  - {type: bind, source: target/test-classes/data, target: /data}
                  - {type: bind, source: target/optional, target: /opt/o, optional: true}
                  - {type: bind, source: target2, target: /t2}
                  - {type: bind, source: src, target: /src}
                  - {type: bind, source: elsewhere, target: /e}
                  - {type: tmpfs, target: /tmp}
                """, "nsbox.yaml", project, Map.of()).spec();
        List<Path> made = BuildDirectories.create(spec, target);
        assertEquals(List.of(target, target.resolve("test-classes/data")), made);
        assertTrue(Files.isDirectory(target.resolve("test-classes/data")));
        assertFalse(Files.exists(target.resolve("optional")));
        assertFalse(Files.exists(project.resolve("target2")));
        assertFalse(Files.exists(project.resolve("elsewhere")));
        // A second run finds them there and makes nothing.
        assertEquals(List.of(), BuildDirectories.create(spec, target));
    }
}
