package probe;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test JVM gets the fork's environment, working directory and the real JDK. */
class ForkEnvironmentTest {

    @Test
    void surefiresEnvironmentAndWorkingDirectoryReachTheTestJvm() throws Exception {
        assertEquals("set-by-surefire", System.getenv("PROBE_FROM_SUREFIRE"));
        assertEquals("1", System.getenv("NSBOX_SANDBOX"));
        assertTrue(Files.isRegularFile(Path.of("").toAbsolutePath().resolve("pom.xml")));
        String javaHome = System.getenv("JAVA_HOME");
        assertTrue(javaHome != null && !javaHome.contains("nsbox-jvm"), javaHome);
        assertEquals(javaHome, System.getProperty("java.home"));
    }
}
