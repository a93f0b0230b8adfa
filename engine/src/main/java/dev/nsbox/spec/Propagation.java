package dev.nsbox.spec;

import java.util.Optional;

/**
 * A mount propagation type by the kernel's names (mount(8) {@code --make-<type>}), in its
 * plain and recursive forms, plus {@link #UNCHANGED}, which only the tree accepts: keep what
 * the new mount namespace copied from its parent, as a bare {@code clone(CLONE_NEWNS)} does.
 */
public enum Propagation {
    SHARED("shared", Kind.SHARED, false),
    RSHARED("rshared", Kind.SHARED, true),
    PRIVATE("private", Kind.PRIVATE, false),
    RPRIVATE("rprivate", Kind.PRIVATE, true),
    SLAVE("slave", Kind.SLAVE, false),
    RSLAVE("rslave", Kind.SLAVE, true),
    UNBINDABLE("unbindable", Kind.UNBINDABLE, false),
    RUNBINDABLE("runbindable", Kind.UNBINDABLE, true),
    UNCHANGED("unchanged", null, false);

    /** The four propagation types of sharedsubtree.rst. */
    public enum Kind { SHARED, PRIVATE, SLAVE, UNBINDABLE }

    private final String word;
    private final Kind kind;
    private final boolean recursive;

    Propagation(String word, Kind kind, boolean recursive) {
        this.word = word;
        this.kind = kind;
        this.recursive = recursive;
    }

    public String word() {
        return word;
    }

    /** The propagation type, or {@code null} for {@link #UNCHANGED}. */
    public Kind kind() {
        return kind;
    }

    /** Whether the change reaches every mount below the target ({@code MS_REC}). */
    public boolean recursive() {
        return recursive;
    }

    public static Optional<Propagation> fromWord(String word) {
        for (Propagation p : values()) {
            if (p.word.equals(word)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
