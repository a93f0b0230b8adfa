package dev.nsbox.mounts;

/**
 * A mount or unmount that an operation caused in the model.
 *
 * @param kind      {@code mount}, {@code umount}, or {@code pivot_root} (the sandbox's own root
 *                  change, which never propagates)
 * @param namespace where it happened
 * @param path      the mount point there, as that namespace's root sees it
 * @param fsType    the filesystem type of the mount
 * @param mountId   the model's ID of the mount added or removed
 * @param via       the peer group it travelled through ({@code shared:1}), or {@code null} for
 *                  the operation's own mount
 * @param rule      the kernel rule that decided it, in a sentence
 * @param cause     the label of the operation that caused it
 */
public record MountEvent(String kind, MountNamespace namespace, String path, String fsType, int mountId, String via,
                         String rule, String cause) {
}
