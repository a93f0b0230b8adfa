package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * Compiles {@link SeccompRules} to a classic BPF program for seccomp(2).
 *
 * <p>The program, in order:
 * <ol>
 *   <li>Loads {@code seccomp_data.arch}; anything but the native ABI ends the process with
 *       {@code SECCOMP_RET_KILL_PROCESS}. On an x86_64 kernel that catches i386 calls made
 *       through {@code int 0x80} ({@code AUDIT_ARCH_I386}), whose numbers mean other calls: a
 *       filter that judged them by the native table could be walked around.</li>
 *   <li>On x86_64, a number with bit 30 set (an x32 call, {@code __X32_SYSCALL_BIT}) is killed
 *       the same way, except -1, which a ptrace tracer sets to skip a call and which the kernel
 *       answers with ENOSYS: it goes on to the decisions, as in libseccomp.</li>
 *   <li>A binary search over ranges of call numbers with one decision each, with at most
 *       {@code log2(ranges)} comparisons per call. A jump longer than the 255 instructions a
 *       conditional jump can span goes through an unconditional {@code BPF_JA}, whose offset is
 *       32 bits.</li>
 * </ol>
 * Foreign ABIs are killed rather than refused with EPERM because a program of another ABI cannot
 * degrade: when every call fails, exit(2) fails too and the program spins or crashes somewhere
 * unrelated, where SIGSYS ("Bad system call") names the cause. No native program makes such
 * calls.
 *
 * <p>Stateless. Never touches the host.
 */
public final class BpfCompiler {

    /** Offsets in {@code struct seccomp_data} of {@code <linux/seccomp.h>}. */
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARGS = 16;

    private static final int MAX_JUMP = 255;

    private BpfCompiler() {
    }

    private record Range(long start, SeccompDecision decision) {
    }

    /** The program that makes {@code rules}' decisions. */
    public static BpfProgram compile(SeccompRules rules) {
        SeccompArch arch = rules.arch();
        List<SockFilter> p = new ArrayList<>();
        p.add(SockFilter.load(OFFSET_ARCH));
        p.add(SockFilter.jump(SockFilter.JEQ, arch.auditArch(), 1, 0));
        p.add(SockFilter.ret(BpfProgram.RET_KILL_PROCESS));
        p.add(SockFilter.load(OFFSET_NR));
        if (arch.hasX32()) {
            p.add(SockFilter.jump(SockFilter.JGE, SeccompArch.X32_SYSCALL_BIT, 0, 2));
            p.add(SockFilter.jump(SockFilter.JEQ, -1, 1, 0));
            p.add(SockFilter.ret(BpfProgram.RET_KILL_PROCESS));
        }
        List<Range> ranges = ranges(rules);
        p.addAll(search(ranges, 0, ranges.size() - 1));
        return new BpfProgram(arch, p);
    }

    /** Consecutive numbers with the same decision, from 0 up to 2^32 - 1. */
    private static List<Range> ranges(SeccompRules rules) {
        int highest = Syscalls.of(rules.arch()).highest();
        List<Range> ranges = new ArrayList<>();
        for (int nr = 0; nr <= highest + 1; nr++) {
            SeccompDecision d = rules.decide(nr);
            if (ranges.isEmpty() || !ranges.get(ranges.size() - 1).decision().equals(d)) {
                ranges.add(new Range(nr, d));
            }
        }
        return ranges;
    }

    // A holds the call number on entry; every path ends in a return.
    private static List<SockFilter> search(List<Range> ranges, int lo, int hi) {
        if (lo == hi) {
            return leaf(ranges.get(lo).decision());
        }
        int mid = (lo + hi + 1) >>> 1;
        List<SockFilter> below = search(ranges, lo, mid - 1);
        List<SockFilter> above = search(ranges, mid, hi);
        int k = (int) ranges.get(mid).start();
        List<SockFilter> out = new ArrayList<>(below.size() + above.size() + 2);
        if (below.size() <= MAX_JUMP) {
            out.add(SockFilter.jump(SockFilter.JGE, k, below.size(), 0));
        } else {
            out.add(SockFilter.jump(SockFilter.JGE, k, 0, 1));
            out.add(new SockFilter(SockFilter.JA, 0, 0, below.size()));
        }
        out.addAll(below);
        out.addAll(above);
        return out;
    }

    private static List<SockFilter> leaf(SeccompDecision decision) {
        if (decision instanceof SeccompDecision.Allow) {
            return List.of(SockFilter.ret(BpfProgram.RET_ALLOW));
        }
        if (decision instanceof SeccompDecision.Errno e) {
            return List.of(SockFilter.ret(BpfProgram.RET_ERRNO | e.errno()));
        }
        SeccompDecision.AllowIf a = (SeccompDecision.AllowIf) decision;
        SockFilter allow = SockFilter.ret(BpfProgram.RET_ALLOW);
        SockFilter refuse = SockFilter.ret(BpfProgram.RET_ERRNO | a.errnoOtherwise());
        List<SockFilter> out = new ArrayList<>();
        // The low half of the 64-bit argument on a little-endian ABI.
        out.add(SockFilter.load(OFFSET_ARGS + 8 * a.arg()));
        if (a.test() instanceof SeccompDecision.NoBitsSet t) {
            out.add(SockFilter.jump(SockFilter.JSET, t.mask(), 1, 0));
            out.add(allow);
            out.add(refuse);
        } else {
            // A chain of JEQ, each jumping on a match to the second of the two returns after it.
            boolean oneOf = a.test() instanceof SeccompDecision.OneOf;
            List<Integer> values = oneOf ? ((SeccompDecision.OneOf) a.test()).values()
                    : ((SeccompDecision.NoneOf) a.test()).values();
            int n = values.size();
            for (int i = 0; i < n; i++) {
                out.add(SockFilter.jump(SockFilter.JEQ, values.get(i), n - i, 0));
            }
            out.add(oneOf ? refuse : allow);
            out.add(oneOf ? allow : refuse);
        }
        return out;
    }
}
