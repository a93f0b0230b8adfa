package probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Fifty thousand lines on each stream: Surefire's event channel and the console under load. */
class LoudATest {

    @Test
    void writesALotThroughTheForksStreams() {
        long sum = 0;
        for (int i = 0; i < 50_000; i++) {
            System.out.println("loud-A out " + i);
            System.err.println("loud-A err " + i);
            sum += i;
        }
        assertEquals(1_249_975_000L, sum);
    }
}
