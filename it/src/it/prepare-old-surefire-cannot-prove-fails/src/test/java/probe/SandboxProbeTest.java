package probe;

import org.junit.Test;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/** JUnit 4, through Surefire's junit4 provider; passes only inside nsbox:prepare's sandbox. */
public class SandboxProbeTest {

    private static final Path BASEDIR = Path.of(System.getProperty("user.dir"));

    @Test
    public void hostnameIsTheSandboxs() throws Exception {
        assertEquals("nsbox-tests", InetAddress.getLocalHost().getHostName());
    }

    @Test
    public void theOnlyNetworkInterfaceIsLoopback() throws Exception {
        List<String> names = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .map(NetworkInterface::getName).collect(Collectors.toList());
        assertEquals(List.of("lo"), names);
    }

    @Test
    public void theProjectOutsideTargetIsReadOnlyAndTargetIsWritable() throws Exception {
        assertThrows(FileSystemException.class, () -> Files.writeString(BASEDIR.resolve("escaped.txt"), "x"));
        Files.writeString(BASEDIR.resolve("target/written-by-a-test.txt"), "ok");
    }

    @Test
    public void noCapabilities() throws Exception {
        assertTrue(Files.readString(Path.of("/proc/self/status")).contains("CapEff:\t0000000000000000"));
    }
}
