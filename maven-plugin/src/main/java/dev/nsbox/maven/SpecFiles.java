package dev.nsbox.maven;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which spec files a goal reads, and how messages name them.
 *
 * <p>A folder stands for every {@code *.yaml} file under it, sorted, as for {@code nsbox
 * validate}; a folder without any is kept as itself, so that the loader reports it instead of
 * validating nothing in silence. Files are named relative to the folder Maven was started in
 * (so that {@code nsbox.yaml:7:5} in the log can be opened from there), or absolute when they
 * lie outside it.
 */
final class SpecFiles {

    private SpecFiles() {
    }

    /** The files named by {@code entries}, folders expanded, each once, in order. */
    static List<Path> expand(List<File> entries) throws IOException {
        Set<Path> files = new LinkedHashSet<>();
        for (File entry : entries) {
            Path path = entry.toPath().toAbsolutePath().normalize();
            if (!Files.isDirectory(path)) {
                files.add(path);
                continue;
            }
            List<Path> found = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(path)) {
                walk.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f))
                        .sorted().forEach(found::add);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            files.addAll(found.isEmpty() ? List.of(path) : found);
        }
        return List.copyOf(files);
    }

    /** {@code file} as messages print it: relative to {@code root} when under it. */
    static String displayName(Path file, Path root) {
        Path abs = file.toAbsolutePath().normalize();
        if (root != null) {
            Path r = root.toAbsolutePath().normalize();
            if (abs.startsWith(r) && !abs.equals(r)) {
                return r.relativize(abs).toString();
            }
        }
        return abs.toString();
    }
}
