package dev.nsbox.cli;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nsbox run --report FILE}: the JSON a CI dashboard reads, written by a real run. */
@Timeout(120)
class RunReportCommandTest {

    @TempDir
    Path dir;

    private static int run(String... args) throws Exception {
        Process p = new ProcessBuilder(Processes.nsbox(args)).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code < 100 || code == 137 || code == 143, err);
        return code;
    }

    @Test
    void aStepExitingWithThreeIsInTheReport() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("report.yaml"), """
                version: 1
                name: reported
                namespaces: [mount, pid]
                mounts:
                  - type: proc
                    target: /proc
                steps:
                  - name: fine
                    run: ["true"]
                  - name: three
                    shell: exit 3
                """);
        Path report = dir.resolve("out/report.json");
        assertEquals(3, run("run", "--report", report.toString(), spec.toString()));
        String json = Files.readString(report);
        assertTrue(json.contains("\"file\": \"" + spec + "\""), json);
        assertTrue(json.contains("\"name\": \"reported\""), json);
        assertTrue(json.replaceAll("\\s+", " ").contains("\"exitCode\": 3, \"steps\": ["), json);
        assertStep(json, "fine", 0, "null", "null");
        assertStep(json, "three", 3, "null", "null");
        assertTrue(json.replaceAll("\\s+", " ").contains("\"host\": { \"result\": \"unchanged\", "
                + "\"predictedEffects\": [], \"changes\": [] }"), json);
    }

    @Test
    void aStepPastItsTimeoutWasKilledByTheTimeout() throws Exception {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("slow.yaml"), """
                version: 1
                namespaces: [mount, pid]
                mounts:
                  - type: proc
                    target: /proc
                steps:
                  - name: slow
                    run: [sleep, "30"]
                    timeout: 300ms
                """);
        Path report = dir.resolve("slow.json");
        assertEquals(143, run("run", "--report=" + report, spec.toString()));
        assertStep(Files.readString(report), "slow", 143, "15", "\"timeout\"");
    }

    private static void assertStep(String json, String name, int exitCode, String signal, String killedBy) {
        Matcher m = Pattern.compile("\\{\\s*\"name\": \"" + name + "\",\\s*\"exitCode\": (\\d+),\\s*\"signal\": (\\w+),"
                + "\\s*\"durationMs\": (\\d+),\\s*\"killedBy\": (null|\"\\w+\")\\s*}").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        assertEquals(String.valueOf(exitCode), m.group(1), json);
        assertEquals(signal, m.group(2), json);
        assertEquals(killedBy, m.group(4), json);
    }
}
