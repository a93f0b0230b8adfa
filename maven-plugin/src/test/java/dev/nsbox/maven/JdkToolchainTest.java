package dev.nsbox.maven;

import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The steps see the build's JDK toolchain, over the spec's environment and under the pom's. */
class JdkToolchainTest {

    private static final JdkToolchain JDK = JdkToolchain.ofJavaTool("/opt/jdk-21/bin/java");
    private static final Map<String, String> CALLER = Map.of("PATH", "/usr/local/bin:/usr/bin", "JAVA_HOME", "/opt/jdk-17");

    private static Spec spec(String env) throws Exception {
        return SpecLoader.load("version: 1\nnamespaces: [mount]\n" + env + "steps:\n  - {name: build, shell: make}\n",
                "nsbox.yaml", Path.of("/project"), Map.of()).spec();
    }

    @Test
    void theHomeIsTheFolderAboveJavasBin() {
        assertEquals(Path.of("/opt/jdk-21"), JDK.home());
        assertThrows(IllegalArgumentException.class, () -> JdkToolchain.ofJavaTool("/opt/jdk-21/java"));
    }

    @Test
    void anInheritedEnvironmentGetsJavaHomeAndTheBinFirstOnTheCallersPath() throws Exception {
        Map<String, String> set = JDK.apply(spec(""), CALLER).process().env().set();
        assertEquals("/opt/jdk-21", set.get("JAVA_HOME"));
        assertEquals("/opt/jdk-21/bin:/usr/local/bin:/usr/bin", set.get("PATH"));
    }

    @Test
    void aPathTheSpecSetsIsTheOneExtended() throws Exception {
        Map<String, String> set = JDK.apply(spec("process:\n  env:\n    set: {PATH: /spec/bin}\n"), CALLER)
                .process().env().set();
        assertEquals("/opt/jdk-21/bin:/spec/bin", set.get("PATH"));
    }

    @Test
    void aClearedEnvironmentWithoutPathGetsTheDefaultSearchPath() throws Exception {
        assertEquals("/opt/jdk-21/bin:/usr/bin:/bin", JDK.apply(spec("process:\n  env:\n    clear: true\n"), CALLER)
                .process().env().set().get("PATH"));
        assertEquals("/opt/jdk-21/bin:/usr/local/bin:/usr/bin", JDK.apply(
                spec("process:\n  env:\n    clear: true\n    keep: [PATH]\n"), CALLER).process().env().set().get("PATH"));
    }

    @Test
    void thePomsEnvironmentStillWins() throws Exception {
        SpecOverrides pom = new SpecOverrides(null, new Origin("pom.xml", 1, 1, ""), null, null,
                Map.of("JAVA_HOME", "/pom/jdk"), null, "/project");
        Map<String, String> set = pom.apply(JDK.apply(spec(""), CALLER)).process().env().set();
        assertEquals("/pom/jdk", set.get("JAVA_HOME"));
        assertEquals("/opt/jdk-21/bin:/usr/local/bin:/usr/bin", set.get("PATH"));
    }
}
