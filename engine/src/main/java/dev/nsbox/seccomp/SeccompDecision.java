package dev.nsbox.seccomp;

import java.util.List;

/**
 * What the filter does with one system call.
 *
 * <p>Immutable. Never touches the host. Each record's equals and hashCode mean what a record's
 * own do, written out: the generated ones go through {@code java.lang.runtime.ObjectMethods},
 * whose first use in a JVM spins about 30 method-handle classes that an AppCDS archive of
 * JDK 17 cannot hold, and the filter's compiler compares decisions on every cold
 * {@code nsbox run}.
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

        @Override
        public boolean equals(Object o) {
            return o instanceof Allow;
        }

        @Override
        public int hashCode() {
            return 1;
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

        @Override
        public boolean equals(Object o) {
            return o instanceof Errno e && e.errno == errno;
        }

        @Override
        public int hashCode() {
            return errno;
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

        @Override
        public boolean equals(Object o) {
            return o instanceof AllowIf a && a.arg == arg && a.test.equals(test) && a.errnoOtherwise == errnoOtherwise;
        }

        @Override
        public int hashCode() {
            return (arg * 31 + test.hashCode()) * 31 + errnoOtherwise;
        }
    }

    /** A test of an argument's low 32 bits. */
    sealed interface ArgTest permits NoBitsSet, NoneOf, OneOf {
    }

    /** Passes when none of {@code mask}'s bits is set. */
    record NoBitsSet(int mask) implements ArgTest {
        @Override
        public boolean equals(Object o) {
            return o instanceof NoBitsSet n && n.mask == mask;
        }

        @Override
        public int hashCode() {
            return mask;
        }
    }

    /** Passes when the argument is none of {@code values}. */
    record NoneOf(List<Integer> values) implements ArgTest {
        public NoneOf {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("NoneOf needs a value");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NoneOf n && n.values.equals(values);
        }

        @Override
        public int hashCode() {
            return values.hashCode() + 1;
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

        @Override
        public boolean equals(Object o) {
            return o instanceof OneOf n && n.values.equals(values);
        }

        @Override
        public int hashCode() {
            return values.hashCode() + 2;
        }
    }
}
