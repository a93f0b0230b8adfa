package dev.nsbox.spec;

/**
 * The ids the caller is mapped to inside a user namespace ({@code user: {uid: 0, gid: 0}}).
 *
 * <p>Immutable.
 */
public record UserMapping(int uid, int gid, Origins origins) {

    public static final UserMapping ROOT = new UserMapping(0, 0, Origins.of(Origin.synthetic("default")));
}
