package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader of the steps' output keeps its memory bounded whatever a step writes, and never
 * splits a character. Against real pipes of this process (no privilege needed).
 */
@Timeout(60)
class LineReaderTest {

    private final Sys sys = Sys.get();

    /** Writes {@code bytes} into a fresh pipe from a thread of its own and reads it back with {@code maxLine}. */
    private List<String> read(byte[] bytes, int maxLine, List<LineReader> reader) throws Exception {
        try (Pipe p = Pipe.open(sys, "test")) {
            Thread writer = new Thread(() -> {
                try {
                    p.write().write(bytes, "write(test)");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    p.write().close();
                }
            });
            writer.start();
            LineReader lines = new LineReader(sys, p.read().number(), maxLine);
            reader.add(lines);
            List<String> out = new ArrayList<>();
            for (String l = lines.next(); l != null; l = lines.next()) {
                out.add(l);
            }
            writer.join();
            return out;
        }
    }

    @Test
    void aLineOfManyMegabytesComesInBoundedPiecesThatKeepEveryCharacter() throws Exception {
        // 1, 2, 3 and 4 bytes a character, so that the 64 KiB cuts land inside characters.
        StringBuilder line = new StringBuilder();
        while (line.length() < 6_000_000) {
            line.append("a\u00e9\u20ac\ud83d\ude00");
        }
        String text = line + "\nnext\n";
        List<LineReader> reader = new ArrayList<>();
        List<String> pieces = read(text.getBytes(StandardCharsets.UTF_8), StepIO.MAX_LINE, reader);

        assertEquals(StepIO.MAX_LINE, reader.get(0).capacity());
        assertEquals("next", pieces.get(pieces.size() - 1));
        List<String> long_ = pieces.subList(0, pieces.size() - 1);
        assertTrue(long_.size() > 100, "pieces: " + long_.size());
        for (int i = 0; i < long_.size(); i++) {
            String piece = long_.get(i);
            int bytes = piece.getBytes(StandardCharsets.UTF_8).length;
            // Full but for the bytes of a character that did not fit; the last holds the rest.
            assertTrue(bytes <= StepIO.MAX_LINE && (bytes > StepIO.MAX_LINE - 4 || i == long_.size() - 1),
                    "piece " + i + " has " + bytes + " bytes");
            assertTrue(!piece.contains("\ufffd"), "a character was cut");
        }
        assertEquals(line.toString(), String.join("", long_));
    }

    @Test
    void aCutFallsBeforeACharacterWhoseBytesAreNotAllThere() throws Exception {
        // "aaa" then the euro sign's three bytes: four bytes hold "aaa" and its first byte only.
        assertEquals(List.of("aaa", "\u20ac"), read("aaa\u20ac".getBytes(StandardCharsets.UTF_8), 4, new ArrayList<>()));
        assertEquals(List.of("aaaa", "b"), read("aaaab\n".getBytes(StandardCharsets.UTF_8), 4, new ArrayList<>()));
    }

    @Test
    void aCutFallsBeforeACarriageReturnSoThatCrLfStaysTogether() throws Exception {
        assertEquals(List.of("abc", "\rx"), read("abc\rx\n".getBytes(StandardCharsets.UTF_8), 4, new ArrayList<>()));
        assertEquals(List.of("abc\r", "d\r"), read("abc\r\nd\r\n".getBytes(StandardCharsets.UTF_8), 4, new ArrayList<>()));
    }

    @Test
    void aLastLineWithoutNewlineIsDeliveredAtEndOfFile() throws Exception {
        assertEquals(List.of("one", "", "two"), read("one\n\ntwo".getBytes(StandardCharsets.UTF_8), 64, new ArrayList<>()));
    }
}
