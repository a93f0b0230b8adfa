package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A step's system-call filter for one ABI: the policy, its rules, the compiled program, and the
 * lines {@code plan} and {@code explain} print. The entry point for the planner and nsbox-init.
 *
 * <p>Immutable (a filter made by {@link #compiled} works its rules out on first need). Never
 * touches the host.
 */
public final class SeccompFilter {

    private final SeccompPolicy policy;
    private final SeccompArch arch;
    private final Set<String> kept;
    private final BpfProgram program;
    private volatile SeccompRules rules;
    private volatile String summary;

    private SeccompFilter(SeccompPolicy policy, SeccompRules rules) {
        this.policy = policy;
        this.arch = rules.arch();
        this.kept = rules.keptCapabilities();
        this.rules = rules;
        this.program = BpfCompiler.compile(rules);
    }

    private SeccompFilter(SeccompPolicy policy, Set<String> kept, SeccompArch arch, BpfProgram program,
                          String summary) {
        this.policy = policy;
        this.arch = arch;
        this.kept = Collections.unmodifiableSortedSet(new TreeSet<>(kept));
        this.program = program;
        this.summary = summary;
    }

    /**
     * The filter of {@code policy} on {@code arch} for a step that keeps {@code keptCapabilities},
     * with {@code program} as its compiled program and {@code summary} as its {@link #summary}
     * line, as {@link #of} made them earlier: the plan cache keeps both, so that a cached plan is
     * neither compiled nor worked out again. The caller vouches that they are what {@link #of}
     * makes for the same three (this jar's tables and compiler); the plan cache proves it when it
     * stores one, by reading the entry back and comparing it, program and line included, with
     * the filter {@link #of} made. The rules are worked out from the policy when first asked for
     * ({@code explain}); the executor needs only the program, {@code plan} only the line.
     *
     * @throws IllegalArgumentException for {@link SeccompPolicy.Unconfined}, which has no filter,
     *         or a program of another ABI
     */
    public static SeccompFilter compiled(SeccompPolicy policy, Set<String> keptCapabilities, SeccompArch arch,
                                         BpfProgram program, String summary) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(summary, "summary");
        if (policy instanceof SeccompPolicy.Unconfined || program.arch() != arch) {
            throw new IllegalArgumentException("a compiled filter has a policy that filters and a program of its ABI");
        }
        return new SeccompFilter(policy, keptCapabilities, arch, program, summary);
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

    /**
     * Equal when made from the same policy, capabilities kept and ABI (the rules are a function
     * of these three), with the same program: a filter made by {@link #compiled} equals the one
     * {@link #of} makes only when its program is the one compiled.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof SeccompFilter f && arch == f.arch && kept.equals(f.kept) && policy.equals(f.policy)
                && program.equals(f.program);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policy, kept, arch);
    }

    public SeccompPolicy policy() {
        return policy;
    }

    public SeccompArch arch() {
        return arch;
    }

    /** The capabilities the step keeps, as names of capabilities(7), sorted. */
    public Set<String> keptCapabilities() {
        return kept;
    }

    public SeccompRules rules() {
        SeccompRules r = rules;
        if (r == null) {
            // A pure function of what it is made from: two threads that both get here make equal rules.
            r = SeccompRules.of(policy, arch, kept).orElseThrow();
            rules = r;
        }
        return r;
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
        String s = summary;
        if (s == null) {
            // A pure function of what the filter is made from, as rules() is.
            s = line();
            summary = s;
        }
        return s;
    }

    private String line() {
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
        withCalls.retainAll(kept);
        if (!withCalls.isEmpty()) {
            parts.add("calls of kept " + String.join(", ", withCalls) + " allowed");
        }
        parts.add(rules().allowed().size() + " calls allowed");
        SortedSet<String> open = rules().namespaceCallsOpen();
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
