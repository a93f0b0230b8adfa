package dev.nsbox.exec;

import dev.nsbox.plan.Plan;

/**
 * Something that applies a {@link Plan} and runs its steps, with the shape of
 * {@link Sandbox#run()}: in this JVM, or in a helper JVM inside a user namespace
 * ({@link Sandboxes#forCaller()} picks).
 *
 * <p>Thread-safe: several runs may be in progress at once, each blocking the thread that
 * called {@link #run}.
 */
public interface SandboxRunner {

    /**
     * Applies {@code plan} and runs its steps; never throws for what the kernel, the machine or
     * a step does. {@code listener} is called on the calling thread, in order; {@code io}'s
     * consumers get every line before this returns.
     */
    RunResult run(Plan plan, StepIO io, Listener listener, Sandbox.Options options);

    /** Where the runs happen, for logs: {@code "in this JVM"}, {@code "in a helper JVM (pid 4242) ..."}. */
    String where(Plan plan);
}
