package dev.nsbox.host;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LiveHostTest {

    @Test
    void aStepNeverInheritsTheMarkersOfNsboxsOwnRelaunch() {
        LiveHost host = new LiveHost(Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/u",
                UserNamespaces.MARKER, "0:0", UserNamespaces.RELAUNCHED_BY, "4242"), "/");

        assertEquals(Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/u"), host.environment());
    }
}
