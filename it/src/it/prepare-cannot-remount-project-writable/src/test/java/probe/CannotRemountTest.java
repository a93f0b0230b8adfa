package probe;

import org.junit.jupiter.api.Test;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test JVM runs as root, yet cannot make the read-only project writable again. */
class CannotRemountTest {

    private static final Path BASEDIR = Path.of(System.getProperty("user.dir"));

    @Test
    void remountingTheRootWritableIsRefusedAndTheProjectStaysReadOnly() throws Exception {
        assertTrue(Files.readString(Path.of("/proc/self/status")).contains("Uid:\t0\t"), "runs as root");
        Process p = new ProcessBuilder("mount", "-o", "remount,bind,rw", "/").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        System.out.println("[remount] exit " + code + ": " + out.trim());
        assertNotEquals(0, code, out);
        assertTrue(out.contains("permission denied"), out);
        assertThrows(FileSystemException.class, () -> Files.writeString(BASEDIR.resolve("escaped.txt"), "x"));
    }
}
