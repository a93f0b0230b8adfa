package dev.nsbox.exec;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The end of a JVM in the middle of a run (Maven's Ctrl-C, System.exit): the shutdown hook
 * sends SIGTERM to the step and waits for it, and nothing the step started survives.
 */
@Timeout(60)
class SandboxShutdownTest {

    @TempDir
    Path dir;

    @Test
    void jvmExitTerminatesTheStepGracefullyAndLeavesNothing() throws Exception {
        Privileges.assumeScratchRoot();
        String marker = "97530" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Path file = dir.resolve("trap");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ShutdownProbe.class.getName(), marker, file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals("ready\n", out);
        assertEquals("term\n", Files.readString(file));
        assertEquals(List.of(), Processes.withMarker("sleep " + marker));
    }
}
