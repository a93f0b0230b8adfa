package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
}
