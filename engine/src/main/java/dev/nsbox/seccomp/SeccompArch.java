package dev.nsbox.seccomp;

import java.util.Optional;

/**
 * A system-call ABI nsbox builds filters for: the value {@code seccomp_data.arch} carries for
 * it (an {@code AUDIT_ARCH_*} constant of {@code <linux/audit.h>}), its name in the OCI runtime
 * spec, and whether it has the x32 alias range.
 *
 * <p>Immutable. Never touches the host.
 */
public enum SeccompArch {

    /** x86_64; x32 calls arrive with the same arch value and bit 30 set in the number. */
    X86_64("x86_64", 0xC000003E, "SCMP_ARCH_X86_64", true),
    /** aarch64 (arm64), whose table is the generic one of {@code asm-generic/unistd.h}. */
    AARCH64("aarch64", 0xC00000B7, "SCMP_ARCH_AARCH64", false);

    /** {@code AUDIT_ARCH_I386}: calls made through {@code int 0x80} on an x86_64 kernel. */
    public static final int AUDIT_ARCH_I386 = 0x40000003;

    /** {@code __X32_SYSCALL_BIT} of {@code arch/x86/include/uapi/asm/unistd.h}. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final String id;
    private final int auditArch;
    private final String ociName;
    private final boolean hasX32;

    SeccompArch(String id, int auditArch, String ociName, boolean hasX32) {
        this.id = id;
        this.auditArch = auditArch;
        this.ociName = ociName;
        this.hasX32 = hasX32;
    }

    /** The ABI's name as {@code uname -m} prints it: {@code x86_64}, {@code aarch64}. */
    public String id() {
        return id;
    }

    /** The {@code AUDIT_ARCH_*} value the kernel puts in {@code seccomp_data.arch}. */
    public int auditArch() {
        return auditArch;
    }

    /** The name in the OCI runtime spec's {@code linux.seccomp.architectures}. */
    public String ociName() {
        return ociName;
    }

    /** Whether the kernel also accepts x32 calls (number | {@link #X32_SYSCALL_BIT}) here. */
    public boolean hasX32() {
        return hasX32;
    }

    /** The ABI for a value of the {@code os.arch} system property, if nsbox supports it. */
    public static Optional<SeccompArch> ofOsArch(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> Optional.of(X86_64);
            case "aarch64", "arm64" -> Optional.of(AARCH64);
            default -> Optional.empty();
        };
    }

    /** The ABI of the running JVM, if nsbox supports it. */
    public static Optional<SeccompArch> current() {
        return ofOsArch(System.getProperty("os.arch", ""));
    }

    @Override
    public String toString() {
        return id;
    }
}
