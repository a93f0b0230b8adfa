package dev.nsbox.mounts;

import dev.nsbox.spec.Origin;

/**
 * A change a spec would make to a mount namespace other than the sandbox's own: a mount (or
 * an unmount) that propagates out through a shared peer group.
 *
 * <p>Immutable.
 *
 * @param origin     the spec value whose operation causes it
 * @param label      the spec's name for it ({@code mounts[3]}, {@code root}, {@code propagation})
 * @param kind       {@code mount} or {@code umount}
 * @param what       the mount, as a person reads it ({@code proc on /proc})
 * @param peerGroup  the peer group it travels through ({@code shared:1})
 * @param target     the path where it appears, as the host sees it
 * @param namespace  which namespace sees it ({@code host}, or another namespace reachable through
 *                   the group)
 * @param rule       the kernel rule that decides it, in a sentence
 */
public record HostEffect(Origin origin, String label, String kind, String what, String peerGroup, String target,
                         String namespace, String rule) {

    /** One line, for messages: {@code mounts[3] (proc on /proc) reaches the host at /proc through shared:1}. */
    public String describe() {
        return label + " (" + what + ") " + (kind.equals("umount") ? "unmounts " : "appears ")
                + "in the " + namespace + " at " + target + " through peer group " + peerGroup;
    }
}
