package dev.nsbox.plan;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Origin;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a mount's target in the sandbox as the plan has made it so far: the target must be
 * the mount point itself (no symlink on its path), of the kind the mount needs (a file for a
 * file bind, else a directory), and exist, or lie in a tmpfs of the spec where the plan creates
 * it. nsbox never creates a mount point on the host.
 *
 * <p>Keeps no state of its own; works on the shared {@link PlanDraft}.
 */
final class MountPoints {

    private final PlanDraft draft;
    private final RootMount root;

    MountPoints(PlanDraft draft, RootMount root) {
        this.draft = draft;
        this.root = root;
    }

    /**
     * Makes sure {@code m}'s target can serve as a mount point: it exists (or is created inside a
     * tmpfs of the spec) and no component of its path is a symlink. Returns false, with a
     * diagnostic, when it cannot.
     */
    boolean prepare(MountSpec m, boolean wantFile) {
        SandboxView view = draft.view;
        Origin o = m.origins().of("target");
        String symlink = view.firstSymlink(m.target());
        if (symlink != null) {
            String resolved = view.resolve(m.target());
            draft.error(o, m.label() + ".target " + m.target() + " contains a symlink ("
                    + symlink + "); a mount target must be the mount point itself"
                    + (resolved != null ? ": it resolves to " + resolved + ", write that instead" : ""));
            return false;
        }
        HostView.Kind k = view.kind(m.target());
        if (k != HostView.Kind.MISSING) {
            boolean isFile = k == HostView.Kind.FILE || k == HostView.Kind.OTHER;
            if (k != HostView.Kind.SYMLINK && view.known(m.target()) && isFile != wantFile) {
                draft.error(o, m.label() + ".target " + m.target() + " is a "
                        + (isFile ? "file" : "directory") + ", but " + m.type().word() + " needs a "
                        + (wantFile ? "file" : "directory") + " there");
                return false;
            }
            return true;
        }
        SandboxView.Layer layer = view.layerOf(m.target());
        if (layer == null || !layer.backing().creatable()) {
            draft.error(o, m.label() + ".target " + m.target() + " does not exist: " + whyNotCreated(m, layer));
            return false;
        }
        // Create the missing components, inside the tmpfs that covers them.
        List<String> missing = new ArrayList<>();
        for (String p = m.target(); !p.equals("/") && view.kind(p) == HostView.Kind.MISSING; p = Planner.parent(p)) {
            missing.add(0, p);
        }
        for (int i = 0; i < missing.size(); i++) {
            String p = missing.get(i);
            boolean last = i == missing.size() - 1;
            if (last && wantFile) {
                draft.add(new Op.CreateFile(root.actual(p), 0644, o));
                view.created(p, false);
            } else {
                draft.add(new Op.Mkdir(root.actual(p), 0755, o));
                view.created(p, true);
            }
        }
        return true;
    }

    /**
     * Why a missing target in {@code layer} (null before the root is known) cannot be created,
     * and, when a tmpfs of the spec is read-only at that point, how to order the spec instead.
     */
    private String whyNotCreated(MountSpec m, SandboxView.Layer layer) {
        if (layer != null && layer.backing().kind() == SandboxView.BackingKind.HOST) {
            return "nsbox never creates mount points on the host; create it, or mount a tmpfs on a parent first";
        }
        List<MountSpec> mounts = draft.spec.mounts();
        return "it lies in a " + (layer == null ? "filesystem" : layer.backing().describe())
                + " where nsbox cannot create it" + (layer != null && mounts.stream().anyMatch(t -> t.type() == MountType.TMPFS
                && t.isReadOnly() && t.target().equals(layer.target()))
                ? "; mount that tmpfs writable and make it read-only after this mount with {type: remount, "
                + "target: " + layer.target() + ", readOnly: true} (bwrap's --remount-ro)"
                : layer != null && mounts.stream().anyMatch(t -> t.type() == MountType.REMOUNT
                && Boolean.TRUE.equals(t.readOnly()) && t.index() < m.index() && Planner.under(layer.target(), t.target()))
                ? "; an earlier remount made that tmpfs read-only: put the remount after this mount" : "");
    }
}
