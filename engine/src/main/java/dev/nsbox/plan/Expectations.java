package dev.nsbox.plan;

import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which {@link Expectation}s the finished mount table can still be checked against: a mount
 * that a later mount of the spec hides, on its target or above it, cannot be seen, so its
 * expectation is dropped. A remount hides nothing: it changes the mount it names.
 *
 * <p>Stateless.
 */
final class Expectations {

    private Expectations() {
    }

    /** The expectations, in order, without those of mounts that a later mount hides. */
    static List<Expectation> kept(Spec spec, List<Expectation> expectations) {
        // The remounts' labels, found once: looking each one up in the spec inside the pair
        // loop made this cubic, nine seconds for a spec of 1000 binds (bench, measurement 3).
        Set<String> remounts = new HashSet<>();
        for (MountSpec m : spec.mounts()) {
            if (m.type() == MountType.REMOUNT) {
                remounts.add(m.label());
            }
        }
        // From the last expectation back, the labels of the later mounts that hide what is
        // on or below their target, by target: each expectation then looks up its target's
        // ancestors instead of comparing itself with every later one (quadratic, a tenth of
        // planning 1000 binds; bench, measurement 4).
        Map<String, Set<String>> hiders = new HashMap<>();
        List<Expectation> kept = new ArrayList<>();
        for (int i = expectations.size() - 1; i >= 0; i--) {
            Expectation e = expectations.get(i);
            if (!hidden(e, hiders)) {
                kept.add(e);
            }
            if (e.label().startsWith("mounts[") && !remounts.contains(e.label())) {
                hiders.computeIfAbsent(e.target(), t -> new HashSet<>()).add(e.label());
            }
        }
        Collections.reverse(kept);
        return kept;
    }

    /**
     * Whether a mount of another label is on a target t with under(e.target(), t): the
     * target itself, each ancestor (the target cut before each '/'), and "/". Targets are
     * absolute.
     */
    private static boolean hidden(Expectation e, Map<String, Set<String>> hiders) {
        String target = e.target();
        if (hidesOther(hiders.get(target), e.label()) || hidesOther(hiders.get("/"), e.label())) {
            return true;
        }
        for (int i = target.length() - 1; i > 0; i--) {
            if (target.charAt(i) == '/' && hidesOther(hiders.get(target.substring(0, i)), e.label())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hidesOther(Set<String> labels, String label) {
        return labels != null && (labels.size() > 1 || !labels.contains(label));
    }
}
