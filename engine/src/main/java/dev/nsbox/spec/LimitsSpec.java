package dev.nsbox.spec;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * {@code limits:}: what the sandbox may consume. {@code memory}, {@code pids} and {@code cpu}
 * are kept by a cgroup of the sandbox's own; {@code openFiles} and {@code fileSize} are rlimits
 * (RLIMIT_NOFILE, RLIMIT_FSIZE) of every step, soft and hard alike.
 *
 * <p>Immutable. Each value is {@code null} when the spec did not write it (no limit).
 *
 * @param memory    bytes of memory (and no swap) for every process of the sandbox together
 * @param pids      the number of processes and threads of the sandbox together
 * @param cpu       a decimal number of CPUs, such as {@code 1.5}
 * @param openFiles descriptors per process
 * @param fileSize  bytes a process may write to one file
 */
public record LimitsSpec(Long memory, Long pids, BigDecimal cpu, Long openFiles, Long fileSize, Origins origins) {

    public LimitsSpec {
        Objects.requireNonNull(origins, "origins");
    }

    /** No limit, as when the spec says nothing. */
    public static LimitsSpec none(Origin origin) {
        return new LimitsSpec(null, null, null, null, null, Origins.of(origin));
    }

    /** Whether the sandbox needs a cgroup of its own (memory, pids or cpu). */
    public boolean needsCgroup() {
        return memory != null || pids != null || cpu != null;
    }

    /** Whether any limit is set. */
    public boolean any() {
        return needsCgroup() || openFiles != null || fileSize != null;
    }
}
