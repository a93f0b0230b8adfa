package probe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passes only inside nsbox:prepare's sandbox; each test names what it probes. */
class SandboxProbeTest {

    private static final Path BASEDIR = Path.of(System.getProperty("user.dir"));

    @Test
    void hostnameIsTheSandboxs() throws Exception {
        InetAddress self = InetAddress.getLocalHost();
        assertEquals("nsbox-tests", self.getHostName());
        assertTrue(self.isLoopbackAddress(), self.toString());
    }

    @Test
    void theOnlyNetworkInterfaceIsLoopback() throws Exception {
        List<String> names = NetworkInterface.networkInterfaces().map(NetworkInterface::getName)
                .collect(Collectors.toList());
        assertEquals(List.of("lo"), names);
    }

    @Test
    void aListenerOnTheHostsLoopbackIsUnreachable() throws Exception {
        int port = Integer.parseInt(Files.readString(BASEDIR.resolve("listener.port")).trim());
        try (Socket s = new Socket()) {
            assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", port), 2000));
        }
    }

    @Test
    void theProjectOutsideTargetIsReadOnly() {
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> Files.writeString(BASEDIR.resolve("written-by-a-test.txt"), "escaped"));
        assertTrue(e.getMessage().contains("Read-only file system") || e instanceof AccessDeniedException,
                e.toString());
    }

    @Test
    void targetAndTmpAreWritable() throws IOException {
        Files.writeString(BASEDIR.resolve("target/written-by-a-test.txt"), "ok");
        Path tmp = Files.createTempFile("probe", ".txt");
        Files.writeString(tmp, "ok");
        // /tmp is the sandbox's own tmpfs: the host's /tmp never sees this file.
        assertTrue(Files.lines(Path.of("/proc/self/mountinfo")).anyMatch(l -> l.contains(" /tmp ") && l.contains("tmpfs")));
    }

    @Test
    void theTestJvmIsPid2OrAboveOfItsOwnPidNamespaceAndHasNoCapabilities() throws IOException {
        long pid = ProcessHandle.current().pid();
        assertTrue(pid < 100, "pid " + pid + " is not one of a fresh PID namespace");
        String status = Files.readString(Path.of("/proc/self/status"));
        assertTrue(status.contains("CapEff:\t0000000000000000"), status);
    }

    @Test
    void javaHomeIsTheRealJdkNotTheWrapper() {
        String javaHome = System.getenv("JAVA_HOME");
        assertTrue(javaHome != null && Files.isExecutable(Path.of(javaHome, "bin/java"))
                && !javaHome.contains("nsbox-jvm"), String.valueOf(javaHome));
    }
}
