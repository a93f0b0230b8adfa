package dev.nsbox.plan;

import dev.nsbox.spec.Propagation;

/**
 * Propagation words become mount(2) flags here and nowhere else: {@code rslave} is
 * {@code MS_SLAVE|MS_REC}, exactly what {@code mount --make-rslave} passes.
 */
public final class PropagationFlags {

    private PropagationFlags() {
    }

    /** The mount(2) flags for {@code p}; {@code 0} for {@link Propagation#UNCHANGED}. */
    public static long mountFlags(Propagation p) {
        if (p == Propagation.UNCHANGED) {
            return 0;
        }
        return kindFlag(p.kind()) | (p.recursive() ? Flags.MS_REC : 0);
    }

    /** The single flag of a propagation type, as mount_setattr(2)'s {@code propagation} takes it. */
    public static long kindFlag(Propagation.Kind kind) {
        return switch (kind) {
            case SHARED -> Flags.MS_SHARED;
            case PRIVATE -> Flags.MS_PRIVATE;
            case SLAVE -> Flags.MS_SLAVE;
            case UNBINDABLE -> Flags.MS_UNBINDABLE;
        };
    }
}
