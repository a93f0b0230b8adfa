package probe;

import org.junit.jupiter.api.Test;

import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passes only in the test spec's sandbox (one of several forks). */
class Sandboxed3Test {

    @Test
    void onlyLoopbackAndNoCapabilities() throws Exception {
        List<String> names = NetworkInterface.networkInterfaces().map(NetworkInterface::getName)
                .collect(Collectors.toList());
        assertEquals(List.of("lo"), names);
        assertTrue(Files.readString(Path.of("/proc/self/status")).contains("CapEff:\t0000000000000000"));
        assertTrue(ProcessHandle.current().pid() < 100);
    }
}
