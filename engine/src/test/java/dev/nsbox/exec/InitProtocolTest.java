package dev.nsbox.exec;

import dev.nsbox.plan.Expectation;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.Propagation;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

import static dev.nsbox.exec.TestPlans.at;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pure parts of the executor: the supervisor protocol, mountinfo, verification, the host diff. */
class InitProtocolTest {

    @Test
    void runCommandIsFramedWithItsLengthAndFieldsInOrder() {
        StepLaunch s = new StepLaunch("t", List.of("echo", "hi"), List.of("A=1"), "/w", Duration.ofSeconds(2),
                at(1, "steps[0]"));
        ByteBuffer b = ByteBuffer.wrap(InitProtocol.run(s, true, true, Duration.ofMillis(500))).order(ByteOrder.nativeOrder());
        assertEquals(b.capacity() - 4, b.getInt());
        assertEquals('R', b.get());
        assertEquals(2000, b.getLong());
        assertEquals(500, b.getLong());
        assertEquals(1 | 2, b.get(), "flags: no_new_privs, drop capabilities");
        assertEquals("/w", str(b));
        assertEquals(2, b.getInt());
        assertEquals("echo", str(b));
        assertEquals("hi", str(b));
        assertEquals(1, b.getInt());
        assertEquals("A=1", str(b));
        assertEquals(0, b.remaining());
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
