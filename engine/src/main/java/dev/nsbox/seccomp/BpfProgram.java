package dev.nsbox.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A compiled seccomp filter: the {@code struct sock_filter} array that nsbox-init passes as
 * {@code struct sock_fprog} to {@code seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)} (seccomp(2)).
 *
 * <p>Immutable. Never touches the host.
 */
public record BpfProgram(SeccompArch arch, List<SockFilter> instructions) {

    /** {@code SECCOMP_RET_KILL_PROCESS}: the whole process dies of SIGSYS. */
    public static final int RET_KILL_PROCESS = 0x80000000;
    /** {@code SECCOMP_RET_ERRNO}; its low 16 bits are the errno the call returns. */
    public static final int RET_ERRNO = 0x00050000;
    /** {@code SECCOMP_RET_ALLOW}. */
    public static final int RET_ALLOW = 0x7fff0000;

    /** {@code BPF_MAXINSNS} of {@code <linux/bpf_common.h>}: the kernel refuses longer programs. */
    public static final int MAX_INSTRUCTIONS = 4096;

    public BpfProgram {
        instructions = List.copyOf(instructions);
        if (instructions.isEmpty() || instructions.size() > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("a filter has 1 to " + MAX_INSTRUCTIONS + " instructions, not "
                    + instructions.size());
        }
    }

    /** The number of instructions, {@code sock_fprog.len}. */
    public int length() {
        return instructions.size();
    }

    /**
     * The instructions as the kernel reads them, {@code struct sock_filter} after
     * {@code struct sock_filter}, little-endian as both supported ABIs are: 8 bytes each.
     */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(instructions.size() * SockFilter.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (SockFilter f : instructions) {
            b.putShort((short) f.code()).put((byte) f.jt()).put((byte) f.jf()).putInt(f.k());
        }
        return b.array();
    }

    /**
     * The program of {@code arch} whose {@link #bytes} are {@code bytes}: each instruction made
     * again through {@link SockFilter}'s constructor, so every check it and this record make runs.
     *
     * @throws IllegalArgumentException when the length is not a whole number of instructions,
     *         or the program is empty or too long
     */
    public static BpfProgram ofBytes(SeccompArch arch, byte[] bytes) {
        if (bytes.length % SockFilter.SIZE != 0) {
            throw new IllegalArgumentException("a filter is whole instructions of " + SockFilter.SIZE + " bytes, not "
                    + bytes.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        SockFilter[] instructions = new SockFilter[bytes.length / SockFilter.SIZE];
        for (int i = 0; i < instructions.length; i++) {
            instructions[i] = new SockFilter(b.getShort() & 0xffff, b.get() & 0xff, b.get() & 0xff, b.getInt());
        }
        return new BpfProgram(arch, List.of(instructions));
    }

    /** The installing call as {@code plan} prints it. */
    public String call() {
        return "seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=" + length() + ", filter=...})";
    }

    /** One instruction a line, numbered, for {@code explain}. */
    public String disassemble() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < instructions.size(); i++) {
            sb.append(String.format("%4d: %s%n", i, instructions.get(i).text()));
        }
        return sb.toString();
    }

    /** The seccomp name of return value {@code k}: {@code ALLOW}, {@code ERRNO(EPERM)}, ... */
    public static String returnName(int k) {
        if (k == RET_ALLOW) {
            return "ALLOW";
        }
        if (k == RET_KILL_PROCESS) {
            return "KILL_PROCESS";
        }
        if ((k & 0xffff0000) == RET_ERRNO) {
            int e = k & 0xffff;
            return "ERRNO(" + (e == SeccompDecision.EPERM ? "EPERM" : e == SeccompDecision.ENOSYS ? "ENOSYS" : e) + ")";
        }
        return String.format("0x%08x", k);
    }
}
