package dev.nsbox.spec;

import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code mounts:}. A single record serves every {@link MountType}; the fields a
 * type does not use are {@code null} (or empty), which the parser guarantees.
 *
 * <p>Immutable. Paths are absolute and normalised. The per-mount flags are tri-state
 * ({@code null} when the spec did not write them) because a {@code remount} must tell "set",
 * "clear" and "leave alone" apart; other types read {@code null} as {@code false}.
 *
 * @param index       position in {@code mounts:}, for messages ({@code mounts[3]})
 * @param source      bind: the host path to bind (resolved before any mount is made)
 * @param target      absolute path inside the sandbox
 * @param readOnly    bind, tmpfs, overlay, remount...: {@code MS_RDONLY} / {@code MOUNT_ATTR_RDONLY}
 * @param recursive   bind: rbind ({@code MS_REC}, default true); remount: apply to submounts too
 * @param propagation applied to this mount after it is made, or {@code null}
 * @param optional    bind: skip when the source does not exist
 * @param size        tmpfs: size in bytes, or {@code null} for the kernel's default
 * @param mode        tmpfs: permission bits of the root directory, or {@code null}
 * @param uid         tmpfs: owner of the root directory, or {@code null}
 * @param gid         tmpfs: group of the root directory, or {@code null}
 * @param lower       overlay: lower directories, top-most first (overlayfs' order)
 * @param upper       overlay: the upper directory, or {@code null} for a throw-away tmpfs
 */
public record MountSpec(
        int index,
        MountType type,
        String source,
        String target,
        Boolean readOnly,
        Boolean recursive,
        Propagation propagation,
        boolean optional,
        Long size,
        Integer mode,
        Integer uid,
        Integer gid,
        List<String> lower,
        String upper,
        Boolean nosuid,
        Boolean nodev,
        Boolean noexec,
        Origins origins) {

    public MountSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(origins, "origins");
        lower = lower == null ? List.of() : List.copyOf(lower);
    }

    /** {@code mounts[3]}, the name messages use for this entry. */
    public String label() {
        return "mounts[" + index + "]";
    }

    /** Whether the mount is to be read-only ({@code null} read as false). */
    public boolean isReadOnly() {
        return Boolean.TRUE.equals(readOnly);
    }

    /** Whether a bind recurses into submounts (default true). */
    public boolean isRecursive() {
        return !Boolean.FALSE.equals(recursive);
    }
}
