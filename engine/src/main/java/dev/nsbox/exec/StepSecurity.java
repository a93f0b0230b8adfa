package dev.nsbox.exec;

import dev.nsbox.cgroups.Limits;
import dev.nsbox.plan.Confinement;
import dev.nsbox.plan.Plan;

import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What confines one step, applied by {@code nsbox-init} in the step's own process between
 * fork and {@code execve}: resource limits, the capability set, {@code no_new_privs}, and a
 * seccomp filter installed last (see the comment at the top of {@code src/main/c/nsbox-init.c}).
 *
 * <p>{@code capabilities} is a mask, bit N for capability N ({@code 1L << CAP_NET_BIND_SERVICE}
 * keeps only that one): the step's bounding, permitted, effective, inheritable and ambient sets
 * all become exactly that mask, and locked securebits keep uid 0 from regaining anything at
 * {@code execve} or losing anything at {@code setuid}. Empty means not confined: the step keeps
 * the supervisor's sets and securebits as they are, which as root is every capability, given
 * up by the usual rules when it changes to another uid. Bits the kernel has no capability for
 * are ignored.
 *
 * <p>{@code seccompFilter} is a classic BPF program, {@code struct sock_filter} entries of 8
 * bytes in the host's byte order; empty for none. Without {@code noNewPrivileges} the kernel
 * accepts a filter only if the step keeps {@code CAP_SYS_ADMIN}; otherwise the step fails to
 * start with {@code error seccomp 13} (EACCES).
 *
 * <p>Immutable: the filter is copied in and out.
 */
public record StepSecurity(boolean noNewPrivileges, OptionalLong capabilities, List<Rlimit> rlimits,
                           byte[] seccompFilter) {

    /** The most instructions the kernel accepts in one filter ({@code BPF_MAXINSNS}). */
    public static final int MAX_FILTER_INSTRUCTIONS = 4096;

    /** The size of one {@code struct sock_filter}. */
    public static final int FILTER_INSTRUCTION_BYTES = 8;

    public StepSecurity {
        Objects.requireNonNull(capabilities, "capabilities");
        rlimits = List.copyOf(rlimits);
        seccompFilter = seccompFilter.clone();
        if (seccompFilter.length % FILTER_INSTRUCTION_BYTES != 0
                || seccompFilter.length / FILTER_INSTRUCTION_BYTES > MAX_FILTER_INSTRUCTIONS) {
            throw new IllegalArgumentException("a seccomp filter is at most " + MAX_FILTER_INSTRUCTIONS
                    + " instructions of " + FILTER_INSTRUCTION_BYTES + " bytes, not " + seccompFilter.length
                    + " bytes");
        }
        if (rlimits.size() > 64) {
            throw new IllegalArgumentException("at most 64 rlimits, not " + rlimits.size());
        }
    }

    /**
     * No limits, no filter, and either every capability dropped or the sets left alone: for the
     * supervisor's own tests.
     */
    public static StepSecurity basic(boolean noNewPrivileges, boolean dropAllCapabilities) {
        return new StepSecurity(noNewPrivileges, dropAllCapabilities ? OptionalLong.of(0) : OptionalLong.empty(),
                List.of(), new byte[0]);
    }

    /**
     * What the plan asks for every step: the kept capabilities (always confined, so securebits
     * are locked even when the spec keeps some), the rlimits, and the compiled filter.
     */
    public static StepSecurity of(Plan.Launch launch) {
        Confinement c = launch.confinement();
        List<Rlimit> rlimits = new ArrayList<>();
        for (Limits.Rlimit r : c.rlimits()) {
            rlimits.add(new Rlimit(Resource.ofNumber(r.resource()), r.soft(), r.hard()));
        }
        byte[] filter = c.seccomp().map(f -> f.program().bytes()).orElse(new byte[0]);
        return new StepSecurity(launch.noNewPrivileges(), OptionalLong.of(c.capabilityMask()), rlimits, filter);
    }

    @Override
    public byte[] seccompFilter() {
        return seccompFilter.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepSecurity s && noNewPrivileges == s.noNewPrivileges
                && capabilities.equals(s.capabilities) && rlimits.equals(s.rlimits)
                && Arrays.equals(seccompFilter, s.seccompFilter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(noNewPrivileges, capabilities, rlimits, Arrays.hashCode(seccompFilter));
    }

    @Override
    public String toString() {
        return "StepSecurity[noNewPrivileges=" + noNewPrivileges + ", capabilities="
                + (capabilities.isPresent() ? "0x" + Long.toHexString(capabilities.getAsLong()) : "unconfined")
                + ", rlimits=" + rlimits + ", seccompFilter=" + seccompFilter.length / FILTER_INSTRUCTION_BYTES
                + " instructions]";
    }

    /**
     * One {@code setrlimit(2)} call: a resource with its soft and hard limit, compared unsigned,
     * {@link #INFINITY} for {@code RLIM_INFINITY}. Raising a hard limit needs
     * {@code CAP_SYS_RESOURCE}; the limits are applied before capabilities are dropped.
     */
    public record Rlimit(Resource resource, long soft, long hard) {

        /** {@code RLIM_INFINITY}: all ones. */
        public static final long INFINITY = -1L;

        public Rlimit {
            Objects.requireNonNull(resource, "resource");
            if (Long.compareUnsigned(soft, hard) > 0) {
                throw new IllegalArgumentException(resource + ": soft limit " + Long.toUnsignedString(soft)
                        + " above hard limit " + Long.toUnsignedString(hard));
            }
        }

        /** Soft and hard limit the same. */
        public static Rlimit of(Resource resource, long limit) {
            return new Rlimit(resource, limit, limit);
        }
    }

    /**
     * The resources of {@code setrlimit(2)} with their numbers in {@code <asm-generic/resource.h>},
     * which x86_64 and aarch64 use (alpha, mips and sparc number some differently).
     */
    public enum Resource {
        RLIMIT_CPU(0),
        RLIMIT_FSIZE(1),
        RLIMIT_DATA(2),
        RLIMIT_STACK(3),
        RLIMIT_CORE(4),
        RLIMIT_RSS(5),
        RLIMIT_NPROC(6),
        RLIMIT_NOFILE(7),
        RLIMIT_MEMLOCK(8),
        RLIMIT_AS(9),
        RLIMIT_LOCKS(10),
        RLIMIT_SIGPENDING(11),
        RLIMIT_MSGQUEUE(12),
        RLIMIT_NICE(13),
        RLIMIT_RTPRIO(14),
        RLIMIT_RTTIME(15);

        /** The resource of {@code number}. */
        public static Resource ofNumber(int number) {
            for (Resource r : values()) {
                if (r.number() == number) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no rlimit resource numbered " + number);
        }

        private final int number;

        Resource(int number) {
            this.number = number;
        }

        public int number() {
            return number;
        }
    }
}
