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
 * when the reader waits on an empty pipe, and when the pipe is at end of file (the supervisor is
 * gone, as after a cancellation). Before, a pipe at end of file was polled 5000 times, 5.5 s a
 * pump, so that a cancelled run took 12 s instead of about 1.
 */
@Timeout(60)
class OutputPumpTest {

    private final Sys sys = Sys.get();

    @Test
    void drainAtEndOfFileReturnsOnceTheLastLineIsDelivered() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Pipe p = Pipe.open(sys, "test");
        try {
            OutputPump pump = OutputPump.start(sys, p.read(), got::add, "test-pump");
            p.write().write("one\ntwo".getBytes(StandardCharsets.UTF_8), "write(test)");
            p.write().close();
            long t0 = System.nanoTime();
            pump.drain(sys);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of("one", "two"), got);
            assertFalse(pump.thread().isAlive(), "drain returned while the pump still runs");
            // Structure first (the thread has ended and delivered everything); the bound is
            // loose for a loaded machine and far under the 5.5 s the old loop spun.
            assertTrue(ms < 2000, "drain took " + ms + " ms");
        } finally {
            p.close();
        }
    }

    @Test
    void drainOfAnOpenPipeDeliversTheUnfinishedLastLine() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Pipe p = Pipe.open(sys, "test");
        try {
            OutputPump pump = OutputPump.start(sys, p.read(), got::add, "test-pump");
            p.write().write("one\npartial".getBytes(StandardCharsets.UTF_8), "write(test)");
            pump.drain(sys);
            assertEquals(List.of("one", "partial"), got);
            assertTrue(pump.thread().isAlive(), "the pump keeps reading for the next step");
            p.write().write("three\n".getBytes(StandardCharsets.UTF_8), "write(test)");
            p.write().close();
            pump.thread().join();
            assertEquals(List.of("one", "partial", "three"), got);
        } finally {
            p.close();
        }
    }
}
