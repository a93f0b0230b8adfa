package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.nio.charset.StandardCharsets;

/**
 * Reads lines from a descriptor: decoded as UTF-8 (a malformed byte becomes U+FFFD), without
 * their {@code \n}, and each at most {@link StepIO#MAX_LINE} bytes. A longer line is handed over
 * in pieces of at most that many bytes, each cut where a UTF-8 character begins and never right
 * after a {@code \r}, so that no character is split and a {@code \r\n} stays together; memory
 * stays bounded whatever the step writes (one line of 600 MB took a 512 MB JVM down before).
 *
 * <p>{@link #next()} is called on one thread (the reader); {@link #waiting()}, {@link #reads()},
 * {@link #ended()} and {@link #takePartial()} on any other.
 */
final class LineReader {

    private final Sys sys;
    final int fd;
    private final byte[] buf = new byte[8192];
    /** The bytes of the line being read, at most {@code pending.length}. */
    private final byte[] pending;
    private int pendingLength;
    private int pos;
    private int len;
    private boolean eof;
    /** Blocked in read(2), every complete line before it returned. */
    private volatile boolean waiting;
    /** How many read(2) calls have returned. */
    private volatile long reads;
    /** read(2) said end of file: no byte will come any more. */
    private volatile boolean ended;

    LineReader(Sys sys, int fd) {
        this(sys, fd, StepIO.MAX_LINE);
    }

    /** @param maxLine the most bytes of one line handed over at once, at least 4 (one character) */
    LineReader(Sys sys, int fd, int maxLine) {
        if (maxLine < 4) {
            throw new IllegalArgumentException("maxLine " + maxLine + " < 4");
        }
        this.sys = sys;
        this.fd = fd;
        this.pending = new byte[maxLine];
    }

    boolean waiting() {
        return waiting;
    }

    long reads() {
        return reads;
    }

    boolean ended() {
        return ended;
    }

    /** The most bytes this reader holds of one line: its memory, whatever the step writes. */
    int capacity() {
        return pending.length;
    }

    /** The bytes of an unfinished line, taken while the reader waits; {@code null} if none. */
    synchronized String takePartial() {
        if (!waiting || pendingLength == 0) {
            return null;
        }
        return take(pendingLength);
    }

    /** The next line, or the next piece of an over-long one; {@code null} at end of file. */
    String next() throws SyscallException {
        while (true) {
            synchronized (this) {
                for (; pos < len; pos++) {
                    byte b = buf[pos];
                    if (b == '\n') {
                        pos++;
                        return take(pendingLength);
                    }
                    if (pendingLength == pending.length) {
                        // b stays unread: it starts the next piece.
                        return take(cut());
                    }
                    pending[pendingLength++] = b;
                }
                if (eof) {
                    return pendingLength > 0 ? take(pendingLength) : null;
                }
                waiting = true;
            }
            int n = sys.read(fd, buf, "read(" + fd + ")");
            synchronized (this) {
                waiting = false;
                reads++;
                len = Math.max(n, 0);
                pos = 0;
                if (n <= 0) {
                    eof = true;
                    ended = true;
                }
            }
        }
    }

    /**
     * Where a full buffer is cut: before a character whose bytes are not all there yet (a lead
     * byte 11xxxxxx followed by fewer continuation bytes 10xxxxxx than it announces), and before
     * a last {@code \r}, whose {@code \n} may follow.
     */
    private int cut() {
        int end = pendingLength;
        for (int i = end - 1; i >= 0 && i >= end - 4; i--) {
            int b = pending[i] & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue;
            }
            int needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            if (i + needs > end && i > 0) {
                end = i;
            }
            break;
        }
        if (end > 1 && pending[end - 1] == '\r') {
            end--;
        }
        return end;
    }

    /** The first {@code n} pending bytes as text; the rest move to the front. */
    private String take(int n) {
        String s = new String(pending, 0, n, StandardCharsets.UTF_8);
        System.arraycopy(pending, n, pending, 0, pendingLength - n);
        pendingLength -= n;
        return s;
    }
}
