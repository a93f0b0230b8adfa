package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The control protocol between the executor and {@code nsbox-init} (see the comment at the top
 * of {@code src/main/c/nsbox-init.c}): binary commands on the supervisor's descriptor 3, one
 * text line per report on its descriptor 4.
 *
 * <p>Pure.
 */
final class InitProtocol {

    private InitProtocol() {
    }

    /** Flag bit of the 'R' command: set {@code PR_SET_NO_NEW_PRIVS}. */
    static final int NO_NEW_PRIVS = 1;

    /** Flag bit of the 'R' command: confine the capability sets to the mask that follows. */
    static final int CONFINE_CAPABILITIES = 2;

    /**
     * The 'R' command: run one step. After the u32 length of the rest, all host-endian:
     * {@code 'R' i64 timeout_ms (0: none) i64 grace_ms u8 flags u64 capabilities
     * u32 n_limits {u32 resource u64 soft u64 hard}... u32 filter_len filter_bytes
     * str cwd u32 argc str... u32 envc str...}, where str is a u32 length and that many bytes
     * of UTF-8, flags is {@link #NO_NEW_PRIVS} | {@link #CONFINE_CAPABILITIES}, and the mask is
     * 0 when the capabilities are not confined.
     */
    static byte[] run(StepLaunch step, StepSecurity security, Duration grace) {
        Out o = new Out();
        o.b('R');
        o.i64(step.timeout() == null ? 0 : Math.max(1, step.timeout().toMillis()));
        o.i64(grace.toMillis());
        o.b((security.noNewPrivileges() ? NO_NEW_PRIVS : 0)
                | (security.capabilities().isPresent() ? CONFINE_CAPABILITIES : 0));
        o.i64(security.capabilities().orElse(0));
        o.u32(security.rlimits().size());
        for (StepSecurity.Rlimit l : security.rlimits()) {
            o.u32(l.resource().number());
            o.i64(l.soft());
            o.i64(l.hard());
        }
        o.bytes(security.seccompFilter());
        o.str(step.cwd() == null ? "/" : step.cwd());
        o.strs(step.argv());
        o.strs(step.env());
        return o.framed();
    }

    /**
     * The 'C' command: the supervisor enters a new cgroup namespace, so that it and every later
     * step see the cgroup it is in now as their root. Send it after moving the supervisor into
     * the sandbox's cgroup and before the first 'R'. No report: if {@code unshare(2)} fails,
     * every later 'R' is answered with {@code error unshare(CLONE_NEWCGROUP) ERRNO} and runs
     * nothing.
     */
    static byte[] cgroupNamespace() {
        Out o = new Out();
        o.b('C');
        return o.framed();
    }

    /**
     * The 'T' command: the next 'R' step runs on the terminal {@code path} (a pty slave, as a
     * path inside the sandbox), which its process opens after setsid(2) and makes its
     * controlling terminal and descriptors 0, 1 and 2. No report; a failure is that step's
     * {@code error terminal ERRNO}.
     */
    static byte[] terminal(String path) {
        Out o = new Out();
        o.b('T');
        o.str(path);
        return o.framed();
    }

    /** The 'Q' command: exit. */
    static byte[] quit() {
        Out o = new Out();
        o.b('Q');
        return o.framed();
    }

    /** One report line: a word and, for most, a number. */
    record Report(String word, int value) {
        static Report parse(String line) {
            int sp = line.indexOf(' ');
            if (sp < 0) {
                return new Report(line, 0);
            }
            String word = line.substring(0, sp);
            String rest = line.substring(sp + 1);
            if (word.equals("error")) {
                // error WHAT ERRNO
                int last = rest.lastIndexOf(' ');
                return new Report("error " + rest.substring(0, Math.max(0, last)),
                        Integer.parseInt(rest.substring(last + 1)));
            }
            return new Report(word, Integer.parseInt(rest.trim()));
        }
    }

    private static final class Out {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());

        void b(int v) {
            buf.write(v);
        }

        void u32(int v) {
            scratch.clear();
            scratch.putInt(v);
            buf.write(scratch.array(), 0, 4);
        }

        void i64(long v) {
            scratch.clear();
            scratch.putLong(v);
            buf.write(scratch.array(), 0, 8);
        }

        void bytes(byte[] b) {
            u32(b.length);
            buf.write(b, 0, b.length);
        }

        void str(String s) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        void strs(List<String> l) {
            u32(l.size());
            for (String s : l) {
                str(s);
            }
        }

        byte[] framed() {
            byte[] body = buf.toByteArray();
            ByteBuffer bb = ByteBuffer.allocate(4 + body.length).order(ByteOrder.nativeOrder());
            bb.putInt(body.length);
            bb.put(body);
            return bb.array();
        }
    }
}
