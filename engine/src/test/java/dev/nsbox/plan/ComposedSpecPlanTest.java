package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code plan} and {@code explain} name the base file of a mount that a base of {@code extends} wrote. */
class ComposedSpecPlanTest {

    @TempDir
    Path dir;

    @Test
    void planAndExplainNameTheBaseFileOfEachMount() throws Exception {
        Files.createDirectories(dir.resolve("base"));
        Files.writeString(dir.resolve("base/ci.yaml"), """
                namespaces: [mount]
                mounts:
                  - type: tmpfs
                    target: /project
                """);
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, """
                version: 1
                extends: [base/ci.yaml]
                mounts:
                  - type: tmpfs
                    target: /bin
                """);
        String base = dir.resolve("base/ci.yaml").toString();
        Plan plan = HostEffectPredictor.predict(Planner.plan(SpecLoader.load(spec, spec.toString(), Map.of()).spec(),
                ExampleSpecsTest.host()), ExampleSpecsTest.systemdHost(), Kernel.of(6, 18));
        String text = PlanFormat.text(plan);
        assertTrue(text.contains("/* " + base + ":3:5 mounts[0] */"), text);
        assertTrue(text.contains("/* " + spec + ":4:5 mounts[1] */"), text);

        List<String> lines = Explainer.explain(plan, ExampleSpecsTest.systemdHost(), Kernel.of(6, 18));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("mounts[0] (from " + base + ":3:5): mount(")),
                String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("mounts[1]: mount(")), String.join("\n", lines));
        assertFalse(lines.stream().anyMatch(l -> l.contains("(from " + spec)), String.join("\n", lines));
    }
}
