package dev.nsbox.plan;

import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;

/**
 * What the sandbox's mount table must show once set-up is done, for one mount of the spec.
 * The executor reads the table back and fails the run, naming {@code label}, on a mismatch.
 *
 * <p>Immutable.
 *
 * @param target      the mount point as seen inside the sandbox (after pivot_root)
 * @param fstype      the filesystem type expected there, or {@code null} for a bind (any)
 * @param readOnly    the mount at {@code target} must be read-only
 * @param submountsReadOnly every mount below {@code target} must be read-only too
 * @param propagation the propagation type the mount must have, or {@code null} for any
 */
public record Expectation(String label, String target, String fstype, boolean readOnly, boolean submountsReadOnly,
                          Propagation.Kind propagation, Origin origin) {
}
