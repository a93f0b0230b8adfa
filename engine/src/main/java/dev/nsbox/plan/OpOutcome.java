package dev.nsbox.plan;

import dev.nsbox.mounts.MountEvent;

import java.util.List;

/**
 * What one operation of a plan did in a {@link Simulation}. (A build step's result is
 * {@code dev.nsbox.exec.StepResult}; this is one system call's, predicted.)
 *
 * <p>Immutable.
 *
 * @param op          the operation
 * @param label       the spec's name for what asked for it ({@code mounts[3]}, {@code root})
 * @param destBefore  for an operation that mounts: the propagation of the mount it lands on,
 *                    before it ({@code shared:1}, {@code private}); {@code null} otherwise
 * @param destPath    for an operation that mounts: the path it mounts on; {@code null} otherwise
 * @param mountId     the model's ID of the mount it made, or 0
 * @param events      every mount and unmount it caused, its own first
 * @param refused     why the kernel will refuse it, or {@code null}
 */
public record OpOutcome(Op op, String label, String destBefore, String destPath, int mountId,
                        List<MountEvent> events, String refused) {
}
