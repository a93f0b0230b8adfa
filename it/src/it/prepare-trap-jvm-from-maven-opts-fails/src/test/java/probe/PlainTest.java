package probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Passes anywhere. */
class PlainTest {

    @Test
    void adds() {
        assertEquals(2, 1 + 1);
    }
}
