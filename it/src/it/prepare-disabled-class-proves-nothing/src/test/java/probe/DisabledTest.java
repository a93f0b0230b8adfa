package probe;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.fail;

/** Disabled as a whole: no JVM runs its tests. */
@Disabled("not on this machine")
class DisabledTest {

    @Test
    void neverRuns() {
        fail("a disabled class ran");
    }

    @Test
    void neverRunsEither() {
        fail("a disabled class ran");
    }
}
