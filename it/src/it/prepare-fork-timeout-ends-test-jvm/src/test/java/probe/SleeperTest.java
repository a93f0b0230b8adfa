package probe;

import org.junit.jupiter.api.Test;

/** Sleeps past the fork's timeout (15 s against 3). */
class SleeperTest {

    @Test
    void sleepsPastTheForksTimeout() throws InterruptedException {
        Thread.sleep(15_000);
    }
}
