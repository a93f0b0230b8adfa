package dev.nsbox.seccomp;

import java.util.List;

/**
 * What the filter does with one system call.
 *
 * <p>Immutable. Never touches the host.
 */
public sealed interface SeccompDecision permits SeccompDecision.Allow, SeccompDecision.Errno, SeccompDecision.AllowIf {

    /** {@code EPERM} of {@code asm-generic/errno-base.h}; the same number on x86_64 and aarch64. */
    int EPERM = 1;
    /** {@code ENOSYS} of {@code asm-generic/errno.h}; the same number on x86_64 and aarch64. */
    int ENOSYS = 38;

    /** Whether the call can ever run (always or for some arguments). */
    boolean mayRun();

    /** The call runs: {@code SECCOMP_RET_ALLOW}. */
    record Allow() implements SeccompDecision {
        @Override
        public boolean mayRun() {
            return true;
        }
    }

    /** The call does not run and returns {@code -errno}: {@code SECCOMP_RET_ERRNO | errno}. */
    record Errno(int errno) implements SeccompDecision {
        public Errno {
            if (errno < 1 || errno > 4095) {
                throw new IllegalArgumentException("errno out of range: " + errno);
            }
        }

        @Override
        public boolean mayRun() {
            return false;
        }
    }

    /**
     * The call runs when argument {@code arg} passes {@code test}, else fails with
     * {@code errnoOtherwise}. Only the argument's low 32 bits are tested: every argument nsbox
     * tests is one the kernel reads as 32 bits (socket(2)'s int domain, personality(2)'s
     * unsigned int, and clone(2)'s flags, of which kernel/fork.c keeps lower_32_bits), so the high
     * half cannot change what the kernel does.
     */
    record AllowIf(int arg, ArgTest test, int errnoOtherwise) implements SeccompDecision {
        public AllowIf {
            if (arg < 0 || arg > 5) {
                throw new IllegalArgumentException("a system call has arguments 0 to 5, not " + arg);
            }
        }

        @Override
        public boolean mayRun() {
            return true;
        }
    }

    /** A test of an argument's low 32 bits. */
    sealed interface ArgTest permits NoBitsSet, NoneOf, OneOf {
    }

    /** Passes when none of {@code mask}'s bits is set. */
    record NoBitsSet(int mask) implements ArgTest {
    }

    /** Passes when the argument is none of {@code values}. */
    record NoneOf(List<Integer> values) implements ArgTest {
        public NoneOf {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("NoneOf needs a value");
            }
        }
    }

    /** Passes when the argument is one of {@code values}. */
    record OneOf(List<Integer> values) implements ArgTest {
        public OneOf {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("OneOf needs a value");
            }
        }
    }
}
