package dev.nsbox.mounts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The host's mount table before and after a run, compared, with each difference judged
 * (docs/spec.md, "Host effects"):
 *
 * <ul>
 *   <li>{@link Verdict#PREDICTED}: it matches a predicted {@link HostEffect} (same kind,
 *       the host path, the filesystem type); the spec asked for it.</li>
 *   <li>{@link Verdict#SANDBOX}: it happened in a peer group the sandbox's tree belonged to
 *       (the mount's parent, or the mount itself, is in one of those groups, or a slave of one),
 *       and was not predicted: the sandbox caused it. An error; the run fails.</li>
 *   <li>{@link Verdict#HOST}: anything else, the host's own activity during the run. Reported,
 *       not blamed.</li>
 * </ul>
 *
 * <p>A mount's identity is its mount ID with its mount point: a mount moved elsewhere reads as
 * removed and added. A mount whose options or propagation changed is {@link Kind#CHANGED}.
 *
 * <p>The executor's use, after a run:
 * <pre>{@code
 * MountTableDiff diff = MountTableDiff.compare(hostBefore, hostAfter, plan.hostEffects(), sandboxGroups);
 * diff.report().forEach(log::info);
 * if (!diff.blamed().isEmpty()) fail(...);
 * }</pre>
 *
 * <p>Immutable. Pure.
 */
public final class MountTableDiff {

    /** What happened to a mount. */
    public enum Kind { ADDED, REMOVED, CHANGED }

    /** Who the difference is attributed to. */
    public enum Verdict { PREDICTED, SANDBOX, HOST }

    /**
     * One difference.
     *
     * @param before the mount before the run ({@code null} when added)
     * @param after  the mount after the run ({@code null} when removed)
     * @param effect the predicted effect it matches, for {@link Verdict#PREDICTED}
     * @param why    the reason for the verdict, in a sentence
     */
    public record Difference(Kind kind, MountInfo before, MountInfo after, Verdict verdict, HostEffect effect,
                             String why) {

        /** The mount as it is now, or as it was when removed. */
        public MountInfo mount() {
            return after != null ? after : before;
        }

        /** One line: {@code added proc on /proc (shared:3): predicted, mounts[3] ...}. */
        public String describe() {
            MountInfo m = mount();
            String what = switch (kind) {
                case ADDED -> "added " + m.describe() + " (" + m.propagationFields() + ")";
                case REMOVED -> "removed " + m.describe() + " (" + m.propagationFields() + ")";
                case CHANGED -> "changed " + m.describe() + ": " + change(before, after);
            };
            return what + ": " + why;
        }
    }

    private final List<Difference> differences;

    private MountTableDiff(List<Difference> differences) {
        this.differences = List.copyOf(differences);
    }

    /**
     * Compares the tables, blaming the sandbox for unpredicted changes in
     * {@code sandboxGroups}.
     *
     * @param predicted     the plan's host effects ({@code null} reads as none)
     * @param sandboxGroups the peer groups the sandbox's tree belonged to at any time (see
     *                      {@link #peerGroups}); the groups of {@code before} are a safe
     *                      over-approximation, since a new mount namespace's copies join every one
     */
    public static MountTableDiff compare(MountTable before, MountTable after, List<HostEffect> predicted,
                                         Set<Integer> sandboxGroups) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(sandboxGroups, "sandboxGroups");
        List<HostEffect> unmatched = new ArrayList<>(predicted == null ? List.of() : predicted);
        Map<String, MountInfo> old = new HashMap<>();
        for (MountInfo m : before.mounts()) {
            old.put(key(m), m);
        }
        Map<String, MountInfo> now = new HashMap<>();
        for (MountInfo m : after.mounts()) {
            now.put(key(m), m);
        }
        List<Difference> out = new ArrayList<>();
        for (MountInfo m : before.mounts()) {
            MountInfo a = now.get(key(m));
            if (a == null) {
                out.add(judge(Kind.REMOVED, m, null, before, unmatched, sandboxGroups));
            } else if (!sameState(m, a)) {
                HostEffect tucked = tuckedUnder(m, a, before, after, predicted);
                HostEffect dropped = tucked == null ? droppedOnto(m, a, before, after, predicted) : null;
                out.add(tucked != null
                        ? new Difference(Kind.CHANGED, m, a, Verdict.PREDICTED, tucked, "predicted: tucked under "
                                + "the mount of " + tucked.describe())
                        : dropped != null
                        ? new Difference(Kind.CHANGED, m, a, Verdict.PREDICTED, dropped, "predicted: dropped onto "
                                + "the place of the mount of " + dropped.describe())
                        : judge(Kind.CHANGED, m, a, after, unmatched, sandboxGroups));
            }
        }
        for (MountInfo m : after.mounts()) {
            if (!old.containsKey(key(m))) {
                out.add(judge(Kind.ADDED, null, m, after, unmatched, sandboxGroups));
            }
        }
        return new MountTableDiff(out);
    }

    /** The same, with every peer group of {@code before} taken as the sandbox's. */
    public static MountTableDiff compare(MountTable before, MountTable after, List<HostEffect> predicted) {
        return compare(before, after, predicted, peerGroups(before));
    }

    /** Every peer group a mount of {@code table} is a member of ({@code shared:N}). */
    public static Set<Integer> peerGroups(MountTable table) {
        Set<Integer> g = new LinkedHashSet<>();
        for (MountInfo m : table.mounts()) {
            if (m.sharedGroup() != 0) {
                g.add(m.sharedGroup());
            }
        }
        return g;
    }

    /**
     * The predicted mount {@code b} now sits under, when that is all that changed about it. A
     * mount propagated onto a place where the receiver already has a mount goes between the two:
     * the old mount is re-parented onto the root of the new one, keeping its mount point
     * (fs/namespace.c attach_recursive_mnt, mnt_change_mountpoint: "tuck mounts under others").
     * It is part of the predicted effect, not a change of its own.
     */
    private static HostEffect tuckedUnder(MountInfo a, MountInfo b, MountTable before, MountTable after,
                                          List<HostEffect> predicted) {
        if (predicted == null || a.parentId() == b.parentId()
                || !sameState(a, new MountInfo(b.id(), a.parentId(), b.major(), b.minor(), b.root(), b.mountPoint(),
                        b.options(), b.optionalFields(), b.fsType(), b.source(), b.superOptions()))) {
            return null;
        }
        MountInfo parent = after.byId(b.parentId()).orElse(null);
        if (parent == null || before.byId(parent.id()).isPresent() || !parent.mountPoint().equals(b.mountPoint())) {
            return null;
        }
        for (HostEffect e : predicted) {
            if (e.kind() == MountEvent.Kind.MOUNT && e.target().equals(b.mountPoint())) {
                return e;
            }
        }
        return null;
    }

    /**
     * The predicted unmount that {@code b} now takes the place of, when that is all that changed
     * about it. A propagated unmount also takes a mount whose only child covers its root
     * entirely, the "topper": the topper is re-parented onto the unmounted mount's parent, at
     * its mount point (fs/pnode.c propagate_umount, find_topper, mnt_change_mountpoint). It is
     * part of the predicted effect, not a change of its own.
     */
    private static HostEffect droppedOnto(MountInfo a, MountInfo b, MountTable before, MountTable after,
                                          List<HostEffect> predicted) {
        if (predicted == null || a.parentId() == b.parentId()
                || !sameState(a, new MountInfo(b.id(), a.parentId(), b.major(), b.minor(), b.root(), b.mountPoint(),
                        b.options(), b.optionalFields(), b.fsType(), b.source(), b.superOptions()))) {
            return null;
        }
        MountInfo gone = before.byId(a.parentId()).orElse(null);
        // Unmounted mounts stacked root on root leave the topper on the place of the lowest.
        while (gone != null && after.byId(gone.id()).isEmpty() && gone.parentId() != b.parentId()) {
            MountInfo under = before.byId(gone.parentId()).orElse(null);
            if (under == null || !under.mountPoint().equals(gone.mountPoint())) {
                return null;
            }
            gone = under;
        }
        if (gone == null || after.byId(gone.id()).isPresent() || gone.parentId() != b.parentId()
                || !gone.mountPoint().equals(b.mountPoint())) {
            return null;
        }
        for (HostEffect e : predicted) {
            if (e.kind() == MountEvent.Kind.UMOUNT && e.target().equals(gone.mountPoint())) {
                return e;
            }
        }
        return null;
    }

    private static Difference judge(Kind kind, MountInfo before, MountInfo after, MountTable table,
                                    List<HostEffect> unmatched, Set<Integer> groups) {
        MountInfo m = after != null ? after : before;
        if (kind != Kind.CHANGED) {
            MountEvent.Kind effectKind = kind == Kind.ADDED ? MountEvent.Kind.MOUNT : MountEvent.Kind.UMOUNT;
            for (HostEffect e : unmatched) {
                if (e.kind() == effectKind && e.target().equals(m.mountPoint())
                        && (e.fsType() == null || e.fsType().equals(m.fsType()))) {
                    unmatched.remove(e);
                    return new Difference(kind, before, after, Verdict.PREDICTED, e, "predicted: " + e.describe());
                }
            }
        }
        MountInfo parent = table.byId(m.parentId()).orElse(null);
        List<Integer> candidates = new ArrayList<>();
        if (parent != null && kind != Kind.CHANGED) {
            candidates.add(parent.sharedGroup());
        }
        candidates.add(m.sharedGroup());
        candidates.add(m.masterGroup());
        if (before != null && after != null) {
            candidates.add(before.sharedGroup());
            candidates.add(before.masterGroup());
        }
        for (int g : candidates) {
            if (g != 0 && groups.contains(g)) {
                String where = parent != null && parent.sharedGroup() == g && kind != Kind.CHANGED
                        ? "on " + parent.mountPoint() + ", which is in peer group shared:" + g
                        : "in peer group " + g;
                return new Difference(kind, before, after, Verdict.SANDBOX, null,
                        "not predicted, " + where + " that the sandbox's tree belonged to: caused by the sandbox");
            }
        }
        return new Difference(kind, before, after, Verdict.HOST, null,
                "outside every peer group the sandbox's tree belonged to: the host's own activity");
    }

    private static String key(MountInfo m) {
        return m.id() + " " + m.mountPoint();
    }

    private static boolean sameState(MountInfo a, MountInfo b) {
        return a.options().equals(b.options()) && a.optionalFields().equals(b.optionalFields())
                && a.superOptions().equals(b.superOptions()) && a.parentId() == b.parentId()
                && a.fsType().equals(b.fsType()) && a.root().equals(b.root());
    }

    private static String change(MountInfo a, MountInfo b) {
        List<String> parts = new ArrayList<>();
        if (!a.options().equals(b.options())) {
            parts.add("options " + String.join(",", a.options()) + " -> " + String.join(",", b.options()));
        }
        if (!a.propagationFields().equals(b.propagationFields())) {
            parts.add("propagation " + a.propagationFields() + " -> " + b.propagationFields());
        }
        if (!a.superOptions().equals(b.superOptions())) {
            parts.add("super options " + a.superOptions() + " -> " + b.superOptions());
        }
        if (a.parentId() != b.parentId()) {
            parts.add("parent " + a.parentId() + " -> " + b.parentId());
        }
        return parts.isEmpty() ? "other fields" : String.join("; ", parts);
    }

    /** Every difference, removals and changes first (in the old table's order), then additions. */
    public List<Difference> differences() {
        return differences;
    }

    /** The differences blamed on the sandbox: each is an error. */
    public List<Difference> blamed() {
        return differences.stream().filter(d -> d.verdict() == Verdict.SANDBOX).toList();
    }

    /** The host's own activity during the run. */
    public List<Difference> hostActivity() {
        return differences.stream().filter(d -> d.verdict() == Verdict.HOST).toList();
    }

    /** Whether nothing unpredicted happened in the sandbox's peer groups. */
    public boolean clean() {
        return blamed().isEmpty();
    }

    /** One line per difference ({@link Difference#describe}); empty when the tables are the same. */
    public List<String> report() {
        return differences.stream().map(Difference::describe).toList();
    }
}
