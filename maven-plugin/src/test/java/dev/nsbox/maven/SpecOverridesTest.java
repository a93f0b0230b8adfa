package dev.nsbox.maven;

import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SpecOverridesTest {

    private static final Origin POM = new Origin("pom.xml", 31, 11, "");

    private static Spec spec() throws Exception {
        return SpecLoader.load("""
                version: 1
                namespaces: [mount, pid]
                mounts:
                  - {type: tmpfs, target: /tmp}
                process:
                  timeout: 5m
                  env:
                    set: {TZ: UTC, LANG: C}
                steps:
                  - name: build
                    shell: make
                """, "nsbox.yaml", Path.of("/project"), Map.of()).spec();
    }

    private static SpecOverrides overrides(List<PomStep> steps, String command, String timeout,
                                           Map<String, String> env, String cwd) {
        return new SpecOverrides(steps, POM, command, timeout, env, cwd, "/project");
    }

    @Test
    void nothingConfiguredKeepsTheSpecsStepsAndProcess() throws Exception {
        Spec spec = spec();
        Spec out = overrides(null, null, null, null, null).apply(spec);
        assertEquals(spec.steps(), out.steps());
        assertEquals(spec.process(), out.process());
        assertSame(spec.mounts(), out.mounts());
    }

    @Test
    void pomStepsReplaceTheSpecsAndPointAtThePom() throws Exception {
        List<PomStep> steps = List.of(
                new PomStep("compile", List.of("javac", "-d", "target/classes", "Main.java"), null, null, null, null),
                new PomStep(null, null, "./test.sh", "tests", "2m", Map.of("FAST", "1")));
        Spec out = overrides(steps, null, null, null, null).apply(spec());
        assertEquals(2, out.steps().size());
        Step first = out.steps().get(0);
        assertEquals("compile", first.name());
        assertEquals(List.of("javac", "-d", "target/classes", "Main.java"), first.argv());
        assertEquals("pom.xml:31:11", first.origins().self().location());
        assertEquals("steps[0]", first.origins().self().path());
        Step second = out.steps().get(1);
        assertEquals("step-2", second.name());
        assertEquals(List.of("/bin/sh", "-c", "./test.sh"), second.argv());
        assertEquals("/project/tests", second.cwd());
        assertEquals(Duration.ofMinutes(2), second.timeout());
        assertEquals(Map.of("FAST", "1"), second.env());
    }

    @Test
    void commandReplacesEveryStep() throws Exception {
        List<PomStep> steps = List.of(new PomStep("x", null, "true", null, null, null));
        Spec out = overrides(steps, "ls /proc", null, null, null).apply(spec());
        assertEquals(1, out.steps().size());
        assertEquals("command", out.steps().get(0).name());
        assertEquals(List.of("/bin/sh", "-c", "ls /proc"), out.steps().get(0).argv());
    }

    @Test
    void timeoutEnvironmentAndDirectoryChangeTheProcessDefaults() throws Exception {
        Spec out = overrides(null, null, "1m30s", Map.of("TZ", "Europe/Paris", "CI", "true"), "sub").apply(spec());
        assertEquals(Duration.ofSeconds(90), out.process().timeout());
        assertEquals("Europe/Paris", out.process().env().set().get("TZ"));
        assertEquals("C", out.process().env().set().get("LANG"));
        assertEquals("true", out.process().env().set().get("CI"));
        assertEquals("/project/sub", out.process().cwd());
    }

    @Test
    void aStepNeedsExactlyOneOfRunAndShell() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> overrides(
                List.of(new PomStep("both", List.of("true"), "true", null, null, null)), null, null, null, null)
                .apply(spec()));
        assertEquals("<steps> step 1 (both) needs exactly one of <run> (an argv, one <arg> per word, no shell) "
                + "and <shell> (a command line for /bin/sh -c)", e.getMessage());
    }

    @Test
    void aBadTimeoutNamesTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> overrides(null, null, "10", null, null).apply(spec()));
        assertEquals("nsbox.timeout must be a duration such as 500ms, 30s, 10m, 1h or 1m30s, got \"10\"", e.getMessage());
    }

    @Test
    void aBadStepNameIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> overrides(
                List.of(new PomStep("no spaces", null, "true", null, null, null)), null, null, null, null)
                .apply(spec()));
        assertEquals("<steps> step 1: <name> may hold letters, digits, '.', '_' and '-', starting with a letter "
                + "or digit, got \"no spaces\"", e.getMessage());
    }

    @Test
    void withoutATimeoutTheSpecsStays() throws Exception {
        assertEquals(Duration.ofMinutes(5), overrides(null, null, " ", null, null).apply(spec()).process().timeout());
        assertNull(overrides(null, null, null, null, null).apply(spec()).steps().get(0).timeout());
    }
}
