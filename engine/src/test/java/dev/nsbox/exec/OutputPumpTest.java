package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Draining a pump between steps ends as soon as everything the step wrote has been delivered:
 * once our marker has come through the pipe, and at once when the pump has stopped (end of
 * file, as after a cancellation). Before, a pipe at end of file was polled 5000 times, 5.5 s a
 * pump, so that a cancelled run took 12 s instead of about 1.
 */
@Timeout(60)
class OutputPumpTest {

    private final Sys sys = Sys.get();

    @Test
    void drainOfAnOpenPipeDeliversTheUnfinishedLastLine() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Pipe p = Pipe.open(sys, "test");
        try (Fd marker = new Fd(sys, sys.dupAtLeast(p.write().number(), 10))) {
            OutputPump pump = OutputPump.start(sys, p.read(), marker, got::add, "test-pump");
            p.write().write("one\npartial".getBytes(StandardCharsets.UTF_8), "write(test)");
            pump.drain();
            assertEquals(List.of("one", "partial"), got);
            assertTrue(pump.thread().isAlive(), "the pump keeps reading for the next step");
            p.write().write("three\n".getBytes(StandardCharsets.UTF_8), "write(test)");
            pump.drain();
            assertEquals(List.of("one", "partial", "three"), got);
            p.write().close();
            marker.close();
            pump.thread().join();
            assertEquals(List.of("one", "partial", "three"), got, "no marker ever reaches the sink");
        } finally {
            p.close();
        }
    }

    @Test
    void aMarkerIsFoundWhereAnOverLongLineIsCutAndStepBytesLikeItsStartStayTheStep() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Pipe p = Pipe.open(sys, "test");
        try (Fd marker = new Fd(sys, sys.dupAtLeast(p.write().number(), 10))) {
            OutputPump pump = OutputPump.start(new LineReader(sys, p.read().number(), 8), p.read(), marker,
                    got::add, "test-pump");
            // NULs and the marker's own prefix in the step's output are the step's.
            p.write().write("abcdef\0nsbox-drain-x\0g".getBytes(StandardCharsets.UTF_8), "write(test)");
            pump.drain();
            String all = String.join("", got);
            assertEquals("abcdef\0nsbox-drain-x\0g", all);
            for (String piece : got) {
                assertTrue(piece.getBytes(StandardCharsets.UTF_8).length <= 8, "piece " + piece);
            }
        } finally {
            p.close();
        }
    }

    @Test
    void drainAfterThePumpStoppedReturnsAtOnce() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Pipe p = Pipe.open(sys, "test");
        Fd marker = new Fd(sys, sys.dupAtLeast(p.write().number(), 10));
        try {
            OutputPump pump = OutputPump.start(sys, p.read(), marker, got::add, "test-pump");
            p.write().write("one\ntwo".getBytes(StandardCharsets.UTF_8), "write(test)");
            p.write().close();
            marker.close();
            pump.thread().join();
            long t0 = System.nanoTime();
            pump.drain();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of("one", "two"), got);
            assertFalse(pump.thread().isAlive());
            // Loose for a loaded machine, far under the 5 s a drain would wait for a marker.
            assertTrue(ms < 2000, "drain took " + ms + " ms");
        } finally {
            p.close();
        }
    }
}
