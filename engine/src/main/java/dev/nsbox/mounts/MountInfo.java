package dev.nsbox.mounts;

import java.util.List;
import java.util.Objects;

/**
 * One line of {@code /proc/<pid>/mountinfo} (proc(5), "/proc/pid/mountinfo";
 * Documentation/filesystems/proc.rst, 3.5):
 *
 * <pre>
 * 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)    (10)         (11)
 * </pre>
 *
 * <p>Immutable. Paths and strings are decoded: the kernel writes a space, tab, newline and
 * backslash inside a field as {@code \040}, {@code \011}, {@code \012}, {@code \134}.
 *
 * @param id             the mount ID (1), unique within the system while the mount exists
 * @param parentId       the parent's mount ID (2); a namespace's root names itself or a mount
 *                       outside the process's root
 * @param major          (3) the device's major number
 * @param minor          (3) the device's minor number
 * @param root           (4) the directory of the filesystem that forms this mount's root
 * @param mountPoint     (5) where it is mounted, relative to the process's root
 * @param options        (6) per-mount options ({@code rw}, {@code nosuid}, ...)
 * @param optionalFields (7) every optional field, in order, including ones this class does not
 *                       know ({@code shared:N}, {@code master:N}, {@code propagate_from:N},
 *                       {@code unbindable})
 * @param fsType         (9) the filesystem type ({@code proc}, {@code tmpfs}, {@code fuse.sshfs})
 * @param source         (10) the mount source ({@code /dev/sda1}, {@code proc}, {@code none})
 * @param superOptions   (11) per-superblock options, as one comma-separated string
 */
public record MountInfo(int id, int parentId, int major, int minor, String root, String mountPoint,
                        List<String> options, List<String> optionalFields, String fsType, String source,
                        String superOptions) {

    public MountInfo {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(mountPoint, "mountPoint");
        Objects.requireNonNull(fsType, "fsType");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(superOptions, "superOptions");
        options = List.copyOf(options);
        optionalFields = List.copyOf(optionalFields);
    }

    /** The peer group this mount belongs to ({@code shared:N}), or 0 when it is not shared. */
    public int sharedGroup() {
        return numericField("shared:");
    }

    /** The peer group this mount is a slave of ({@code master:N}), or 0 when it is not a slave. */
    public int masterGroup() {
        return numericField("master:");
    }

    /**
     * The closest dominating peer group visible under the process's root
     * ({@code propagate_from:N}, shown only for a slave whose master is not visible), or 0.
     */
    public int propagateFrom() {
        return numericField("propagate_from:");
    }

    /** Whether the mount is unbindable (the {@code unbindable} optional field). */
    public boolean unbindable() {
        return optionalFields.contains("unbindable");
    }

    /** Whether the mount itself is read-only ({@code ro} in the per-mount options). */
    public boolean readOnly() {
        return options.contains("ro");
    }

    /** {@code major:minor}, as mountinfo prints it. */
    public String device() {
        return major + ":" + minor;
    }

    /**
     * The propagation type in mount(8)'s words: {@code shared}, {@code slave},
     * {@code shared,slave} (both), {@code unbindable} or {@code private}
     * (sharedsubtree.rst, section 2).
     */
    public String propagation() {
        boolean shared = sharedGroup() != 0;
        boolean slave = masterGroup() != 0;
        if (shared && slave) {
            return "shared,slave";
        }
        if (shared) {
            return "shared";
        }
        if (slave) {
            return "slave";
        }
        return unbindable() ? "unbindable" : "private";
    }

    /**
     * The optional fields about propagation, as mountinfo prints them
     * ({@code shared:1 master:3}), or {@code private}.
     */
    public String propagationFields() {
        List<String> p = optionalFields.stream()
                .filter(f -> f.startsWith("shared:") || f.startsWith("master:") || f.startsWith("propagate_from:")
                        || f.equals("unbindable"))
                .toList();
        return p.isEmpty() ? "private" : String.join(" ", p);
    }

    /** The line as the kernel prints it, with fields escaped again. */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append(' ').append(parentId).append(' ').append(major).append(':').append(minor).append(' ')
                .append(escape(root)).append(' ').append(escape(mountPoint)).append(' ')
                .append(escape(String.join(",", options)));
        for (String f : optionalFields) {
            sb.append(' ').append(escape(f));
        }
        sb.append(" - ").append(escape(fsType)).append(' ').append(escape(source)).append(' ')
                .append(escape(superOptions));
        return sb.toString();
    }

    /** {@code proc on /proc}, as a person reads it. */
    public String describe() {
        return fsType + " on " + mountPoint;
    }

    @Override
    public String toString() {
        return toLine();
    }

    private int numericField(String prefix) {
        for (String f : optionalFields) {
            if (f.startsWith(prefix)) {
                try {
                    return Integer.parseInt(f.substring(prefix.length()));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /**
     * Decodes the kernel's octal escapes ({@code \040} space, {@code \011} tab, {@code \012}
     * newline, {@code \134} backslash; fs/proc_namespace.c uses {@code mangle()} and
     * {@code seq_path_root()} with the set " \t\n\\"). Any other three-digit octal escape is
     * decoded too; a backslash not followed by three octal digits is kept as it is.
     */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The reverse of {@link #unescape}: space, tab, newline and backslash as octal escapes. */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ' ' -> sb.append("\\040");
                case '\t' -> sb.append("\\011");
                case '\n' -> sb.append("\\012");
                case '\\' -> sb.append("\\134");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
