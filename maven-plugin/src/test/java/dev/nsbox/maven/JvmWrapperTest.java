package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wrapper Surefire starts instead of java. */
class JvmWrapperTest {

    @TempDir
    Path dir;

    @Test
    void theTestJvmGetsMavensUserHomeBeforeSurefiresArguments() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17\"\n");
        Path java = JvmWrapper.write(dir.resolve("home"), jdk, List.of(dir.resolve("engine.jar")),
                dir.resolve("spec.yaml"), Map.of(), "RUN", "/home/dev");
        String script = Files.readString(java);
        int home = script.indexOf("'-Duser.home=/home/dev'");
        int marker = script.indexOf("'-Dnsbox.sandboxed=RUN'");
        int args = script.indexOf("\"$@\"");
        // After the real java, before Surefire's arguments, so that an argLine's -Duser.home wins.
        assertTrue(script.indexOf("'--' \\\n    '" + jdk.resolve("bin/java") + "'") < home, script);
        assertTrue(home > 0 && home < marker && marker < args, script);
    }

    @Test
    void theForkServersTestJvmIsTheRealJavaWithTheSameArgumentsAndJavaHome() throws Exception {
        Path jdk = dir.resolve("jdk");
        dev.nsbox.exec.ForkServer.Command c = JvmWrapper.command(jdk, "RUN", "/home/dev");
        assertEquals(List.of(jdk.resolve("bin/java").toString(), "-Duser.home=/home/dev", "-Dnsbox.sandboxed=RUN"),
                c.prefix());
        assertEquals(Map.of("JAVA_HOME", jdk.toString()), c.environment());
    }

    @Test
    void theForkServersWarmUpIsTheRealJavasVersionAndNothingElse() throws Exception {
        Path jdk = dir.resolve("jdk");
        List<String> warmUp = JvmWrapper.command(jdk, "RUN", "/home/dev").warmUp();
        assertEquals(jdk.resolve("bin/java").toString(), warmUp.get(0));
        assertEquals("-version", warmUp.get(warmUp.size() - 1));
        assertTrue(warmUp.subList(1, warmUp.size() - 1).stream().allMatch(a -> a.startsWith("-X")), warmUp.toString());
    }

    @Test
    void theClientIsAnExecutableWithTheJdksReleaseBesideItsBin() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17\"\n");
        Path java = JvmWrapper.writeClient(dir.resolve("home"), jdk);
        assertEquals(dir.resolve("home/bin/java"), java);
        assertTrue(Files.isExecutable(java));
        byte[] elf = {0x7f, 'E', 'L', 'F'};
        assertArrayEquals(elf, Arrays.copyOf(Files.readAllBytes(java), 4));
        assertEquals("JAVA_VERSION=\"17\"\n", Files.readString(dir.resolve("home/release")));
    }
}
