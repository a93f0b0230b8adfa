package dev.nsbox.engine;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What counts as a load that used the caller's environment. */
class RecordingVariablesTest {

    private static final Map<String, String> VARS = Map.of("basedir", "/b", "cwd", "/c", "user.home", "/h",
            "size", "1m", "env.TOKEN", "secret");

    @Test
    void theOtherVariablesAndAnUnsetNameDoNotCount() {
        RecordingVariables v = new RecordingVariables(VARS);
        for (String name : new String[] {"basedir", "cwd", "user.home", "size"}) {
            assertTrue(v.containsKey(name));
            assertEquals(VARS.get(name), v.get(name));
        }
        assertFalse(v.containsKey("env.UNSET"));
        assertNull(v.get("env.UNSET"));
        assertFalse(v.usedEnvironment());
    }

    @Test
    void aDefinedEnvironmentVariableCounts() {
        RecordingVariables v = new RecordingVariables(VARS);
        assertTrue(v.containsKey("env.TOKEN"));
        assertTrue(v.usedEnvironment());
        RecordingVariables g = new RecordingVariables(VARS);
        assertEquals("secret", g.get("env.TOKEN"));
        assertTrue(g.usedEnvironment());
    }

    @Test
    void readingTheWholeMapCounts() {
        RecordingVariables v = new RecordingVariables(VARS);
        assertEquals(VARS.keySet(), v.keySet());
        assertTrue(v.usedEnvironment());
    }
}
