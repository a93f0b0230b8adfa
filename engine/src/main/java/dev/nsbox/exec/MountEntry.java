package dev.nsbox.exec;

import dev.nsbox.spec.Propagation;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code /proc/PID/mountinfo} (proc(5)), as much of it as verification needs.
 * Paths are unescaped ({@code \040} is a space). A small reader of the executor's own; the
 * full model lives in {@code dev.nsbox.mounts}.
 *
 * <p>Immutable.
 */
record MountEntry(int id, int parent, String root, String mountPoint, List<String> options,
                  List<String> optionalFields, String fstype, String source) {

    static List<MountEntry> parse(String text) {
        List<MountEntry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
                throw new IllegalArgumentException("unreadable mountinfo line: " + line);
            }
            List<String> optional = new ArrayList<>();
            for (int i = 6; i < dash; i++) {
                optional.add(f[i]);
            }
            out.add(new MountEntry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[3]),
                    unescape(f[4]), List.of(f[5].split(",")), List.copyOf(optional), f[dash + 1],
                    unescape(f[dash + 2])));
        }
        return out;
    }

    boolean readOnly() {
        return options.contains("ro");
    }

    /** The propagation type the optional fields show: shared:N wins over master:N (a shared slave). */
    Propagation.Kind propagation() {
        boolean shared = false;
        boolean slave = false;
        for (String o : optionalFields) {
            if (o.startsWith("shared:")) {
                shared = true;
            } else if (o.startsWith("master:")) {
                slave = true;
            } else if (o.equals("unbindable")) {
                return Propagation.Kind.UNBINDABLE;
            }
        }
        if (shared) {
            return Propagation.Kind.SHARED;
        }
        return slave ? Propagation.Kind.SLAVE : Propagation.Kind.PRIVATE;
    }

    /** Whether {@code path} is this entry's mount point or lies below it. */
    static boolean under(String path, String top) {
        return path.equals(top) || top.equals("/") || path.startsWith(top + "/");
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                String oct = s.substring(i + 1, i + 4);
                if (oct.chars().allMatch(ch -> ch >= '0' && ch <= '7')) {
                    sb.append((char) Integer.parseInt(oct, 8));
                    i += 3;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
