package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The decision for every system call of one ABI under a policy: the step between
 * {@link SeccompPolicy} and the BPF program, and what {@code explain} lists.
 *
 * <p>The default, in this order:
 * <ol>
 *   <li>Docker's default profile ({@code docker-default.txt}): its allow-list, the calls it adds
 *       for this ABI, and the calls it adds for each capability the step keeps, so the filter never
 *       refuses what a kept capability grants. socket(2) is allowed except for {@code AF_ALG} and
 *       {@code AF_VSOCK}, personality(2) only for the five personas Docker allows.</li>
 *   <li>Namespace creation is refused, even under a kept {@code CAP_SYS_ADMIN} (where Docker
 *       allows it), so that a step cannot gain capabilities in a user namespace of its own:
 *       unshare(2) and setns(2) fail with {@code EPERM}, clone(2) with any {@code CLONE_NEW*} flag
 *       fails with {@code EPERM}, and clone3(2), whose flags sit in memory a filter cannot read,
 *       fails with {@code ENOSYS} so that glibc falls back to clone(2), as Docker does.</li>
 *   <li>A {@link SeccompPolicy.Custom} policy's {@code allow} then allows calls outright (naming
 *       {@code clone}, {@code clone3}, {@code unshare} or {@code setns} there, or a group holding
 *       them, is how namespace creation is allowed), and its {@code deny} then refuses calls:
 *       deny wins. A refused clone3 always gets {@code ENOSYS}, the one refusal glibc survives.</li>
 * </ol>
 * Every other call fails with {@code EPERM} ({@link #DEFAULT}), so programs degrade rather than
 * die; a call numbered above the newest the table knows fails with {@code ENOSYS}
 * ({@link #NEWER}), so that libc falls back from calls newer than this table, as runc does
 * (libcontainer/seccomp/patchbpf).
 *
 * <p>Immutable. Reads only this package's resources.
 */
public record SeccompRules(SeccompArch arch, SortedMap<String, SeccompDecision> decisions, Set<String> keptCapabilities) {

    /** What a call the rules do not name gets. */
    public static final SeccompDecision DEFAULT = new SeccompDecision.Errno(SeccompDecision.EPERM);

    /** What a call numbered above the table's newest gets. */
    public static final SeccompDecision NEWER = new SeccompDecision.Errno(SeccompDecision.ENOSYS);

    /**
     * Every namespace flag clone(2) takes: CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
     * CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET ({@code <linux/sched.h>}), the mask
     * of Docker's profile. CLONE_NEWTIME (0x80) lies in clone(2)'s exit-signal byte and is only
     * honoured by unshare(2) and clone3(2), both refused.
     */
    public static final int CLONE_NEW_FLAGS = 0x7E020000;

    /**
     * The socket families Docker refuses ({@code <linux/socket.h>}): AF_ALG (38), the kernel's
     * crypto API, and AF_VSOCK (40), sockets to the hypervisor and its other guests.
     */
    public static final List<Integer> REFUSED_SOCKET_FAMILIES = List.of(38, 40);

    /**
     * The personas personality(2) may set under Docker's profile: PER_LINUX, PER_LINUX32
     * (8), PER_LINUX|UNAME26 (0x20000), PER_LINUX32|UNAME26 (0x20008), and 0xffffffff, which
     * only queries.
     */
    public static final List<Integer> PERSONAS = List.of(0x0, 0x8, 0x20000, 0x20008, 0xffffffff);

    /** The calls that create or enter namespaces. */
    public static final Set<String> NAMESPACE_CALLS = Set.of("clone", "clone3", "setns", "unshare");

    private static final Map<String, List<String>> BASELINE = loadBaseline();

    public SeccompRules {
        decisions = Collections.unmodifiableSortedMap(new TreeMap<>(decisions));
        keptCapabilities = Collections.unmodifiableSortedSet(new TreeSet<>(keptCapabilities));
    }

    private static Map<String, List<String>> loadBaseline() {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Resources.lines("docker-default.txt")) {
            if (!Character.isWhitespace(line.charAt(0))) {
                String[] f = Resources.words(line);
                if (!f[0].equals("allow") || f.length > 2) {
                    throw new IllegalStateException("docker-default.txt: malformed section line: " + line);
                }
                current = sections.computeIfAbsent(f.length == 2 ? f[1] : "", k -> new ArrayList<>());
            } else if (current == null) {
                throw new IllegalStateException("docker-default.txt: names before the first section: " + line);
            } else {
                current.addAll(List.of(Resources.words(line)));
            }
        }
        return Collections.unmodifiableMap(sections);
    }

    /** The capabilities for which Docker's profile allows more calls. */
    public static SortedSet<String> capabilitiesWithCalls() {
        SortedSet<String> caps = new TreeSet<>();
        for (String key : BASELINE.keySet()) {
            if (key.startsWith("cap=")) {
                caps.add(key.substring(4));
            }
        }
        return caps;
    }

    /**
     * The rules of {@code policy} for {@code arch} when the step keeps {@code keptCapabilities}
     * ({@code CAP_SYS_ADMIN}, ...); empty for {@link SeccompPolicy.Unconfined}, which has none.
     */
    public static Optional<SeccompRules> of(SeccompPolicy policy, SeccompArch arch, Set<String> keptCapabilities) {
        if (policy instanceof SeccompPolicy.Unconfined) {
            return Optional.empty();
        }
        Syscalls table = Syscalls.of(arch);
        SortedMap<String, SeccompDecision> d = new TreeMap<>();
        SeccompDecision allow = new SeccompDecision.Allow();
        List<String> baseline = new ArrayList<>(BASELINE.getOrDefault("", List.of()));
        baseline.addAll(BASELINE.getOrDefault("arch=" + arch.id(), List.of()));
        for (String cap : new TreeSet<>(keptCapabilities)) {
            baseline.addAll(BASELINE.getOrDefault("cap=" + cap, List.of()));
        }
        for (String name : baseline) {
            put(d, table, name, allow);
        }
        put(d, table, "socket", new SeccompDecision.AllowIf(0,
                new SeccompDecision.NoneOf(REFUSED_SOCKET_FAMILIES), SeccompDecision.EPERM));
        put(d, table, "personality", new SeccompDecision.AllowIf(0,
                new SeccompDecision.OneOf(PERSONAS), SeccompDecision.EPERM));
        // The flags are clone(2)'s first argument on both ABIs; s390 alone swaps the first two.
        put(d, table, "clone", new SeccompDecision.AllowIf(0,
                new SeccompDecision.NoBitsSet(CLONE_NEW_FLAGS), SeccompDecision.EPERM));
        put(d, table, "clone3", refusal("clone3"));
        put(d, table, "unshare", refusal("unshare"));
        put(d, table, "setns", refusal("setns"));
        if (policy instanceof SeccompPolicy.Custom custom) {
            for (String entry : custom.allow()) {
                for (String name : SyscallGroups.expand(entry)) {
                    put(d, table, name, allow);
                }
            }
            for (String entry : custom.deny()) {
                for (String name : SyscallGroups.expand(entry)) {
                    put(d, table, name, refusal(name));
                }
            }
        }
        return Optional.of(new SeccompRules(arch, d, keptCapabilities));
    }

    /** How a refused call fails: ENOSYS for clone3, so glibc falls back to clone(2); else EPERM. */
    private static SeccompDecision refusal(String name) {
        return new SeccompDecision.Errno(name.equals("clone3") ? SeccompDecision.ENOSYS : SeccompDecision.EPERM);
    }

    // A name this ABI lacks is skipped, as systemd and libseccomp skip it.
    private static void put(Map<String, SeccompDecision> d, Syscalls table, String name, SeccompDecision decision) {
        if (table.number(name).isPresent()) {
            d.put(name, decision);
        }
    }

    /** The decision for call {@code name} ({@link #DEFAULT} for one the rules do not name). */
    public SeccompDecision decide(String name) {
        return decisions.getOrDefault(name, DEFAULT);
    }

    /**
     * The decision for call number {@code nr} of this ABI, as the compiled program makes it for
     * a number that passes its ABI checks (on x86_64 the program kills numbers with the x32 bit
     * set, except -1, before any decision).
     */
    public SeccompDecision decide(int nr) {
        Syscalls table = Syscalls.of(arch);
        if (Integer.compareUnsigned(nr, table.highest()) > 0) {
            return NEWER;
        }
        return table.name(nr).map(this::decide).orElse(DEFAULT);
    }

    /** The calls that may run, always or for some arguments. */
    public SortedSet<String> allowed() {
        SortedSet<String> names = new TreeSet<>();
        decisions.forEach((name, decision) -> {
            if (decision.mayRun()) {
                names.add(name);
            }
        });
        return names;
    }

    /**
     * The namespace calls that can create or enter a namespace under these rules: empty when
     * namespace creation is refused.
     */
    public SortedSet<String> namespaceCallsOpen() {
        SortedSet<String> open = new TreeSet<>();
        for (String name : NAMESPACE_CALLS) {
            if (decide(name) instanceof SeccompDecision.Allow) {
                open.add(name);
            }
        }
        return open;
    }
}
