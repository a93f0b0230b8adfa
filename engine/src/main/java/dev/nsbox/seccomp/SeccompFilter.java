package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * A step's system-call filter for one ABI: the policy, its rules, the compiled program, and the
 * lines {@code plan} and {@code explain} print. The entry point for the planner and nsbox-init.
 *
 * <p>Immutable. Never touches the host.
 */
public final class SeccompFilter {

    private final SeccompPolicy policy;
    private final SeccompRules rules;
    private final BpfProgram program;

    private SeccompFilter(SeccompPolicy policy, SeccompRules rules) {
        this.policy = policy;
        this.rules = rules;
        this.program = BpfCompiler.compile(rules);
    }

    /**
     * The filter for {@code policy} on {@code arch} for a step that keeps
     * {@code keptCapabilities} ({@code CAP_SYS_ADMIN}, ...; names of capabilities(7)); empty for
     * {@link SeccompPolicy.Unconfined}, which installs none.
     */
    public static Optional<SeccompFilter> of(SeccompPolicy policy, Set<String> keptCapabilities, SeccompArch arch) {
        Objects.requireNonNull(policy, "policy");
        Key key = new Key(policy, Set.copyOf(keptCapabilities), arch);
        synchronized (COMPILED) {
            Optional<SeccompFilter> f = COMPILED.get(key);
            if (f != null) {
                return f;
            }
        }
        Optional<SeccompFilter> f = SeccompRules.of(policy, arch, key.kept).map(r -> new SeccompFilter(policy, r));
        synchronized (COMPILED) {
            COMPILED.put(key, f);
        }
        return f;
    }

    /** The most filters {@link #COMPILED} keeps: a JVM plans and receives few distinct confinements. */
    private static final int MAX_COMPILED = 16;

    /**
     * Filters compiled in this JVM, by what they are compiled from. A filter is immutable and a
     * pure function of its policy, the capabilities kept and the ABI (its tables are the jar's
     * own), so a warm engine that plans the same spec again, and a helper JVM that receives the
     * same few filters with every plan, reuse the program instead of compiling it again (about a
     * sixth of a warm plan of the bench's spec; as much as the rest of a received plan's decoding).
     */
    private static final Map<Key, Optional<SeccompFilter>> COMPILED = new LinkedHashMap<>(MAX_COMPILED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Optional<SeccompFilter>> eldest) {
            return size() > MAX_COMPILED;
        }
    };

    /**
     * What a filter is compiled from. Its equals and hashCode are written out: a record's
     * generated ones bootstrap through {@code ObjectMethods}, classes a cold JVM would spin for
     * nothing (the policy's own equals runs only on a hit, in a warm JVM).
     */
    private static final class Key {
        private final SeccompPolicy policy;
        private final Set<String> kept;
        private final SeccompArch arch;

        Key(SeccompPolicy policy, Set<String> kept, SeccompArch arch) {
            this.policy = policy;
            this.kept = kept;
            this.arch = arch;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && arch == k.arch && kept.equals(k.kept) && policy.equals(k.policy);
        }

        @Override
        public int hashCode() {
            return (policy.getClass().getName().hashCode() * 31 + kept.hashCode()) * 31 + arch.ordinal();
        }
    }

    /** Equal when made from the same policy and rules: the program is compiled from them. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompFilter f && policy.equals(f.policy) && rules.equals(f.rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policy, rules);
    }

    public SeccompPolicy policy() {
        return policy;
    }

    public SeccompArch arch() {
        return rules.arch();
    }

    public SeccompRules rules() {
        return rules;
    }

    public BpfProgram program() {
        return program;
    }

    /** The installing call in C syntax, as {@code plan} prints it. */
    public String call() {
        return program.call();
    }

    /**
     * One line for {@code plan} and {@code explain}, for example {@code seccomp: default filter
     * (Docker's baseline), 327 calls allowed, namespace creation refused, foreign ABIs refused;
     * 121 instructions}.
     */
    public String summary() {
        List<String> parts = new ArrayList<>();
        String head = "default filter (Docker's baseline)";
        if (policy instanceof SeccompPolicy.Custom c) {
            List<String> changes = new ArrayList<>();
            if (!c.allow().isEmpty()) {
                changes.add("allow " + String.join(" ", c.allow()));
            }
            if (!c.deny().isEmpty()) {
                changes.add("deny " + String.join(" ", c.deny()));
            }
            if (!changes.isEmpty()) {
                head += " with " + String.join(", then ", changes);
            }
        }
        parts.add(head);
        SortedSet<String> withCalls = SeccompRules.capabilitiesWithCalls();
        withCalls.retainAll(rules.keptCapabilities());
        if (!withCalls.isEmpty()) {
            parts.add("calls of kept " + String.join(", ", withCalls) + " allowed");
        }
        parts.add(rules.allowed().size() + " calls allowed");
        SortedSet<String> open = rules.namespaceCallsOpen();
        parts.add(open.isEmpty() ? "namespace creation refused"
                : "namespace creation allowed through " + String.join(", ", open));
        parts.add("foreign ABIs refused");
        return "seccomp: " + String.join(", ", parts) + "; " + program.length() + " instructions";
    }

    /** The {@link #summary} line of a policy, also for {@link SeccompPolicy.Unconfined}. */
    public static String summary(SeccompPolicy policy, Set<String> keptCapabilities, SeccompArch arch) {
        return of(policy, keptCapabilities, arch).map(SeccompFilter::summary)
                .orElse("seccomp: unconfined, no filter");
    }
}
