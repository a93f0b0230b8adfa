package dev.nsbox.engine;

import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The verdicts of the run report, from what the sandbox's host check wrote. */
class RunReportTest {

    private static RunResult result(List<String> messages, List<String> changes) {
        return new RunResult(0, List.of(), messages, changes);
    }

    @Test
    void theHostChecksVerdict() {
        assertEquals("unchanged", RunReport.hostResult(result(List.of(), List.of())));
        assertEquals("predicted", RunReport.hostResult(result(List.of("note: predicted host effect: mounts[0] ..."),
                List.of("+ 40 1 0:5 / /proc rw - proc proc rw"))));
        assertEquals("unpredicted", RunReport.hostResult(result(List.of(
                "note: predicted host effect: mounts[0] ...",
                "error: the sandbox changed the host's mount table, and the plan did not predict it:\n  + ..."),
                List.of("+ 40 1 0:5 / /proc rw - proc proc rw", "+ 41 1 0:6 / /x rw - tmpfs tmpfs rw"))));
        assertEquals("host", RunReport.hostResult(result(List.of(
                "note: the host's mount table changed during the run, not through the sandbox: + ..."),
                List.of("+ 41 1 0:6 / /media rw - tmpfs tmpfs rw"))));
    }

    @Test
    void killedByTheTimeoutTheMemoryLimitOrNothing() {
        StepResult timedOut = new StepResult(0, "slow", StepResult.Outcome.SIGNALED, 143, 15, true,
                Duration.ofMillis(300), "timed out", null);
        StepResult oom = new StepResult(0, "hog", StepResult.Outcome.SIGNALED, 137, 9, false,
                Duration.ofMillis(300), "killed by the memory limit", StepResult.KILLED_BY_MEMORY);
        StepResult killed = new StepResult(0, "killed", StepResult.Outcome.SIGNALED, 137, 9, false,
                Duration.ofMillis(300), "killed", null);
        assertEquals("timeout", RunReport.killedBy(timedOut));
        assertEquals("memory", RunReport.killedBy(oom));
        assertNull(RunReport.killedBy(killed));
    }
}
