package dev.nsbox.exec;

import dev.nsbox.exec.ForkProtocol.BadRequest;
import dev.nsbox.exec.ForkProtocol.Request;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fork protocol's bytes, as nsbox-fork.c writes and reads them. */
class ForkProtocolTest {

    private static byte[] body(byte[] all) {
        return Arrays.copyOfRange(all, ForkProtocol.HEADER_BYTES, all.length);
    }

    @Test
    void aRequestSurvivesItsEncodingWithUtf8AndEmptyStrings() throws BadRequest {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("EMPTY", "");
        env.put("GRÜN", "vert=green");
        Request r = new Request(List.of("/t/nsbox-jvm/bin/java", "-jar", "", "é"), env, "/work/project");
        byte[] all = ForkProtocol.encode(r);
        assertEquals(all.length - ForkProtocol.HEADER_BYTES,
                ForkProtocol.bodyLength(Arrays.copyOf(all, ForkProtocol.HEADER_BYTES)));
        assertEquals(r, ForkProtocol.request(body(all)));
    }

    @Test
    void theHeaderIsNsf1AndABigEndianLength() throws BadRequest {
        byte[] all = ForkProtocol.encode(new Request(List.of("java"), Map.of(), "/"));
        assertArrayEquals("NSF1".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(all, 4));
        // argc 1, "java", envc 0, "/": 4 + 4 + 4 + 4 + 4 + 1
        assertArrayEquals(new byte[] {0, 0, 0, 21}, Arrays.copyOfRange(all, 4, 8));
    }

    @Test
    void anotherMagicOrAnAbsurdLengthIsRefused() {
        assertThrows(BadRequest.class, () -> ForkProtocol.bodyLength("NSF2\0\0\0\1".getBytes(StandardCharsets.US_ASCII)));
        byte[] huge = ByteBuffer.allocate(8).put("NSF1".getBytes(StandardCharsets.US_ASCII))
                .putInt(ForkProtocol.MAX_BODY + 1).array();
        assertTrue(assertThrows(BadRequest.class, () -> ForkProtocol.bodyLength(huge)).getMessage()
                .contains("at most"));
        byte[] negative = ByteBuffer.allocate(8).put("NSF1".getBytes(StandardCharsets.US_ASCII)).putInt(-1).array();
        assertThrows(BadRequest.class, () -> ForkProtocol.bodyLength(negative));
    }

    @Test
    void aTruncatedOrOverlongBodyIsRefused() {
        byte[] body = body(ForkProtocol.encode(new Request(List.of("java", "-version"), Map.of("A", "b"), "/x")));
        for (int cut = 0; cut < body.length; cut++) {
            byte[] part = Arrays.copyOf(body, cut);
            assertThrows(BadRequest.class, () -> ForkProtocol.request(part), "cut at " + cut);
        }
        byte[] longer = Arrays.copyOf(body, body.length + 1);
        assertTrue(assertThrows(BadRequest.class, () -> ForkProtocol.request(longer)).getMessage()
                .contains("after its working directory"));
    }

    @Test
    void aCountLargerThanTheBodyIsRefusedBeforeAnythingIsAllocated() {
        byte[] body = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
        assertThrows(BadRequest.class, () -> ForkProtocol.request(body));
    }

    @Test
    void noArgvZeroIsRefused() {
        byte[] body = body(ForkProtocol.encode(new Request(List.of(), Map.of(), "/")));
        assertThrows(BadRequest.class, () -> ForkProtocol.request(body));
    }

    @Test
    void environmentEntriesWithoutEqualsAreDroppedAndTheFirstOfTwoNamesCounts() throws BadRequest {
        ByteBuffer b = ByteBuffer.allocate(256);
        b.putInt(1);
        put(b, "java");
        b.putInt(4);
        put(b, "NOEQUALS");
        put(b, "A=first");
        put(b, "A=second");
        put(b, "=nameless");
        put(b, "/");
        byte[] body = Arrays.copyOf(b.array(), b.position());
        assertEquals(Map.of("A", "first"), ForkProtocol.request(body).environment());
    }

    private static void put(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putInt(bytes.length).put(bytes);
    }

    @Test
    void repliesAreTypedFrames() {
        assertArrayEquals(new byte[] {'X', 0, 0, 0, 7}, ForkProtocol.frame(ForkProtocol.EXIT, 7));
        assertArrayEquals(new byte[] {'G', 0, 0, 0, 9}, ForkProtocol.frame(ForkProtocol.KILLED, 9));
        assertArrayEquals(new byte[] {'M', 0, 0, 0, 2, 'h', 'i'}, ForkProtocol.message("hi"));
    }

    @Test
    void onlyTheFourForwardedSignalsAreAccepted() {
        for (int sig : new int[] {1, 2, 3, 15}) {
            assertEquals(sig, ForkProtocol.signal(ForkProtocol.frame(ForkProtocol.SIGNAL, sig)));
        }
        assertEquals(-1, ForkProtocol.signal(ForkProtocol.frame(ForkProtocol.SIGNAL, 9)));
        assertEquals(-1, ForkProtocol.signal(ForkProtocol.frame(ForkProtocol.SIGNAL, 19)));
        assertEquals(-1, ForkProtocol.signal(ForkProtocol.frame(ForkProtocol.EXIT, 15)));
    }
}
