package probe;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Passes only inside nsbox:prepare's sandbox. */
class InSandboxTest {

    @Test
    void runsInTheSandbox() throws Exception {
        assertEquals("nsbox-tests", InetAddress.getLocalHost().getHostName());
        assertThrows(FileSystemException.class,
                () -> Files.writeString(Path.of(System.getProperty("user.dir"), "escaped.txt"), "x"));
    }
}
