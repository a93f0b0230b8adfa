package dev.nsbox.spec.yaml;

import java.util.ArrayDeque;
import java.util.regex.Pattern;

/**
 * Quotes a variable's value for the place in a {@code shell:} line where its reference stands,
 * so that the value is one word of data and never shell code (the script injection CI systems
 * suffer when a value comes from, say, a pull request's title).
 *
 * <p>The line is fed to it as the shell will read it (the text before each reference, with the
 * earlier references already quoted), and it tracks the quoting of POSIX sh (XCU 2.2): outside
 * quotes a value is single-quoted, {@code '} written {@code '\''}; inside {@code "..."} the four
 * characters special there ({@code $ ` \ "}) get a backslash; inside {@code '...'} a value
 * without {@code '} is left as it is. Where this tracker does not follow the shell (after a
 * here-document's {@code <<}, in backquotes, in the shell's own {@code ${...}}, in a comment, or
 * right after a {@code \} or {@code $}) it gives up for the rest of the line, and only values
 * made of characters that mean nothing to a shell in any context pass there.
 *
 * <p>One instance per shell line; not thread-safe.
 */
final class ShellQuoting {

    /** Characters that are data in every context of a shell line: no quote, space, {@code =} or {@code ~}. */
    private static final Pattern INERT = Pattern.compile("[A-Za-z0-9_@%+:,./-]*");

    private enum Mode { UNQUOTED, DOUBLE, SINGLE }

    /** One level of quoting; {@code parens} and {@code substitution} only for unquoted text. */
    private static final class Frame {
        final Mode mode;
        final boolean substitution;
        int parens;

        Frame(Mode mode, boolean substitution) {
            this.mode = mode;
            this.substitution = substitution;
        }
    }

    private final ArrayDeque<Frame> frames = new ArrayDeque<>();
    private boolean lost;
    private boolean comment;
    private boolean escaped;
    private boolean dollar;
    private boolean less;
    private char previous = ' ';

    ShellQuoting() {
        frames.push(new Frame(Mode.UNQUOTED, false));
    }

    /** Reads {@code text} as the shell would, up to where the next reference stands. */
    void feed(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            feed(text.charAt(i));
        }
    }

    private void feed(char c) {
        if (lost) {
            return;
        }
        boolean wasEscaped = escaped;
        boolean wasDollar = dollar;
        boolean wasLess = less;
        escaped = false;
        dollar = false;
        less = false;
        char before = previous;
        previous = c;
        if (comment) {
            comment = c != '\n';
            return;
        }
        Frame f = frames.peek();
        if (wasEscaped || f.mode == Mode.SINGLE) {
            if (!wasEscaped && c == '\'') {
                frames.pop();
            }
            return;
        }
        if (f.mode == Mode.DOUBLE) {
            switch (c) {
                case '\\' -> escaped = true;
                case '"' -> frames.pop();
                case '$' -> dollar = true;
                case '`' -> lost = true;
                case '(' -> {
                    if (wasDollar) {
                        frames.push(new Frame(Mode.UNQUOTED, true));
                    }
                }
                case '{' -> lost = wasDollar;
                default -> {
                }
            }
            return;
        }
        switch (c) {
            case '\\' -> escaped = true;
            case '\'' -> frames.push(new Frame(Mode.SINGLE, false));
            case '"' -> frames.push(new Frame(Mode.DOUBLE, false));
            case '$' -> dollar = true;
            case '`' -> lost = true;
            case '{' -> lost = wasDollar;
            case '<' -> {
                lost = wasLess; // a here-document's body follows, read by other rules
                less = true;
            }
            case '(' -> {
                if (wasDollar) {
                    frames.push(new Frame(Mode.UNQUOTED, true));
                } else {
                    f.parens++;
                }
            }
            case ')' -> {
                if (f.parens > 0) {
                    f.parens--;
                } else if (f.substitution) {
                    frames.pop();
                }
            }
            case '#' -> comment = Character.isWhitespace(before) || ";&|()".indexOf(before) >= 0;
            default -> {
            }
        }
    }

    /**
     * {@code value} as the shell must read it where the line fed so far ends, or {@code null}
     * when it cannot stand there as data (then {@link #why} says why).
     */
    String quote(String value) {
        if (INERT.matcher(value).matches() && !value.isEmpty()) {
            return value;
        }
        Mode mode = lost || comment || escaped || dollar ? null : frames.peek().mode;
        if (mode == Mode.UNQUOTED) {
            return "'" + value.replace("'", "'\\''") + "'";
        }
        if (mode == Mode.DOUBLE) {
            return value.replaceAll("([$`\\\\\"])", "\\\\$1");
        }
        if (mode == Mode.SINGLE && value.indexOf('\'') < 0) {
            return value;
        }
        return value.isEmpty() && mode == null ? value : null;
    }

    /** Why {@link #quote} refused the value it was last given. */
    String why() {
        if (!lost && !comment && !escaped && !dollar && frames.peek().mode == Mode.SINGLE) {
            return "its value holds a ' that would end the '...' the reference is written in";
        }
        return "its value holds characters a shell may read as code, and nsbox cannot tell how to quote it "
                + "here (in a here-document, backquotes, a comment, the shell's own ${...}, or after \\ or $)";
    }
}
