package dev.nsbox.maven;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MavenVariablesTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void laterSourcesWinAsInMaven() {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("basedir", "/project");
        own.put("project.basedir", "/project");
        own.put("project.build.directory", "/project/target");
        MavenVariables v = new MavenVariables(
                props("java.home", "/jdk", "shared", "system"),
                props("shared", "pom", "greeting", "pom"),
                props("greeting", "cli"),
                own,
                Map.of("extra", "configured", "greeting", "configured"));
        Map<String, String> vars = v.forSpec(Path.of("/project/specs/ci.yaml"));
        assertEquals("/jdk", vars.get("java.home"));
        assertEquals("pom", vars.get("shared"));
        assertEquals("configured", vars.get("greeting"));
        assertEquals("configured", vars.get("extra"));
        assertEquals("/project/target", vars.get("project.build.directory"));
        // basedir is the module's folder, as in Maven, not the spec's folder as in the CLI.
        assertEquals("/project", vars.get("basedir"));
        assertEquals(System.getProperty("user.home"), vars.get("user.home"));
        assertTrue(vars.containsKey("cwd"));
        System.getenv().forEach((k, val) -> assertEquals(val, vars.get("env." + k)));
    }
}
