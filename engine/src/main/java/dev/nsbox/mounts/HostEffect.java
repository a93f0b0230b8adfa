package dev.nsbox.mounts;

import dev.nsbox.spec.Origin;

/**
 * A change a spec would make to a mount namespace other than the sandbox's own: a mount (or
 * an unmount) that propagates out through a shared peer group, or, when the plan creates no
 * mount namespace, any mount at all.
 *
 * <p>Immutable.
 *
 * @param origin     the spec value whose operation causes it
 * @param label      the spec's name for it ({@code mounts[3]}, {@code root}, {@code propagation})
 * @param kind       {@link MountEvent.Kind#MOUNT} or {@link MountEvent.Kind#UMOUNT}
 * @param what       the mount, as a person reads it ({@code proc on /proc})
 * @param peerGroup  the peer group it travels through ({@code shared:1}), or {@code null} when the
 *                   plan has no mount namespace of its own and the mount is made in the host's
 * @param target     the path where it appears, as the host sees it
 * @param namespace  which namespace sees it ({@code host}, or another namespace reachable through
 *                   the group)
 * @param rule       the kernel rule that decides it, in a sentence
 * @param fsType     the filesystem type of the mount that appears or goes ({@code proc})
 */
public record HostEffect(Origin origin, String label, MountEvent.Kind kind, String what, String peerGroup, String target,
                         String namespace, String rule, String fsType) {

    /**
     * One line, for messages:
     * {@code mounts[3] (proc on /proc) appears in the host at /proc through peer group shared:1}.
     */
    public String describe() {
        String verb = kind == MountEvent.Kind.UMOUNT ? "disappears from" : "appears in";
        String how = peerGroup == null ? " (no new mount namespace: the mount is made in the host's own)"
                : " through peer group " + peerGroup;
        return label + " (" + what + ") " + verb + " the " + namespace + " at " + target + how;
    }
}
