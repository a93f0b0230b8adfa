package dev.nsbox.exec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protocol between {@code nsbox-fork} (a test fork's {@code bin/java},
 * engine/src/main/c/nsbox-fork.c, whose comment is the reference) and {@link ForkServer}.
 * Integers are u32 in network byte order; a string is a u32 length and its UTF-8 bytes.
 *
 * <ul>
 *   <li>Request: a header {@code "NSF1" u32 body_length}, sent with the fork's descriptors 0, 1
 *       and 2 ({@code SCM_RIGHTS}), then the body {@code u32 argc str... u32 envc str... str cwd}.</li>
 *   <li>Then from the fork: {@code 'K' u32 signal} for each signal to forward.</li>
 *   <li>From the server: {@code 'M' str} lines for the fork's standard error, then one
 *       {@code 'X' u32 exit_code} or {@code 'G' u32 signal}.</li>
 * </ul>
 *
 * <p>Pure: encodes and decodes, nothing else.
 */
final class ForkProtocol {

    static final int HEADER_BYTES = 8;
    /** A fork's argv and environment; anything larger is not a fork of Surefire's. */
    static final int MAX_BODY = 16 << 20;
    static final byte SIGNAL = 'K';
    static final byte MESSAGE = 'M';
    static final byte EXIT = 'X';
    static final byte KILLED = 'G';
    private static final byte[] MAGIC = {'N', 'S', 'F', '1'};

    private ForkProtocol() {
    }

    /** What a fork asks for: its argv (argv[0] is the wrapper), its environment and working directory. */
    record Request(List<String> argv, Map<String, String> environment, String cwd) {
        Request {
            argv = List.copyOf(argv);
            environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        }
    }

    /** A bad request: what the server says back before it closes the connection. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** The body length a header announces. */
    static int bodyLength(byte[] header) throws BadRequest {
        if (header.length != HEADER_BYTES || header[0] != MAGIC[0] || header[1] != MAGIC[1]
                || header[2] != MAGIC[2] || header[3] != MAGIC[3]) {
            throw new BadRequest("not a request of nsbox-fork (protocol NSF1)");
        }
        int n = ByteBuffer.wrap(header, 4, 4).getInt();
        if (n < 0 || n > MAX_BODY) {
            throw new BadRequest("a request of " + Integer.toUnsignedString(n) + " bytes (at most " + MAX_BODY + ")");
        }
        return n;
    }

    /**
     * Decodes a request's body. An environment entry without {@code =} is dropped, as
     * {@code System.getenv()} drops it; of two entries with the same name the first counts, as for
     * getenv(3).
     */
    static Request request(byte[] body) throws BadRequest {
        ByteBuffer b = ByteBuffer.wrap(body);
        try {
            List<String> argv = strings(b);
            Map<String, String> env = new LinkedHashMap<>();
            for (String e : strings(b)) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    env.putIfAbsent(e.substring(0, eq), e.substring(eq + 1));
                }
            }
            String cwd = string(b);
            if (b.hasRemaining()) {
                throw new BadRequest("a request with " + b.remaining() + " bytes after its working directory");
            }
            if (argv.isEmpty()) {
                throw new BadRequest("a request without argv[0]");
            }
            return new Request(argv, env, cwd);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new BadRequest("a truncated request");
        }
    }

    private static List<String> strings(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 4) {
            throw new IllegalArgumentException("count " + n);
        }
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(string(b));
        }
        return list;
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("length " + n);
        }
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    /** The header and body nsbox-fork sends (its descriptors go beside, not in these bytes). */
    static byte[] encode(Request r) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.writeInt(r.argv().size());
            for (String a : r.argv()) {
                writeString(out, a);
            }
            out.writeInt(r.environment().size());
            for (Map.Entry<String, String> e : r.environment().entrySet()) {
                writeString(out, e.getKey() + "=" + e.getValue());
            }
            writeString(out, r.cwd());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer all = ByteBuffer.allocate(HEADER_BYTES + body.size());
        all.put(MAGIC).putInt(body.size()).put(body.toByteArray());
        return all.array();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** A frame of type {@code type} with the u32 {@code value}. */
    static byte[] frame(byte type, int value) {
        return ByteBuffer.allocate(5).put(type).putInt(value).array();
    }

    /** A line for the fork's standard error. */
    static byte[] message(String line) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + text.length).put(MESSAGE).putInt(text.length).put(text).array();
    }

    /**
     * The signal a fork's frame asks to forward, or -1 for a frame that is not {@code 'K'} of a
     * signal the fork forwards (SIGINT, SIGTERM, SIGHUP or SIGQUIT; nothing else is passed on).
     */
    static int signal(byte[] frame) {
        if (frame.length != 5 || frame[0] != SIGNAL) {
            return -1;
        }
        int sig = ByteBuffer.wrap(frame, 1, 4).getInt();
        return sig == 1 || sig == 2 || sig == 3 || sig == 15 ? sig : -1;
    }
}
