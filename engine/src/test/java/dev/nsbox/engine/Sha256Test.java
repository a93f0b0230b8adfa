package dev.nsbox.engine;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The plan cache's SHA-256 gives what the JDK's gives, on every length around the block edges and on random inputs. */
class Sha256Test {

    @Test
    void theStandardsExamples() {
        // FIPS 180-4's examples (NIST CSRC, "SHA256.pdf"): one block, two blocks.
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                HexFormat.of().formatHex(Sha256.digest(
                        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(Sha256.digest(new byte[0])));
    }

    @Test
    void equalsTheJdksOnEveryLengthUpToFiveBlocksAndOnRandomInputs() throws Exception {
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        for (int n = 0; n <= 5 * 64 + 1; n++) {
            byte[] data = new byte[n];
            random.nextBytes(data);
            assertArrayEquals(jdk.digest(data), Sha256.digest(data), "length " + n);
        }
        for (int i = 0; i < 500; i++) {
            byte[] data = new byte[random.nextInt(70_000)];
            random.nextBytes(data);
            assertArrayEquals(jdk.digest(data), Sha256.digest(data), "length " + data.length);
        }
    }
}
