package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpecFilesTest {

    @Test
    void aFolderStandsForEveryYamlFileUnderItSortedEachOnce(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("specs/sub"));
        Files.writeString(dir.resolve("specs/b.yaml"), "version: 1\n");
        Files.writeString(dir.resolve("specs/sub/a.yaml"), "version: 1\n");
        Files.writeString(dir.resolve("specs/notes.txt"), "not a spec\n");
        Files.writeString(dir.resolve("nsbox.yaml"), "version: 1\n");
        List<Path> files = SpecFiles.expand(List.of(dir.resolve("nsbox.yaml").toFile(), dir.resolve("specs").toFile(),
                dir.resolve("specs/b.yaml").toFile()));
        assertEquals(List.of(dir.resolve("nsbox.yaml"), dir.resolve("specs/b.yaml"), dir.resolve("specs/sub/a.yaml")),
                files);
    }

    @Test
    void anEmptyFolderIsKeptSoThatTheLoaderReportsIt(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(List.of(dir.resolve("empty")), SpecFiles.expand(List.of(new File(dir.toFile(), "empty"))));
    }

    @Test
    void namesAreRelativeToWhereMavenStartedWhenUnderIt() {
        assertEquals("module/nsbox.yaml", SpecFiles.displayName(Path.of("/r/module/nsbox.yaml"), Path.of("/r")));
        assertEquals("/elsewhere/nsbox.yaml", SpecFiles.displayName(Path.of("/elsewhere/nsbox.yaml"), Path.of("/r")));
        assertEquals("/r/x.yaml", SpecFiles.displayName(Path.of("/r/x.yaml"), null));
    }
}
