package dev.nsbox.exec;

import dev.nsbox.exec.HelperProtocol.Message;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The helper JVM's frames: the type bytes on the wire, and a frame read back as written. */
class HelperProtocolTest {

    @Test
    void everyMessageHasItsOwnByteOnTheWire() {
        // A helper and a caller of different builds of this file must still agree on these.
        assertEquals("HPKCLAWOETSFR", Arrays.stream(Message.values()).map(m -> String.valueOf((char) m.code))
                .collect(Collectors.joining()));
        for (Message m : Message.values()) {
            assertEquals(m, Message.of(m.code));
        }
        assertNull(Message.of((byte) 'X'));
    }

    @Test
    void aFrameIsTheTypeByteTheIdAndTheValue() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        HelperProtocol.write(new DataOutputStream(buf), Message.TRACE, 7, "mount(...)");
        byte[] bytes = buf.toByteArray();
        assertEquals('T', bytes[0]);
        assertEquals(7, bytes[4]);
        HelperProtocol.Frame f = HelperProtocol.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertEquals(Message.TRACE, f.message());
        assertEquals(7, f.id());
        assertEquals("mount(...)", f.value());
    }
}
