package probe;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test JVM runs as root inside a user namespace that maps only the build's user. */
class MappedUserTest {

    @Test
    void rootInsideIsTheBuildsUserOutside() throws Exception {
        String[] map = Files.readString(Path.of("/proc/self/uid_map")).trim().split("\\s+");
        assertEquals(3, map.length, String.join(" ", map));
        assertEquals("0", map[0]);
        assertTrue(!map[1].equals("0"), "the build's user outside is not root: " + String.join(" ", map));
        assertEquals("1", map[2]);
        assertTrue(Files.readString(Path.of("/proc/self/status")).contains("CapEff:\t0000000000000000"));
        // verify.groovy checks that the build's user owns it outside.
        Files.writeString(Path.of("target", "written-by-the-test-jvm.txt"), "sandboxed\n");
    }
}
