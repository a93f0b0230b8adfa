package dev.nsbox.host;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code host} only probes the machine: it imports neither the executor ({@code exec}) nor the
 * pipeline the front ends use ({@code engine}), both of which import it; either import would
 * make a package cycle.
 */
class HostImportsTest {

    @Test
    void hostImportsNeitherExecNorEngineNorAFrontEnd() throws IOException {
        Path host = Path.of("src/main/java/dev/nsbox/host");
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.list(host)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                for (String line : Files.readAllLines(f)) {
                    if (line.matches("import (static )?dev\\.nsbox\\.(exec|engine|cli)\\..*")) {
                        bad.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertTrue(files >= 4, "host has " + files + " source files");
        assertEquals(List.of(), bad);
    }
}
