package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/** Loads specs from text for tests, as {@code s.yaml} in {@code /work/project}. */
public final class TestSpecs {

    private TestSpecs() {
    }

    public static final Path BASE = Path.of("/work/project");
    public static final Map<String, String> VARS = Map.of(
            "basedir", "/work/project", "user.home", "/home/dev", "cwd", "/work/project", "env.HOME", "/home/dev");

    /** The spec, which must load; fails the test with the diagnostics otherwise. */
    public static LoadedSpec load(String yaml) {
        try {
            return SpecLoader.load(yaml, "s.yaml", BASE, VARS);
        } catch (SpecException e) {
            return fail("expected the spec to load, got:\n" + e.getMessage());
        }
    }

    /** Every diagnostic of a spec that must fail, each in its one-line form. */
    public static List<String> errors(String yaml) {
        try {
            LoadedSpec s = SpecLoader.load(yaml, "s.yaml", BASE, VARS);
            return fail("expected the spec to fail, it loaded with warnings " + s.warnings());
        } catch (SpecException e) {
            return e.diagnostics().stream().map(Diagnostic::format).toList();
        }
    }

    /** The warnings of a spec that must load. */
    public static List<String> warnings(String yaml) {
        return load(yaml).warnings().stream().map(Diagnostic::format).toList();
    }

    /** {@code version: 1} and {@code namespaces: [mount, pid, net, uts, ipc]} followed by {@code rest}. */
    public static String spec(String rest) {
        return "version: 1\nnamespaces: [mount, pid, net, uts, ipc]\n" + rest;
    }
}
