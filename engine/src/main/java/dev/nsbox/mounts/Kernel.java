package dev.nsbox.mounts;

/**
 * How the kernel being modelled differs from sharedsubtree.rst.
 *
 * @param unbindableCopiedAsPrivate whether a new mount namespace gets a private copy of an
 *                                  unbindable mount. sharedsubtree.rst (and kernels before
 *                                  6.18) keep it unbindable; Linux 6.18 moved the mark to
 *                                  {@code mnt_t_flags}, which clone_mnt() does not copy, so the
 *                                  copy is private (measured on 6.18)
 */
public record Kernel(boolean unbindableCopiedAsPrivate) {

    /**
     * The rules of the given kernel version: 6.18 and later copy unbindable as private
     * (measured on 6.18); earlier kernels are taken to follow sharedsubtree.rst.
     */
    public static Kernel of(int major, int minor) {
        return new Kernel(major > 6 || (major == 6 && minor >= 18));
    }

    /** Parses {@code uname -r} ({@code 6.18.44-fc}); an unreadable version means the newest rules. */
    public static Kernel ofRelease(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        return m.find() ? of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))) : new Kernel(true);
    }
}
