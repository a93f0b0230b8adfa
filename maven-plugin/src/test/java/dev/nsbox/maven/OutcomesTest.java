package dev.nsbox.maven;

import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepResult;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The exit codes of docs/spec.md, as Maven outcomes. */
class OutcomesTest {

    /** Keeps what is logged at ERROR. */
    static final class Recording extends SystemStreamLog {
        final List<String> errors = new ArrayList<>();

        @Override
        public void error(CharSequence content) {
            errors.add(content.toString());
        }
    }

    private final Recording log = new Recording();
    private final Outcomes outcomes = new Outcomes(log);

    private static StepResult step(StepResult.Outcome outcome, int code) {
        return new StepResult(0, "check", outcome, code, 0, false, Duration.ofMillis(5),
                outcome == StepResult.Outcome.EXITED && code == 0 ? null : "exited with " + code, null);
    }

    @Test
    void successIsNothing() {
        assertDoesNotThrow(() -> outcomes.run(new RunResult(0, List.of(step(StepResult.Outcome.EXITED, 0)),
                List.of(), List.of())));
    }

    @Test
    void aStepExitingWith3IsAFailureOfTheProjectNotOfTheMachine() {
        String line = "nsbox.yaml:9:5: error: steps[0] (check): exited with 3";
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> outcomes.run(
                new RunResult(3, List.of(step(StepResult.Outcome.EXITED, 3)), List.of(line), List.of())));
        assertEquals(line, e.getMessage());
        assertEquals(List.of(line), log.errors);
    }

    @Test
    void aStepKilledBySignalNamesItsExitCode() {
        String line = "nsbox.yaml:9:5: error: steps[0] (check): killed by signal 9 (SIGKILL)";
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> outcomes.run(
                new RunResult(137, List.of(step(StepResult.Outcome.SIGNALED, 137)), List.of(line), List.of())));
        assertEquals(line + " (exit code 137)", e.getMessage());
    }

    @Test
    void aMachineThatCannotProvideTheSpecIsABuildErrorWithItsHint() {
        String message = "nsbox.yaml:2:1: error: namespaces: cannot create the sandbox's namespaces: "
                + "unshare(CLONE_NEWUSER): EINVAL (Invalid argument)\n  hint: run nsbox as root";
        MojoExecutionException e = assertThrows(MojoExecutionException.class,
                () -> outcomes.run(new RunResult(3, List.of(), List.of(message), List.of())));
        assertEquals(message, e.getMessage());
        assertEquals(List.of(message.split("\n")), log.errors);
    }

    @Test
    void aSandboxThatCouldNotBeSetUpIsABuildError() {
        MojoExecutionException e = assertThrows(MojoExecutionException.class, () -> outcomes.run(new RunResult(125,
                List.of(step(StepResult.Outcome.NOT_STARTED, 125)), List.of("error: cannot enter /x"), List.of())));
        assertEquals("error: cannot enter /x (the sandbox could not be set up: exit code 125)", e.getMessage());
    }

    @Test
    void moreProblemsAreCountedInTheMessageAndListedInTheLog() {
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> outcomes.run(new RunResult(1,
                List.of(step(StepResult.Outcome.EXITED, 1)), List.of("a: error: exited with 1", "b: error: more"),
                List.of())));
        assertEquals("a: error: exited with 1 (and 1 more problem, listed above)", e.getMessage());
        assertEquals(List.of("a: error: exited with 1", "b: error: more"), log.errors);
    }
}
