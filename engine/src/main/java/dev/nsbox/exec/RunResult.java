package dev.nsbox.exec;

import dev.nsbox.spec.ExitCode;

import java.util.List;

/**
 * The outcome of {@link Sandbox#run()}.
 *
 * <p>Immutable.
 *
 * @param exitCode    the exit code ({@link ExitCode}): 0 success; 3 this machine cannot provide what the
 *                    spec needs; 125 the sandbox could not be set up (or the host's mount table
 *                    changed); 126/127 a step's command could not be executed/found; 128+N a step
 *                    was killed by signal N; else the first failing step's exit status
 * @param steps       the steps that ran (or tried to), in order; the first failing one is last
 * @param messages    what went wrong, each a complete message in compiler form
 *                    (docs/spec-reference.md, "Diagnostics") with a hint line where one helps;
 *                    empty on success
 * @param hostChanges lines of the host's mount table that differ after the run
 *                    ({@code + line} appeared, {@code - line} vanished); empty when unchanged
 */
public record RunResult(int exitCode, List<StepResult> steps, List<String> messages, List<String> hostChanges) {

    public RunResult {
        steps = List.copyOf(steps);
        messages = List.copyOf(messages);
        hostChanges = List.copyOf(hostChanges);
    }

    public boolean succeeded() {
        return exitCode == ExitCode.OK.code();
    }

    /** Whether the failure lies with the machine (exit 3) rather than the spec or a step. */
    public boolean machineLacksAbility() {
        return exitCode == ExitCode.UNSUPPORTED.code();
    }

    /** Whether the sandbox could not be set up or verified (exit 125), no step having failed. */
    public boolean setupFailed() {
        return exitCode == ExitCode.SETUP_FAILED.code();
    }
}
