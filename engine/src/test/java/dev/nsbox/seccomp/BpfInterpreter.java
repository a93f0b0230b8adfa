package dev.nsbox.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Runs a classic BPF seccomp program on one {@code struct seccomp_data}, as the kernel's
 * {@code bpf_prog_run} would for the opcodes a seccomp filter may use here: word loads from the
 * data, JA, JEQ/JGE/JSET against k, and RET k. Anything else fails the test, as the kernel's
 * checker (seccomp_check_filter) would refuse it.
 */
final class BpfInterpreter {

    private BpfInterpreter() {
    }

    /** The value the program returns for call {@code nr} of ABI {@code auditArch} with {@code args}. */
    static int run(List<SockFilter> program, int auditArch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, auditArch).putLong(8, 0x400000L);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        int a = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            if (pc < 0 || pc >= program.size()) {
                throw new AssertionError("program ran off its end at " + pc);
            }
            if (++steps > program.size()) {
                throw new AssertionError("classic BPF cannot loop, yet ran " + steps + " steps");
            }
            SockFilter f = program.get(pc);
            switch (f.code()) {
                case SockFilter.LD_W_ABS -> {
                    if (f.k() < 0 || f.k() > 60 || f.k() % 4 != 0) {
                        throw new AssertionError("load outside seccomp_data: " + f.k());
                    }
                    a = data.getInt(f.k());
                    pc++;
                }
                case SockFilter.JA -> pc += 1 + f.k();
                case SockFilter.JEQ -> pc += 1 + (a == f.k() ? f.jt() : f.jf());
                case SockFilter.JGE -> pc += 1 + (Integer.compareUnsigned(a, f.k()) >= 0 ? f.jt() : f.jf());
                case SockFilter.JSET -> pc += 1 + ((a & f.k()) != 0 ? f.jt() : f.jf());
                case SockFilter.RET -> {
                    return f.k();
                }
                default -> throw new AssertionError("opcode a seccomp filter may not use: " + f.code());
            }
        }
    }
}
