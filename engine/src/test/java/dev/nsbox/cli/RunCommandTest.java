package dev.nsbox.cli;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nsbox run} as a user runs it: a separate JVM (in this test JVM's scratch mount
 * namespace), a spec file, its exit code, and signals sent to it.
 */
@Timeout(120)
class RunCommandTest {

    @TempDir
    Path dir;

    private Path spec;

    @BeforeEach
    void writeSpec() throws IOException {
        Privileges.assumeScratchRoot();
        spec = Files.writeString(dir.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, pid, net, uts, ipc]
                hostname: cli-test
                root: {type: host, readOnly: true}
                mounts:
                  - type: tmpfs
                    target: /tmp
                  - type: proc
                    target: /proc
                process:
                  cwd: /
                  env: {clear: true, keep: [PATH]}
                steps:
                  - name: who
                    shell: echo "$$ $(hostname)"; touch /nsbox-cli-probe 2>/dev/null || echo read-only
                  - name: fail
                    shell: exit 42
                  - name: never
                    shell: echo never
                """);
    }

    private Process start(String... args) throws IOException {
        return new ProcessBuilder(Processes.nsbox(args)).start();
    }

    private static String read(java.io.InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void runsTheStepsInOrderAndTheFirstFailingStepsCodeIsTheExitCode() throws Exception {
        Process p = start("run", spec.toString());
        String out = read(p.getInputStream());
        String err = read(p.getErrorStream());
        assertEquals(42, p.waitFor(), out + err);
        assertEquals("2 cli-test\nread-only\n", out);
        assertTrue(err.contains(spec + ":16:5: error: steps[1] (fail): exited with 42"), err);
    }

    @Test
    void commandAfterDashesReplacesTheSteps() throws Exception {
        Process p = start("run", spec.toString(), "--", "sh", "-c", "echo $$; exit 3");
        String out = read(p.getInputStream());
        assertEquals(3, p.waitFor());
        assertEquals("2\n", out);
    }

    @Test
    void aClosedStandardInputBecomesDevNullForTheStep() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" <&-", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.nsbox.cli.Main", "run", spec.toString(), "--",
                "sh", "-c", "readlink /proc/self/fd/0; cat; echo done"));
        Process p = new ProcessBuilder(cmd).start();
        String out = read(p.getInputStream());
        assertEquals(0, p.waitFor(), out + read(p.getErrorStream()));
        assertEquals("/dev/null\ndone\n", out);
    }

    @Test
    void stepWhoseWorkingDirectoryIsMissingCannotStart() throws Exception {
        Path noCwd = Files.writeString(dir.resolve("nocwd.yaml"), """
                version: 1
                namespaces: [mount, pid]
                mounts:
                  - type: proc
                    target: /proc
                steps:
                  - name: lost
                    run: ["true"]
                    cwd: /nsbox-no-such-dir
                """);
        Process p = start("run", noCwd.toString());
        String err = read(p.getErrorStream());
        assertEquals(125, p.waitFor(), err);
        assertTrue(err.contains(":7:5: error: step lost: the working directory /nsbox-no-such-dir does not exist inside "
                + "the sandbox; set process.cwd (or the step's cwd) to a directory the sandbox has"), err);
    }

    @Test
    void aMissingBindSourceStopsTheRunWithItsLineAndEnoentBeforeAnythingIsApplied() throws Exception {
        Path missing = Files.writeString(dir.resolve("missing.yaml"), """
                version: 1
                namespaces: [mount]
                mounts:
                  - type: bind
                    source: /nsbox-no-such-source
                    target: /tmp
                process: {cwd: /}
                steps:
                  - run: ["true"]
                """);
        Process p = start("run", missing.toString());
        String err = read(p.getErrorStream());
        assertEquals(125, p.waitFor(), err);
        assertEquals(missing + ":5:13: error: mounts[0]: cannot bind /nsbox-no-such-source on /tmp: "
                + "open_tree(AT_FDCWD, \"/nsbox-no-such-source\", ...): ENOENT (No such file or directory)", err.trim());
    }

    @Test
    void sigtermToNsboxReachesTheStep() throws Exception {
        Process p = start("run", spec.toString(), "--", "sh", "-c", "echo ready; sleep 30");
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertEquals("ready", r.readLine());
        Thread.sleep(200);
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
    }

    /** HotSpot keeps SIGQUIT for a thread dump; nsbox hands it to the step instead (docs/spec.md). */
    @Test
    void sigquitToNsboxReachesTheStepAndPrintsNoThreadDump() throws Exception {
        Process p = start("run", spec.toString(), "--", "sh", "-c",
                "trap 'echo got QUIT; exit 9' QUIT; echo ready; while :; do sleep 0.1; done");
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertEquals("ready", r.readLine());
        new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals("got QUIT", r.readLine());
        assertEquals(null, r.readLine(), "no thread dump, nothing else");
        assertEquals(9, p.exitValue());
        assertTrue(read(p.getErrorStream()).contains("exited with 9"));
    }

    @Test
    void killingNsboxLeavesNoSandboxProcessBehind() throws Exception {
        killingNsboxLeavesNothing(spec);
    }

    @Test
    void killingNsboxLeavesNoProcessBehindWithoutAPidNamespaceEither() throws Exception {
        // The supervisor is a subreaper, not PID 1: it sees its control pipe close when the
        // JVM dies and kills what the step started.
        Path noPid = Files.writeString(dir.resolve("nopid.yaml"), """
                version: 1
                namespaces: [mount]
                steps:
                  - shell: "true"
                """);
        killingNsboxLeavesNothing(noPid);
    }

    private void killingNsboxLeavesNothing(Path spec) throws Exception {
        String marker = "97531" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Process p = start("run", spec.toString(), "--", "sh", "-c", "sleep " + marker + " & echo ready; sleep 1" + marker);
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertEquals("ready", r.readLine());
        try {
            for (int i = 0; i < 50 && Processes.sleepsWith(marker).size() < 2; i++) {
                Thread.sleep(100);
            }
            assertEquals(2, Processes.sleepsWith(marker).size());
        } finally {
            p.destroyForcibly();
        }
        p.waitFor();
        for (int i = 0; i < 50 && !Processes.sleepsWith(marker).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), Processes.sleepsWith(marker));
    }
}
