package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code process.seccomp} asks for.
 *
 * <ul>
 *   <li>{@link Default}: nsbox's default filter, Docker's default profile with namespace creation
 *       and foreign ABIs refused (see {@link SeccompRules}).</li>
 *   <li>{@link Unconfined}: no filter at all.</li>
 *   <li>{@link Custom}: the default filter, then {@code allow} adds calls to its allow-list, then
 *       {@code deny} refuses calls. Deny wins: a call both allowed and denied, directly or through
 *       groups, is refused.</li>
 * </ul>
 *
 * <p>Immutable. Never touches the host.
 */
public sealed interface SeccompPolicy permits SeccompPolicy.Default, SeccompPolicy.Unconfined, SeccompPolicy.Custom {

    /** The default filter, as with no {@code process.seccomp} key. */
    static SeccompPolicy defaults() {
        return new Default();
    }

    /** nsbox's default filter. */
    record Default() implements SeccompPolicy {
    }

    /** No filter: the step may make every call its capabilities permit. */
    record Unconfined() implements SeccompPolicy {
    }

    /**
     * The default filter changed by {@code allow} and {@code deny}, each a list of call names and
     * {@code @group} names, in spec order.
     *
     * @throws IllegalArgumentException for a word {@link SeccompNames#isKnown} rejects; the spec
     *         layer checks with {@link SeccompNames#problem} first, to report it at its line
     */
    record Custom(List<String> allow, List<String> deny) implements SeccompPolicy {
        public Custom {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
            List<String> problems = new ArrayList<>();
            for (String w : allow) {
                SeccompNames.problem(w).ifPresent(p -> problems.add("allow: " + p));
            }
            for (String w : deny) {
                SeccompNames.problem(w).ifPresent(p -> problems.add("deny: " + p));
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("\n", problems));
            }
        }
    }
}
