package dev.nsbox.spec;

import java.util.Objects;

/**
 * Where a value of a spec came from: the file, the 1-based line and column, and the
 * path of the value inside the document ({@code mounts[3].target}).
 *
 * <p>Immutable. Every record of the model carries origins so that any later error, even a
 * failing system call, can point back at the spec line.
 */
public record Origin(String file, int line, int column, String path) {

    public Origin {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
    }

    /** An origin for values that do not come from a file (command-line overrides, defaults). */
    public static Origin synthetic(String what) {
        return new Origin(what, 0, 0, "");
    }

    /** {@code file:line:column}, the prefix compilers use so that editors can jump to it. */
    public String location() {
        if (line <= 0) {
            return file;
        }
        return file + ":" + line + ":" + column;
    }

    /** The same position, naming a different value path (a child of this one). */
    public Origin withPath(String newPath) {
        return new Origin(file, line, column, newPath);
    }

    @Override
    public String toString() {
        return location();
    }
}
