package dev.nsbox.spec;

/** What {@code /} is inside the sandbox. */
public enum RootType {
    /** The host's tree, as the new mount namespace copied it. */
    HOST("host"),
    /** An empty tmpfs that the spec's mounts furnish; entered with pivot_root(2). */
    TMPFS("tmpfs"),
    /** A directory of the host bound recursively; entered with pivot_root(2). */
    DIR("dir");

    private final String word;

    RootType(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}
