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

    /** The 'R' command: run one step. */
    static byte[] run(StepLaunch step, boolean noNewPrivs, boolean dropCapabilities, Duration grace) {
        Out o = new Out();
        o.b('R');
        o.i64(step.timeout() == null ? 0 : Math.max(1, step.timeout().toMillis()));
        o.i64(grace.toMillis());
        o.b((noNewPrivs ? 1 : 0) | (dropCapabilities ? 2 : 0));
        o.str(step.cwd() == null ? "/" : step.cwd());
        o.strs(step.argv());
        o.strs(step.env());
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

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            buf.write(b, 0, b.length);
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
