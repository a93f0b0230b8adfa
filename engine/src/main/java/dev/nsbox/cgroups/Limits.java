package dev.nsbox.cgroups;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The resource limits of a sandbox (the spec's {@code limits}): memory, pids and cpu are
 * enforced by a cgroup of the sandbox's own, openFiles and fileSize by rlimits the supervisor
 * sets on each step. Each is optional; an absent one leaves the machine's default.
 *
 * <p>Immutable; every value is checked when made.
 *
 * @param memory    bytes of memory (and, where the kernel accounts it, memory plus swap)
 * @param pids      the most tasks (processes and threads) at once
 * @param cpu       CPUs of time per wall-clock time, e.g. 1.5
 * @param openFiles RLIMIT_NOFILE: one more than the highest descriptor a step may open
 * @param fileSize  RLIMIT_FSIZE: the largest file, in bytes, a step may write
 */
public record Limits(OptionalLong memory, OptionalLong pids, Optional<BigDecimal> cpu, OptionalLong openFiles,
                     OptionalLong fileSize) {

    /** No limit at all. */
    public static final Limits NONE = new Limits(OptionalLong.empty(), OptionalLong.empty(), Optional.empty(),
            OptionalLong.empty(), OptionalLong.empty());

    /** The CFS period nsbox writes (cpu.max, cpu.cfs_period_us): 100 ms, the kernel's default. */
    public static final long CPU_PERIOD_US = 100_000;

    /** The smallest CFS quota the kernel takes (kernel/sched/core.c, min_cfs_quota_period: 1 ms). */
    public static final long CPU_MIN_QUOTA_US = 1_000;

    /** RLIMIT_FSIZE (asm-generic/resource.h; the same on every architecture Linux has). */
    public static final int RLIMIT_FSIZE = 1;

    /** RLIMIT_NOFILE (asm-generic/resource.h; 5 on Alpha, SPARC and MIPS, none of which nsbox builds for). */
    public static final int RLIMIT_NOFILE = 7;

    public Limits {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(pids, "pids");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(openFiles, "openFiles");
        Objects.requireNonNull(fileSize, "fileSize");
        if (memory.isPresent() && memory.getAsLong() <= 0) {
            throw new IllegalArgumentException("memory must be more than 0 bytes: " + memory.getAsLong());
        }
        if (pids.isPresent() && pids.getAsLong() < 1) {
            throw new IllegalArgumentException("pids must be at least 1: " + pids.getAsLong());
        }
        if (cpu.isPresent() && cpu.get().signum() <= 0) {
            throw new IllegalArgumentException("cpu must be more than 0: " + cpu.get().toPlainString());
        }
        if (openFiles.isPresent() && openFiles.getAsLong() < 0) {
            throw new IllegalArgumentException("openFiles must not be negative: " + openFiles.getAsLong());
        }
        if (fileSize.isPresent() && fileSize.getAsLong() < 0) {
            throw new IllegalArgumentException("fileSize must not be negative: " + fileSize.getAsLong());
        }
    }

    /** These limits with {@code memory} bytes of memory. */
    public Limits withMemory(long bytes) {
        return new Limits(OptionalLong.of(bytes), pids, cpu, openFiles, fileSize);
    }

    /** These limits with at most {@code n} tasks. */
    public Limits withPids(long n) {
        return new Limits(memory, OptionalLong.of(n), cpu, openFiles, fileSize);
    }

    /** These limits with {@code cpus} CPUs of time. */
    public Limits withCpu(BigDecimal cpus) {
        return new Limits(memory, pids, Optional.of(cpus), openFiles, fileSize);
    }

    /** These limits with RLIMIT_NOFILE {@code n}. */
    public Limits withOpenFiles(long n) {
        return new Limits(memory, pids, cpu, OptionalLong.of(n), fileSize);
    }

    /** These limits with RLIMIT_FSIZE {@code bytes}. */
    public Limits withFileSize(long bytes) {
        return new Limits(memory, pids, cpu, openFiles, OptionalLong.of(bytes));
    }

    /** The cgroup controllers these limits need, in the order nsbox writes them: memory, pids, cpu. */
    public Set<String> controllers() {
        Set<String> c = new LinkedHashSet<>();
        if (memory.isPresent()) {
            c.add("memory");
        }
        if (pids.isPresent()) {
            c.add("pids");
        }
        if (cpu.isPresent()) {
            c.add("cpu");
        }
        return c;
    }

    /** Whether any limit needs a cgroup. */
    public boolean needsCgroup() {
        return !controllers().isEmpty();
    }

    /**
     * The CFS quota in microseconds per {@link #CPU_PERIOD_US} for {@link #cpu()}, rounded half up
     * and at least {@link #CPU_MIN_QUOTA_US}.
     */
    public OptionalLong cpuQuotaMicros() {
        if (cpu.isEmpty()) {
            return OptionalLong.empty();
        }
        long q = cpu.get().multiply(BigDecimal.valueOf(CPU_PERIOD_US)).setScale(0, RoundingMode.HALF_UP)
                .longValueExact();
        return OptionalLong.of(Math.max(q, CPU_MIN_QUOTA_US));
    }

    /**
     * One rlimit for setrlimit(2)/prlimit(2).
     *
     * @param name     the C name, {@code RLIMIT_NOFILE}
     * @param resource its number
     * @param soft     rlim_cur
     * @param hard     rlim_max
     */
    public record Rlimit(String name, int resource, long soft, long hard) {

        /** The call that sets it, in C syntax: {@code setrlimit(RLIMIT_NOFILE, {1024, 1024})}. */
        public String describe() {
            return "setrlimit(" + name + ", {" + soft + ", " + hard + "})";
        }
    }

    /**
     * The rlimits the supervisor sets on each step before execve(2), soft equal to hard so that
     * the step cannot raise them again: RLIMIT_NOFILE from openFiles, then RLIMIT_FSIZE from
     * fileSize.
     */
    public List<Rlimit> rlimits() {
        List<Rlimit> r = new ArrayList<>();
        openFiles.ifPresent(n -> r.add(new Rlimit("RLIMIT_NOFILE", RLIMIT_NOFILE, n, n)));
        fileSize.ifPresent(n -> r.add(new Rlimit("RLIMIT_FSIZE", RLIMIT_FSIZE, n, n)));
        return r;
    }
}
