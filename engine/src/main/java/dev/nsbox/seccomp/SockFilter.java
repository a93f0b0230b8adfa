package dev.nsbox.seccomp;

/**
 * One classic BPF instruction, {@code struct sock_filter} of {@code <linux/filter.h>}:
 * {@code __u16 code; __u8 jt; __u8 jf; __u32 k;}. Jumps count instructions after the next one.
 *
 * <p>Immutable. Never touches the host.
 */
public record SockFilter(int code, int jt, int jf, int k) {

    /** Bytes of one instruction in memory. */
    public static final int SIZE = 8;

    // Opcodes of <linux/bpf_common.h>, the only ones nsbox emits.
    /** {@code BPF_LD|BPF_W|BPF_ABS}: A = 32-bit word of seccomp_data at offset k. */
    public static final int LD_W_ABS = 0x20;
    /** {@code BPF_JMP|BPF_JA}: jump k instructions forward. */
    public static final int JA = 0x05;
    /** {@code BPF_JMP|BPF_JEQ|BPF_K}. */
    public static final int JEQ = 0x15;
    /** {@code BPF_JMP|BPF_JGE|BPF_K}, unsigned. */
    public static final int JGE = 0x35;
    /** {@code BPF_JMP|BPF_JSET|BPF_K}: jt when A & k is not 0. */
    public static final int JSET = 0x45;
    /** {@code BPF_RET|BPF_K}: return k. */
    public static final int RET = 0x06;

    public SockFilter {
        if (code < 0 || code > 0xffff || jt < 0 || jt > 0xff || jf < 0 || jf > 0xff) {
            throw new IllegalArgumentException("not a sock_filter: code " + code + " jt " + jt + " jf " + jf);
        }
    }

    static SockFilter load(int offset) {
        return new SockFilter(LD_W_ABS, 0, 0, offset);
    }

    static SockFilter jump(int code, int k, int jt, int jf) {
        return new SockFilter(code, jt, jf, k);
    }

    static SockFilter ret(int value) {
        return new SockFilter(RET, 0, 0, value);
    }

    /** The instruction in the style of the kernel's bpf_asm, with seccomp's names for returns. */
    public String text() {
        return switch (code) {
            case LD_W_ABS -> "ld [" + k + "]";
            case JA -> "ja +" + Integer.toUnsignedString(k);
            case JEQ -> String.format("jeq #0x%x, +%d, +%d", k, jt, jf);
            case JGE -> String.format("jge #0x%x, +%d, +%d", k, jt, jf);
            case JSET -> String.format("jset #0x%x, +%d, +%d", k, jt, jf);
            case RET -> "ret " + BpfProgram.returnName(k);
            default -> String.format("code 0x%x jt %d jf %d k 0x%x", code, jt, jf, k);
        };
    }
}
