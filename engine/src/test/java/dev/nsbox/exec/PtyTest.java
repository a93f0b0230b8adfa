package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.nsbox.exec.TestPlans.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The pure parts of a session's terminal: the 'T' command, raw mode, the step's TERM. */
class PtyTest {

    @Test
    void terminalCommandIsFramedWithThePathInsideTheSandbox() {
        ByteBuffer b = ByteBuffer.wrap(InitProtocol.terminal("/dev/pts/3")).order(ByteOrder.nativeOrder());
        assertEquals(b.capacity() - 4, b.getInt());
        assertEquals('T', b.get());
        byte[] path = new byte[b.getInt()];
        b.get(path);
        assertEquals("/dev/pts/3", new String(path, StandardCharsets.UTF_8));
        assertEquals(0, b.remaining());
    }

    /**
     * A terminal's settings as {@code stty -g} prints them on Debian (iflag 4500, oflag 5,
     * cflag bf, lflag 8a3b), made raw as cfmakeraw(3) does, with reads that time out.
     */
    @Test
    void rawClearsWhatCfmakerawClearsAndKeepsTheRest() {
        byte[] cooked = new byte[Pty.TERMIOS_BYTES];
        ByteBuffer c = ByteBuffer.wrap(cooked).order(ByteOrder.nativeOrder());
        c.putInt(0x4500).putInt(0x5).putInt(0xbf).putInt(0x8a3b);
        c.put((byte) 0);
        byte[] cc = {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a};
        c.put(cc);
        ByteBuffer r = ByteBuffer.wrap(Pty.raw(cooked)).order(ByteOrder.nativeOrder());
        assertEquals(0x4000, r.getInt(), "iflag: ICRNL, IXON... cleared, IUTF8 kept");
        assertEquals(0x4, r.getInt(), "oflag: OPOST cleared, ONLCR kept (without effect)");
        assertEquals(0xbf, r.getInt(), "cflag: CS8, no parity");
        assertEquals(0x0a30, r.getInt(), "lflag: ECHO, ICANON, ISIG, IEXTEN cleared");
        assertEquals(0, r.get(), "c_line");
        byte[] rawCc = new byte[cc.length];
        r.get(rawCc);
        assertEquals(3, rawCc[0], "VINTR kept: the inner pty interprets ^C");
        assertEquals(1, rawCc[5], "VTIME: a read returns after 0.1 s");
        assertEquals(0, rawCc[6], "VMIN: without waiting for a byte");
        assertEquals(0x1a, rawCc[10], "VSUSP kept");
    }

    @Test
    void theStepGetsTheCallersTermUnlessItsEnvironmentHasOne() {
        StepLaunch bare = new StepLaunch("command", List.of("/bin/sh"), List.of("PATH=/bin"), "/", null,
                at(1, "steps"));
        assertEquals(List.of("PATH=/bin", "TERM=xterm-256color"), Pty.withTerm(bare, "xterm-256color").env());
        assertSame(bare, Pty.withTerm(bare, null), "the caller has no TERM: none is invented");
        StepLaunch set = new StepLaunch("command", List.of("/bin/sh"), List.of("TERM=dumb"), "/", null,
                at(1, "steps"));
        assertSame(set, Pty.withTerm(set, "xterm"), "the spec's TERM wins");
    }
}
