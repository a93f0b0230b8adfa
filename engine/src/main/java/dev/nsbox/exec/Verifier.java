package dev.nsbox.exec;

import dev.nsbox.plan.Expectation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Trust, but verify: checks the plan's {@link Expectation}s against the sandbox's mount table
 * as the kernel reports it once set-up is done. The kernel ignores some flag combinations
 * silently (docs/platform.md: {@code MS_BIND|MS_RDONLY}), so nsbox reads back what it made.
 *
 * <p>Pure.
 */
final class Verifier {

    private Verifier() {
    }

    /** Every mismatch, as a complete error message naming the mount; empty when all hold. */
    static List<String> check(List<Expectation> expectations, List<MountEntry> table) {
        List<String> problems = new ArrayList<>();
        for (Expectation e : expectations) {
            MountEntry top = topmost(table, e.target());
            String where = e.origin().location() + ": error: " + e.label() + ": ";
            if (top == null) {
                problems.add(where + "nothing is mounted on " + e.target()
                        + " inside the sandbox, though set-up succeeded");
                continue;
            }
            if (e.fstype() != null && !e.fstype().equals(top.fstype())) {
                problems.add(where + e.target() + " is " + top.fstype() + " inside the sandbox, expected "
                        + e.fstype());
            }
            if (e.readOnly() && !top.readOnly()) {
                problems.add(where + e.target() + " is writable inside the sandbox, expected read-only");
            }
            if (e.submountsReadOnly()) {
                Set<String> exempt = new HashSet<>();
                for (Expectation other : expectations) {
                    if (other != e && !other.readOnly() && MountEntry.under(other.target(), e.target())
                            && !other.target().equals(e.target())) {
                        exempt.add(other.target());
                    }
                }
                for (MountEntry m : table) {
                    if (m.mountPoint().equals(e.target()) || !MountEntry.under(m.mountPoint(), e.target())
                            || !visibleBelow(table, m, top)) {
                        continue;
                    }
                    boolean isExempt = exempt.stream().anyMatch(x -> MountEntry.under(m.mountPoint(), x));
                    if (!isExempt && !m.readOnly()) {
                        problems.add(where + "submount " + m.mountPoint() + " (" + m.fstype() + ") of " + e.target()
                                + " is writable inside the sandbox, expected read-only");
                    }
                }
            }
            if (e.propagation() != null && e.propagation() != top.propagation()) {
                problems.add(where + e.target() + " has propagation " + word(top.propagation())
                        + " inside the sandbox, expected " + word(e.propagation()));
            }
        }
        return problems;
    }

    /**
     * Whether {@code m} is part of what a process sees below {@code top}: each mount from
     * {@code m} up to {@code top} is the top-most at its mount point. A mount another one is
     * stacked on (a bind over a directory that had submounts, a tmpfs covered by a later mount
     * on the same target) is hidden, with everything below it, and nothing can write there.
     */
    static boolean visibleBelow(List<MountEntry> table, MountEntry m, MountEntry top) {
        MountEntry cur = m;
        for (int steps = 0; cur != null && steps <= table.size(); steps++) {
            if (cur.id() == top.id()) {
                return true;
            }
            if (covered(table, cur)) {
                return false;
            }
            int parent = cur.parent();
            cur = null;
            for (MountEntry o : table) {
                if (o.id() == parent) {
                    cur = o;
                    break;
                }
            }
        }
        return false;
    }

    /** Whether a mount on {@code m}'s chain of parents is covered, which hides {@code m} too. */
    private static boolean hiddenAbove(List<MountEntry> table, MountEntry m) {
        MountEntry cur = m;
        for (int steps = 0; steps <= table.size(); steps++) {
            int parent = cur.parent();
            MountEntry p = null;
            for (MountEntry o : table) {
                if (o.id() == parent && o.id() != cur.id()) {
                    p = o;
                    break;
                }
            }
            if (p == null) {
                return false;
            }
            for (MountEntry o : table) {
                if (o.parent() != p.id() || o.id() == cur.id()) {
                    continue;
                }
                // p's root is covered by another mount, or a sibling sits on a directory above cur
                if (o.mountPoint().equals(p.mountPoint()) && !cur.mountPoint().equals(p.mountPoint())
                        || !o.mountPoint().equals(cur.mountPoint()) && MountEntry.under(cur.mountPoint(), o.mountPoint())
                        && !o.mountPoint().equals(p.mountPoint())) {
                    return true;
                }
                if (o.mountPoint().equals(p.mountPoint()) && cur.mountPoint().equals(p.mountPoint())) {
                    return true;
                }
            }
            cur = p;
        }
        return false;
    }

    /** Stacked on, or under a sibling mounted on one of its parent directories. */
    private static boolean covered(List<MountEntry> table, MountEntry m) {
        for (MountEntry o : table) {
            if (o.parent() == m.id() && o.mountPoint().equals(m.mountPoint())) {
                return true;
            }
            if (o.id() != m.id() && o.parent() == m.parent() && !o.mountPoint().equals(m.mountPoint())
                    && MountEntry.under(m.mountPoint(), o.mountPoint())) {
                return true;
            }
        }
        return false;
    }

    /** The mount visible at {@code path}: the one no other mount at the same place sits on. */
    static MountEntry topmost(List<MountEntry> table, String path) {
        MountEntry found = null;
        for (MountEntry m : table) {
            if (!m.mountPoint().equals(path)) {
                continue;
            }
            boolean covered = false;
            for (MountEntry o : table) {
                if (o.parent() == m.id() && o.mountPoint().equals(path)) {
                    covered = true;
                    break;
                }
            }
            // A copy propagated onto a mount that is itself covered (the lower of two stacked
            // peers) has the same mount point but cannot be reached: not the one a process sees.
            if (!covered && (found == null || hiddenAbove(table, found) || !hiddenAbove(table, m))) {
                found = m;
            }
        }
        return found;
    }

    private static String word(dev.nsbox.spec.Propagation.Kind k) {
        return k.name().toLowerCase(java.util.Locale.ROOT);
    }
}
