package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Origin;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of one document, to place a problem inside a scalar: a mark only says where the
 * scalar starts, while a variable's problem is reported where its {@code ${} is.
 *
 * <p>One instance per document; the code-point table is built on first need and kept.
 */
final class SourceText {

    private final String file;
    private final String text;
    private final boolean hasSurrogates;
    private int[] codePointToChar;

    SourceText(String file, String text) {
        this.file = file;
        this.text = text;
        this.hasSurrogates = text.chars().anyMatch(c -> Character.isSurrogate((char) c));
    }

    /**
     * Where each {@code ${} of a scalar is in the source, in order: found by scanning the
     * scalar's raw text (between its marks) the same way expansion scans its value, which holds
     * for every style since YAML quoting and folding never create or remove a {@code ${}. One
     * pass over the scalar, however many references it holds. Empty when the marks are missing.
     */
    List<Origin> variableOrigins(ScalarNode s, String path) {
        Mark from = s.getStartMark().orElse(null);
        Mark to = s.getEndMark().orElse(null);
        if (from == null || to == null) {
            return List.of();
        }
        int begin = charIndex(from.getIndex());
        String raw = text.substring(begin, Math.max(begin, charIndex(to.getIndex())));
        List<Origin> origins = new ArrayList<>();
        int line = from.getLine() + 1;
        int column = from.getColumn() + 1;
        int i = 0;
        for (int offset : Variables.starts(raw)) {
            for (; i < offset; i++) {
                char c = raw.charAt(i);
                if (c == '\n') {
                    line++;
                    column = 1;
                } else if (!Character.isLowSurrogate(c)) {
                    column++;
                }
            }
            origins.add(new Origin(file, line, column, path));
        }
        return origins;
    }

    /**
     * The index in the text of a mark's index, which counts code points: the same number
     * unless the text holds characters outside the Basic Multilingual Plane.
     */
    private int charIndex(int codePointIndex) {
        if (codePointIndex >= text.length()) {
            return text.length();
        }
        if (!hasSurrogates) {
            return codePointIndex;
        }
        if (codePointToChar == null) {
            codePointToChar = new int[text.codePointCount(0, text.length()) + 1];
            int cp = 0;
            for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
                codePointToChar[cp++] = i;
            }
            codePointToChar[cp] = text.length();
        }
        return codePointToChar[Math.min(codePointIndex, codePointToChar.length - 1)];
    }
}
