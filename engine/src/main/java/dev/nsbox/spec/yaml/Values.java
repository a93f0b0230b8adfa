package dev.nsbox.spec.yaml;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readers for the value formats of the spec language (sizes, durations, modes, paths, names)
 * and the did-you-mean search for misspelt keys. Each reader returns the value or throws
 * {@link IllegalArgumentException} whose message completes "PATH must be ...".
 *
 * <p>Stateless; never touches the file system (paths are checked as text only).
 */
public final class Values {

    private Values() {
    }

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** RFC 1123 labels separated by dots. */
    static final Pattern HOSTNAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    /** HOST_NAME_MAX of Linux, which sethostname(2) enforces. */
    static final int HOSTNAME_MAX = 64;

    private static final Pattern SIZE = Pattern.compile("([0-9]+)([kKmMgG]?)");
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)(ms|h|m|s)");
    private static final List<String> DURATION_UNITS = List.of("h", "m", "s", "ms");

    /**
     * {@code 64k}, {@code 64m}, {@code 2g} (powers of 1024, either case) or a number of bytes.
     * Zero is refused: tmpfs reads {@code size=0} as "no limit", the opposite of what it says.
     */
    public static long size(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("a size such as 64k, 64m, 2g or a number of bytes, got \"" + s + "\"");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a size that fits in 64 bits, got \"" + s + "\"");
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("a size that fits in 64 bits, got \"" + s + "\"");
        }
        if (n == 0) {
            throw new IllegalArgumentException("at least 1 byte (tmpfs reads size 0 as no limit), got \"" + s + "\"");
        }
        return n << shift;
    }

    /**
     * The longest duration accepted: 365 days, written {@code 8760h}. A step that runs for a
     * year is a mistake, and the bound keeps every use of a duration in range: a deadline of
     * {@code System.nanoTime()} plus the duration in nanoseconds (a long holds 292 years of
     * them, less the clock's own value) and milliseconds for {@code poll(2)} and the plan.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    /**
     * {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or parts of those in the order
     * h, m, s, ms, each at most once ({@code 1h30m}, {@code 1m30s}). A bare number is refused:
     * it would be unclear whether it means seconds or milliseconds. Zero is refused, and so is
     * anything longer than {@link #MAX_DURATION}.
     */
    public static Duration duration(String s) {
        Matcher m = DURATION_PART.matcher(s);
        long millis = 0;
        int pos = 0;
        int lastUnit = -1;
        String expected = "a duration such as 500ms, 30s, 10m, 1h or 1m30s, got \"" + s + "\"";
        String tooLong = "at most 8760h (365 days), got \"" + s + "\"";
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException(expected);
            }
            int unit = DURATION_UNITS.indexOf(m.group(2));
            if (unit <= lastUnit) {
                throw new IllegalArgumentException(expected);
            }
            lastUnit = unit;
            long scale = switch (m.group(2)) {
                case "h" -> 3_600_000L;
                case "m" -> 60_000L;
                case "s" -> 1_000L;
                default -> 1L;
            };
            // Digits beyond what a long holds, and any part past the bound, are too long: each
            // part is at most MAX_DURATION in milliseconds, so the sum cannot overflow.
            String digits = m.group(1);
            if (digits.replaceFirst("^0+(?=.)", "").length() > 18) {
                throw new IllegalArgumentException(tooLong);
            }
            long n = Long.parseLong(digits);
            if (n > MAX_DURATION.toMillis() / scale) {
                throw new IllegalArgumentException(tooLong);
            }
            millis += n * scale;
            pos = m.end();
        }
        if (lastUnit < 0) {
            throw new IllegalArgumentException(expected);
        }
        if (millis == 0) {
            throw new IllegalArgumentException("longer than zero, got \"" + s + "\"");
        }
        if (millis > MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException(tooLong);
        }
        return Duration.ofMillis(millis);
    }

    /**
     * Permission bits read as octal digits, the way chmod(1) reads them, whether or not the YAML
     * quoted them: {@code "1777"}, {@code 0755} and {@code 755} all mean {@code 0755}; YAML 1.2's
     * own {@code 0o755} is accepted too. At most {@code 07777}.
     */
    public static int mode(String s) {
        String digits = s.startsWith("0o") ? s.substring(2) : s;
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '7')) {
            throw new IllegalArgumentException("octal permission bits such as \"0755\" or \"1777\", got \"" + s + "\"");
        }
        int mode = Integer.parseInt(digits, 8);
        if (mode > 07777) {
            throw new IllegalArgumentException("at most 7777 (octal), got \"" + s + "\"");
        }
        return mode;
    }

    /**
     * Checks a path as written (after variables) and returns it absolute and normalised:
     * relative paths are resolved against {@code baseDir} when {@code relativeAllowed}.
     * Refuses what would make a path mean something other than it says: empty, NUL, {@code ..}
     * or {@code .} components (a leading {@code ./} of a relative path is fine), {@code //},
     * and a trailing slash other than {@code /} itself.
     *
     * @param baseDir absolute folder of the spec file
     */
    public static String path(String s, boolean relativeAllowed, String baseDir) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("a path, got an empty string");
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a path without NUL bytes, got \"" + printable(s) + "\"");
        }
        boolean absolute = s.startsWith("/");
        if (!absolute && !relativeAllowed) {
            throw new IllegalArgumentException("an absolute path, got \"" + s + "\"");
        }
        if (s.equals("/")) {
            return s;
        }
        String rest = s;
        if (!absolute) {
            if (rest.equals(".")) {
                return baseDir;
            }
            if (rest.startsWith("./")) {
                rest = rest.substring(2);
            }
        } else {
            rest = rest.substring(1);
        }
        if (rest.endsWith("/")) {
            throw new IllegalArgumentException("a path without a trailing slash, got \"" + s + "\"");
        }
        for (String part : rest.split("/", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("a path without empty components (//), got \"" + s + "\"");
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("a path without .. components, got \"" + s + "\"");
            }
            if (part.equals(".")) {
                throw new IllegalArgumentException("a path without . components, got \"" + s + "\"");
            }
        }
        if (absolute) {
            return s;
        }
        return Path.of(baseDir).resolve(rest).toString();
    }

    /** {@code s} with control characters shown as {@code \0}, {@code \n} or {@code \xNN}. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                sb.append("\\0");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The candidate closest to {@code word} by edit distance (ignoring case), when it is close
     * enough to be a likely typo: at most 1 edit for short words, 2 for longer ones.
     */
    static String didYouMean(String word, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.max(1, Math.min(2, word.length() / 3));
        for (String c : candidates) {
            int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d <= limit && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Optimal string alignment distance: Levenshtein plus transposition of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
