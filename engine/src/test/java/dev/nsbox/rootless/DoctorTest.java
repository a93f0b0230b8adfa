package dev.nsbox.rootless;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.host.Doctor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The doctor's report, as whoever runs the tests sees it (root in a scratch namespace in CI):
 * every section is there, every example is judged, and every refusal says how to fix it.
 */
class DoctorTest {

    @Test
    void everySectionAndEveryExampleAreReportedAndEveryRefusalHasAFix() throws IOException {
        Path specs = Path.of("..", "specs");
        Doctor.Report report = NsboxEngine.doctor(List.of(specs), Map.of());
        for (String section : List.of("caller", "container", "user namespaces", "namespaces", "mount API", "specs")) {
            assertFalse(report.section(section).isEmpty(), section + " in\n" + report.text());
        }
        List<String> examples;
        try (Stream<Path> s = Files.list(specs)) {
            examples = s.filter(p -> p.toString().endsWith(".yaml")).map(Path::toString).sorted().toList();
        }
        for (String e : examples) {
            assertEquals(1, report.section("specs").stream().filter(c -> c.text().startsWith(e + ": ")).count(),
                    e + " in\n" + report.text());
        }
        for (Doctor.Check c : report.checks()) {
            if (c.status() == Doctor.Status.NO) {
                assertTrue(c.fix() != null && !c.fix().isBlank(), "a refusal says how to fix it: " + c);
            }
        }
        assertEquals(List.of("mount", "pid", "net", "uts", "ipc", "cgroup", "time", "user"),
                report.section("namespaces").stream().map(c -> c.text().split("[ :]")[0])
                        .filter(w -> !w.equals("procfs")).toList(), report.text());
        assertTrue(report.text().startsWith("caller:\n  "), report.text());
    }
}
