package dev.nsbox.oci;

import java.util.Objects;

/**
 * One entry of the host's {@code /} as the export saw it: a bundle for {@code root: host} binds
 * each directory and file at the same place and repeats each symlink in its {@code rootfs}.
 *
 * <p>Immutable. {@code link} is the symlink's target as readlink(2) gives it, and {@code null}
 * for the other kinds.
 */
public record RootEntry(String name, Kind kind, String link) {

    /** What the entry is, without following a symlink. */
    public enum Kind { DIRECTORY, FILE, SYMLINK }

    public RootEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a name in /: \"" + name + "\"");
        }
        if ((kind == Kind.SYMLINK) != (link != null)) {
            throw new IllegalArgumentException("a symlink, and only a symlink, has a target: " + name);
        }
    }

    /** The absolute path of the entry: {@code /usr}. */
    public String path() {
        return "/" + name;
    }
}
