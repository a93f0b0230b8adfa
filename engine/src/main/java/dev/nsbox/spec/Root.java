package dev.nsbox.spec;

import java.util.Objects;

/**
 * What {@code /} is inside the sandbox.
 *
 * <p>Immutable. {@code path} is absolute and normalised (variables expanded, relative paths
 * resolved against the spec's folder), and is non-null only for {@link RootType#DIR}.
 * {@code readOnly} applies to {@link RootType#HOST} (the whole copied tree, recursively) and
 * {@link RootType#DIR}; a tmpfs root is made read-only after the mounts when it is set.
 */
public record Root(RootType type, boolean readOnly, String path, Origins origins) {

    public Root {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(origins, "origins");
    }

    public static Root host(Origin origin) {
        return new Root(RootType.HOST, false, null, Origins.of(origin));
    }
}
