package dev.nsbox.mounts;

/**
 * A mount or unmount that an operation caused in the model.
 *
 * @param kind      a mount, an unmount, or the sandbox's own root change (pivot_root, which
 *                  never propagates)
 * @param namespace where it happened
 * @param path      the mount point there, as that namespace's root sees it
 * @param fsType    the filesystem type of the mount
 * @param mountId   the model's ID of the mount added or removed
 * @param via       the peer group it travelled through ({@code shared:1}), or {@code null} for
 *                  the operation's own mount
 * @param rule      the kernel rule that decided it, in a sentence
 * @param cause     the label of the operation that caused it
 */
public record MountEvent(Kind kind, MountNamespace namespace, String path, String fsType, int mountId, String via,
                         String rule, String cause) {

    /** What happened to the mount, named by the call that does it. */
    public enum Kind {
        /** It appeared: mount(2), a bind, move_mount(2), or a copy propagated there. */
        MOUNT("mount"),
        /** It went: umount2(2), or an unmount propagated there. */
        UMOUNT("umount"),
        /** It became the namespace's root: pivot_root(2), which never propagates. */
        PIVOT_ROOT("pivot_root");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        /** {@code mount}, {@code umount} or {@code pivot_root}: the word plans and messages print. */
        public String word() {
            return word;
        }
    }
}
