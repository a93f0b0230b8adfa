package dev.nsbox.exec;

import dev.nsbox.plan.Expectation;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.Propagation;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import static dev.nsbox.exec.TestPlans.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pure parts of the executor: the supervisor protocol, mountinfo, verification, the host diff. */
class InitProtocolTest {

    @Test
    void runCommandIsFramedWithItsLengthAndFieldsInOrder() {
        StepLaunch s = new StepLaunch("t", List.of("echo", "hi"), List.of("A=1"), "/w", Duration.ofSeconds(2),
                at(1, "steps[0]"));
        byte[] filter = {1, 2, 3, 4, 5, 6, 7, 8};
        StepSecurity security = new StepSecurity(true, OptionalLong.of(0x400),
                List.of(StepSecurity.Rlimit.of(StepSecurity.Resource.RLIMIT_NOFILE, 64),
                        new StepSecurity.Rlimit(StepSecurity.Resource.RLIMIT_FSIZE, 1024, StepSecurity.Rlimit.INFINITY)),
                filter);
        ByteBuffer b = ByteBuffer.wrap(InitProtocol.run(s, security, Duration.ofMillis(500))).order(ByteOrder.nativeOrder());
        assertEquals(b.capacity() - 4, b.getInt());
        assertEquals('R', b.get());
        assertEquals(2000, b.getLong());
        assertEquals(500, b.getLong());
        assertEquals(1 | 2, b.get(), "flags: no_new_privs, confine capabilities");
        assertEquals(0x400, b.getLong(), "the capability mask");
        assertEquals(2, b.getInt(), "two rlimits");
        assertEquals(7, b.getInt());
        assertEquals(64, b.getLong());
        assertEquals(64, b.getLong());
        assertEquals(1, b.getInt());
        assertEquals(1024, b.getLong());
        assertEquals(-1, b.getLong(), "RLIM_INFINITY is all ones");
        assertEquals(8, b.getInt());
        byte[] sent = new byte[8];
        b.get(sent);
        assertArrayEquals(filter, sent);
        assertEquals("/w", str(b));
        assertEquals(2, b.getInt());
        assertEquals("echo", str(b));
        assertEquals("hi", str(b));
        assertEquals(1, b.getInt());
        assertEquals("A=1", str(b));
        assertEquals(0, b.remaining());
    }

    @Test
    void unconfinedCapabilitiesClearTheFlagAndSendAZeroMask() {
        StepLaunch s = new StepLaunch("t", List.of("true"), List.of(), null, null, at(1, "steps[0]"));
        ByteBuffer b = ByteBuffer.wrap(InitProtocol.run(s, StepSecurity.basic(false, false), Duration.ZERO))
                .order(ByteOrder.nativeOrder());
        b.position(4 + 1 + 8 + 8);
        assertEquals(0, b.get(), "flags: neither no_new_privs nor confinement");
        assertEquals(0, b.getLong());
        assertEquals(0, b.getInt(), "no rlimits");
        assertEquals(0, b.getInt(), "no filter");
        assertEquals("/", str(b));
    }

    @Test
    void cgroupNamespaceCommandIsOneLetter() {
        ByteBuffer b = ByteBuffer.wrap(InitProtocol.cgroupNamespace()).order(ByteOrder.nativeOrder());
        assertEquals(1, b.getInt());
        assertEquals('C', b.get());
        assertEquals(0, b.remaining());
    }

    @Test
    void stepSecurityRefusesWhatTheKernelWould() {
        assertThrows(IllegalArgumentException.class,
                () -> new StepSecurity(true, OptionalLong.empty(), List.of(), new byte[7]), "not whole instructions");
        assertThrows(IllegalArgumentException.class, () -> new StepSecurity(true, OptionalLong.empty(), List.of(),
                new byte[8 * (StepSecurity.MAX_FILTER_INSTRUCTIONS + 1)]), "above BPF_MAXINSNS");
        assertThrows(IllegalArgumentException.class,
                () -> new StepSecurity.Rlimit(StepSecurity.Resource.RLIMIT_NOFILE, 10, 5), "soft above hard");
        // Compared unsigned: RLIM_INFINITY is the largest limit, not -1.
        new StepSecurity.Rlimit(StepSecurity.Resource.RLIMIT_NOFILE, 10, StepSecurity.Rlimit.INFINITY);
        assertThrows(IllegalArgumentException.class, () -> new StepSecurity.Rlimit(
                StepSecurity.Resource.RLIMIT_NOFILE, StepSecurity.Rlimit.INFINITY, 10));
    }

    @Test
    void stepSecurityCopiesItsFilter() {
        byte[] filter = new byte[8];
        StepSecurity s = new StepSecurity(true, OptionalLong.of(0), List.of(), filter);
        filter[0] = 9;
        s.seccompFilter()[1] = 9;
        assertArrayEquals(new byte[8], s.seccompFilter());
        assertEquals(s, new StepSecurity(true, OptionalLong.of(0), List.of(), new byte[8]));
    }

    private static String str(ByteBuffer b) {
        byte[] x = new byte[b.getInt()];
        b.get(x);
        return new String(x, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void reportsParse() {
        assertEquals(new InitProtocol.Report("exited", 3), InitProtocol.Report.parse("exited 3"));
        assertEquals(new InitProtocol.Report("timeout", 0), InitProtocol.Report.parse("timeout"));
        assertEquals(new InitProtocol.Report("error fork", 11), InitProtocol.Report.parse("error fork 11"));
    }

    private static final String TABLE = String.join("\n",
            "1 0 0:30 / / rw,relatime shared:1 - overlay overlay rw",
            "2 1 0:31 / /proc rw,nosuid - proc proc rw",
            "3 1 8:1 /src /a\\040b ro,relatime master:4 - ext4 /dev/sda1 rw",
            "4 3 0:32 / /a\\040b/sub rw - tmpfs none rw",
            "5 1 0:33 / /t rw - tmpfs none rw",
            "6 5 0:34 / /t ro - tmpfs none rw",
            "");

    @Test
    void mountinfoIsParsedAndUnescaped() {
        List<MountEntry> t = MountEntry.parse(TABLE);
        assertEquals(6, t.size());
        assertEquals("/a b", t.get(2).mountPoint());
        assertEquals(Propagation.Kind.SLAVE, t.get(2).propagation());
        assertEquals(Propagation.Kind.SHARED, t.get(0).propagation());
        assertEquals(Propagation.Kind.PRIVATE, t.get(1).propagation());
        assertEquals(6, Verifier.topmost(t, "/t").id());
    }

    @Test
    void verificationNamesEveryMismatch() {
        List<MountEntry> t = MountEntry.parse(TABLE);
        List<String> problems = Verifier.check(List.of(
                new Expectation("mounts[0]", "/a b", null, true, true, null, at(3, "mounts[0]")),
                new Expectation("mounts[1]", "/proc", "tmpfs", false, false, null, at(4, "mounts[1]")),
                new Expectation("mounts[2]", "/t", "tmpfs", true, false, Propagation.Kind.PRIVATE, at(5, "mounts[2]")),
                new Expectation("mounts[3]", "/missing", null, false, false, null, at(6, "mounts[3]")),
                new Expectation("propagation", "/", null, false, false, Propagation.Kind.PRIVATE, at(7, "propagation"))),
                t);
        assertEquals(List.of(
                "test.yaml:3:5: error: mounts[0]: submount /a b/sub (tmpfs) of /a b is writable inside the sandbox, expected read-only",
                "test.yaml:4:5: error: mounts[1]: /proc is proc inside the sandbox, expected tmpfs",
                "test.yaml:6:5: error: mounts[3]: nothing is mounted on /missing inside the sandbox, though set-up succeeded",
                "test.yaml:7:5: error: propagation: / has propagation shared inside the sandbox, expected private"),
                problems);
    }

    @Test
    void aWritableMountTheSpecPutsInsideAReadOnlyTreeIsNotAMismatch() {
        List<MountEntry> t = MountEntry.parse(TABLE);
        assertEquals(List.of(), Verifier.check(List.of(
                new Expectation("mounts[0]", "/a b", null, true, true, null, at(3, "mounts[0]")),
                new Expectation("mounts[1]", "/a b/sub", "tmpfs", false, false, null, at(4, "mounts[1]"))), t));
    }
}
