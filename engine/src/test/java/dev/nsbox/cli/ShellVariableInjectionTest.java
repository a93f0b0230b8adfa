package dev.nsbox.cli;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code nsbox run} as a process, with an environment value written to inject a command (as a
 * pull request's title would, in CI): in a {@code shell:} line it reaches the step as one word.
 */
@Timeout(120)
class ShellVariableInjectionTest {

    @TempDir
    Path dir;

    private Processes.Result run(String steps, String value) throws IOException, InterruptedException {
        Privileges.assumeScratchRoot();
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, pid]
                process:
                  cwd: /
                steps:
                """ + steps);
        ProcessBuilder pb = new ProcessBuilder(Processes.nsbox("run", spec.toString()));
        pb.environment().put("NSBOX_TEST_TITLE", value);
        return Processes.Result.of(pb.start());
    }

    @Test
    void aValueOutsideQuotesIsOneWord() throws Exception {
        Processes.Result r = run("  - shell: printf '<%s>' ${env.NSBOX_TEST_TITLE}\n", "a; echo INJECTED");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("<a; echo INJECTED>", r.out(), r.toString());
    }

    @Test
    void aValueInsideDoubleQuotesCannotCloseThem() throws Exception {
        Processes.Result r = run("  - shell: 'printf \"<%s>\" \"x ${env.NSBOX_TEST_TITLE}\"'\n",
                "\"; echo INJECTED; echo \"$(echo SUBSTITUTED)`echo TOO`\\");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("<x \"; echo INJECTED; echo \"$(echo SUBSTITUTED)`echo TOO`\\>", r.out(), r.toString());
    }

    @Test
    void aRunListTakesTheValueAsItIs() throws Exception {
        Processes.Result r = run("  - run: [printf, '<%s>', \"${env.NSBOX_TEST_TITLE}\"]\n", "a'b; echo INJECTED");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("<a'b; echo INJECTED>", r.out(), r.toString());
    }
}
