package dev.nsbox.exec;

import dev.nsbox.sys.FakeLibC;
import dev.nsbox.sys.Sys;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A descriptor's holder closes it once and writes nothing to it after: the number of a closed
 * descriptor may already name another file. Against the fake C library, which records calls.
 */
class FdTest {

    @Test
    void closingTwiceClosesOnce() {
        FakeLibC fake = new FakeLibC();
        Fd fd = new Fd(fake.sys(), 12);
        fd.close();
        fd.close();
        assertEquals(List.of("close"), fake.calls());
        assertEquals(-1, fd.number());
    }

    @Test
    void aClosedDescriptorIsNotWrittenTo() throws Exception {
        FakeLibC fake = new FakeLibC();
        Fd fd = new Fd(fake.sys(), 12);
        assertTrue(fd.write(new byte[0], "write(12)"));
        fd.close();
        assertFalse(fd.write(new byte[] {'Q'}, "write(12, quit)"));
        assertEquals(List.of("close"), fake.calls());
    }

    @Test
    void aClosedDescriptorIsNotAskedAnything() throws Exception {
        FakeLibC fake = new FakeLibC();
        Fd fd = new Fd(fake.sys(), 12);
        assertTrue(fd.ioctl(0x541B, new byte[4], "ioctl(12, FIONREAD)"));
        fd.close();
        assertFalse(fd.ioctl(0x541B, new byte[4], "ioctl(12, FIONREAD)"));
        assertEquals(List.of("ioctl", "close"), fake.calls());
    }

    @Test
    void aPipeClosesTheEndItsHolderDidNotClose() throws Exception {
        FakeLibC fake = new FakeLibC();
        Sys sys = fake.sys();
        Pipe p = Pipe.open(sys, "cmd");
        p.read().close();
        p.close();
        assertEquals(List.of("pipe2", "close", "close"), fake.calls());
    }

    @Test
    void aLowDescriptorMovesAboveTheSpawnsTargets() throws Exception {
        FakeLibC fake = new FakeLibC();
        Fd fd = new Fd(fake.sys(), 4).atLeast(10);
        assertEquals(List.of("fcntl", "close"), fake.calls());
        fd.atLeast(10);
        assertEquals(2, fake.calls().size());
    }
}
