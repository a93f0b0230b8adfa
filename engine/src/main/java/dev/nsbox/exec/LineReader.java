package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads lines from a descriptor: decoded as UTF-8 (a malformed byte becomes U+FFFD), without
 * their {@code \n}, and each at most {@code maxLine} bytes ({@link StepIO#MAX_LINE}). A longer
 * line is handed over in pieces of at most that many bytes, each cut where a UTF-8 character
 * begins and never right after a {@code \r}, so that no character is split and a {@code \r\n}
 * stays together; memory stays bounded whatever the step writes (one line of 600 MB took a
 * 512 MB JVM down before).
 *
 * <p>It also finds the drain markers {@link OutputPump#drain} writes into the pipe: a marker
 * {@linkplain #expect expected} is taken out of the stream wherever it is read, and counted
 * once every line before it, and the unfinished line it ends, has been handed over
 * ({@link #delivered}). Matching is byte by byte, so a marker is found even where a piece of an
 * over-long line is cut.
 *
 * <p>{@link #next()} and {@link #delivered()} are called on one thread (the reader); the others
 * on any thread.
 */
final class LineReader {

    private final Sys sys;
    final int fd;
    private final int maxLine;
    private final byte[] buf = new byte[8192];
    /**
     * The bytes of the line being read: at most {@code maxLine}, plus the bytes of a marker
     * that matched in part and turned out not to be one.
     */
    private final byte[] pending;
    private int pendingLength;
    private int pos;
    private int len;
    private boolean eof;
    /** The markers written and not read yet, in the order they are in the pipe. */
    private final Deque<byte[]> markers = new ArrayDeque<>();
    /** How many bytes of the first expected marker the last bytes read match. */
    private int matched;
    /** How many markers were read, each with every line before it handed over. */
    private long markersRead;
    /** A marker was read, and the unfinished line before it is being handed over. */
    private boolean markerAfterDelivery;
    /** The reader stopped (end of file, or a failed read): no marker will come. */
    private boolean ended;

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
        this.maxLine = maxLine;
        this.pending = new byte[maxLine + OutputPump.MAX_MARKER];
    }

    /** The most bytes this reader hands over of one line. */
    int capacity() {
        return maxLine;
    }

    /**
     * Looks for {@code m} (at most {@link OutputPump#MAX_MARKER} bytes, its first byte in no
     * other place of it) after the markers expected before it.
     *
     * @return the count {@link #awaitMarkers} waits for
     */
    synchronized long expect(byte[] m) {
        markers.addLast(m);
        return markersRead + markers.size();
    }

    /** {@code m} was never written after all. */
    synchronized void unexpect(byte[] m) {
        if (markers.peekFirst() == m) {
            // Bytes of it matched already cannot have been ours: they are the step's.
            unmatch();
        }
        markers.remove(m);
    }

    /** Waits until {@code count} markers were read and every line before them handed over, at most {@code ms}. */
    synchronized void awaitMarkers(long count, long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        for (long left = ms; markersRead < count && !ended && left > 0;
             left = (end - System.nanoTime()) / 1_000_000) {
            wait(left);
        }
    }

    /** The line {@link #next()} returned has been handed over. */
    synchronized void delivered() {
        if (markerAfterDelivery) {
            markerAfterDelivery = false;
            markersRead++;
            notifyAll();
        }
    }

    /** The reader stopped: a drain waits no longer. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    synchronized boolean ended() {
        return ended;
    }

    /** The next line, or the next piece of an over-long one; {@code null} at end of file. */
    String next() throws SyscallException {
        while (true) {
            synchronized (this) {
                while (pos < len) {
                    byte b = buf[pos];
                    byte[] m = markers.peekFirst();
                    if (m != null && !markerAfterDelivery) {
                        if (b == m[matched]) {
                            pos++;
                            if (++matched == m.length) {
                                markers.removeFirst();
                                matched = 0;
                                if (pendingLength > 0) {
                                    markerAfterDelivery = true;
                                    return take(pendingLength);
                                }
                                markersRead++;
                                notifyAll();
                            }
                            continue;
                        }
                        if (matched > 0) {
                            unmatch();
                            if (b == m[0]) {
                                pos++;
                                matched = 1;
                                continue;
                            }
                        }
                    }
                    if (pendingLength > maxLine || (b != '\n' && pendingLength == maxLine)) {
                        // b stays unread: it ends the line, or starts the next piece.
                        return take(cut());
                    }
                    pos++;
                    if (b == '\n') {
                        return take(pendingLength);
                    }
                    pending[pendingLength++] = b;
                }
                if (eof) {
                    unmatch();
                    if (pendingLength > 0) {
                        return take(Math.min(pendingLength, maxLine) == pendingLength ? pendingLength : cut());
                    }
                    return null;
                }
            }
            int n = sys.read(fd, buf, "read(" + fd + ")");
            synchronized (this) {
                len = Math.max(n, 0);
                pos = 0;
                if (n <= 0) {
                    eof = true;
                }
            }
        }
    }

    /** The bytes that matched a marker in part are the step's after all: they join the line. */
    private void unmatch() {
        byte[] m = markers.peekFirst();
        if (m != null && matched > 0) {
            System.arraycopy(m, 0, pending, pendingLength, matched);
            pendingLength += matched;
        }
        matched = 0;
    }

    /**
     * Where a full line is cut, at most {@code maxLine} bytes in: before a character whose bytes
     * are not all there yet (a lead byte 11xxxxxx followed by fewer continuation bytes 10xxxxxx
     * than it announces), and before a last {@code \r}, whose {@code \n} may follow.
     */
    private int cut() {
        int end = Math.min(pendingLength, maxLine);
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
