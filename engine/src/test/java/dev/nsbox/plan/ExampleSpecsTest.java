package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every example in {@code specs/} is parsed, validated, planned and predicted against a fixed
 * host: a captured systemd-like mount table where {@code /} and every mount are shared, and a
 * home directory with a few credentials. The text plans are pinned by golden files under
 * {@code src/test/resources/dev/nsbox/plan/golden}; run with {@code -Dnsbox.updateGolden=true}
 * to rewrite them after a deliberate change, and read the diff.
 */
class ExampleSpecsTest {

    private static final Path SPECS = Path.of("..", "specs");
    private static final Path GOLDEN = Path.of("src", "test", "resources", "dev", "nsbox", "plan", "golden");
    private static final Kernel KERNEL = Kernel.of(6, 18);

    static FakeHost host() {
        FakeHost host = new FakeHost();
        for (String d : new String[] {"/project", "/project/specs", "/project/specs/hello",
            "/project/specs/hello/target", "/project/specs/hello/src", "/bin", "/sbin", "/lib", "/lib64",
            "/home/dev/.aws"}) {
            host.dir(d);
        }
        host.file("/home/dev/.npmrc").file("/home/dev/.ssh/id_ed25519");
        host.env("PATH", "/usr/local/bin:/usr/bin:/bin").env("LANG", "C.UTF-8").env("JAVA_HOME", "/usr/lib/jvm/java-17")
                .env("AWS_SECRET_ACCESS_KEY", "not-for-the-sandbox");
        return host;
    }

    static MountTable systemdHost() throws IOException {
        return MountTable.parse(new String(ExampleSpecsTest.class.getResourceAsStream(
                "/dev/nsbox/mounts/systemd-like.mountinfo").readAllBytes(), StandardCharsets.UTF_8));
    }

    static LoadedSpec load(Path spec) throws IOException, SpecException {
        String display = "specs/" + spec.getFileName();
        Map<String, String> vars = Map.of("basedir", "/project/specs", "user.home", "/home/dev", "cwd", "/project");
        return SpecLoader.load(Files.readString(spec), display, Path.of("/project/specs"), vars);
    }

    static List<Path> examples() throws IOException {
        try (Stream<Path> s = Files.list(SPECS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyExampleIsValidPlannedAndPinned() throws IOException {
        List<Path> examples = examples();
        assertTrue(examples.size() >= 5, "the examples of specs/: " + examples);
        return examples.stream().map(spec -> DynamicTest.dynamicTest(spec.getFileName().toString(), () -> {
            LoadedSpec loaded = load(spec);
            assertEquals(List.of(), loaded.warnings(), "an example must validate without warnings");
            Plan plan = HostEffectPredictor.predict(Planner.plan(loaded.spec(), host()), systemdHost(), KERNEL);
            List<String> errors = plan.diagnostics().stream().filter(Diagnostic::isError)
                    .map(Diagnostic::format).toList();
            assertEquals(List.of(), errors, "an example must plan without errors");
            // The defaults the spec did not write never reach the host, whatever its propagation.
            assertEquals(List.of(), plan.hostEffects().stream().filter(e -> e.label().contains("default"))
                    .map(e -> e.describe()).toList(), "host effects of a default");
            String name = spec.getFileName().toString().replace(".yaml", ".plan.txt");
            compareWithGolden(name, PlanFormat.text(plan));
        }));
    }

    /** The pitfall of docs/spec.md, reproduced on purpose: both leaks predicted, and the spec allows them. */
    @org.junit.jupiter.api.Test
    void seedPitfallPredictsBothLeaksOnASystemdHost() throws Exception {
        LoadedSpec loaded = load(SPECS.resolve("seed-pitfall.yaml"));
        Plan plan = HostEffectPredictor.predict(Planner.plan(loaded.spec(), host()), systemdHost(), KERNEL);
        List<String> targets = plan.hostEffects().stream().map(e -> e.target()).toList();
        assertTrue(targets.contains("/proc"), targets.toString());
        assertTrue(targets.contains("/project/specs"), targets.toString());
    }

    /** Every other example is sealed: nothing it does reaches a systemd host. */
    @TestFactory
    Stream<DynamicTest> everyExampleButThePitfallIsSealed() throws IOException {
        return examples().stream().filter(p -> !p.getFileName().toString().equals("seed-pitfall.yaml"))
                .map(spec -> DynamicTest.dynamicTest(spec.getFileName().toString(), () -> {
                    Plan plan = HostEffectPredictor.predict(Planner.plan(load(spec).spec(), host()), systemdHost(), KERNEL);
                    assertEquals(List.of(), plan.hostEffects());
                }));
    }

    private static void compareWithGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("nsbox.updateGolden")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual);
            return;
        }
        assertFalse(!Files.exists(file), "missing golden file " + file
                + "; run mvn test -Dtest=ExampleSpecsTest -Dnsbox.updateGolden=true and review it");
        String expected = Files.readString(file);
        if (!expected.equals(actual)) {
            List<String> e = expected.lines().toList();
            List<String> a = actual.lines().toList();
            List<String> diff = new ArrayList<>();
            for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
                String el = i < e.size() ? e.get(i) : "<none>";
                String al = i < a.size() ? a.get(i) : "<none>";
                if (!el.equals(al)) {
                    diff.add("line " + (i + 1) + ":\n  expected: " + el + "\n  actual:   " + al);
                }
            }
            fail(name + " differs from its golden file (rerun with -Dnsbox.updateGolden=true after a deliberate "
                    + "change):\n" + String.join("\n", diff.subList(0, Math.min(diff.size(), 10))));
        }
    }
}
