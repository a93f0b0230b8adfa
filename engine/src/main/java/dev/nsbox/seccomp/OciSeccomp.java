package dev.nsbox.seccomp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The same policy in the form of the OCI runtime spec: the {@code linux.seccomp} object of
 * {@code config.json} (runtime-spec config-linux.md, "Seccomp"), as plain maps and lists for
 * {@link dev.nsbox.json.Json}.
 *
 * <p>What differs from nsbox's own program, because the runtime's libseccomp builds it: argument
 * comparisons cover all 64 bits rather than the low 32; calls of another ABI meet libseccomp's
 * bad-architecture action (the process is killed) since only native ABIs are listed; calls newer
 * than the runtime's table are its business (runc answers them with ENOSYS, as nsbox does).
 * Refusals with EPERM are left to {@code defaultAction}: libseccomp rejects a rule whose action
 * equals the default.
 *
 * <p>Stateless. Never touches the host.
 */
public final class OciSeccomp {

    private OciSeccomp() {
    }

    /**
     * The {@code linux.seccomp} object for {@code policy} and {@code keptCapabilities} on
     * {@code arches}; empty for {@link SeccompPolicy.Unconfined}, whose spec has no such object.
     * A call is listed under one rule with the names of every ABI that has it.
     */
    public static Optional<Map<String, Object>> linuxSeccomp(SeccompPolicy policy, Set<String> keptCapabilities,
            List<SeccompArch> arches) {
        if (arches.isEmpty()) {
            throw new IllegalArgumentException("an OCI seccomp object needs an architecture");
        }
        Map<SeccompDecision, SortedSet<String>> byDecision = new LinkedHashMap<>();
        List<String> archNames = new ArrayList<>();
        for (SeccompArch arch : arches) {
            Optional<SeccompRules> rules = SeccompRules.of(policy, arch, keptCapabilities);
            if (rules.isEmpty()) {
                return Optional.empty();
            }
            archNames.add(arch.ociName());
            rules.get().decisions().forEach((name, d) -> {
                if (!d.equals(SeccompRules.DEFAULT)) {
                    byDecision.computeIfAbsent(d, k -> new TreeSet<>()).add(name);
                }
            });
        }
        List<Object> syscalls = new ArrayList<>();
        byDecision.forEach((d, names) -> syscalls.addAll(rules(d, List.copyOf(names))));
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
        seccomp.put("defaultErrnoRet", SeccompDecision.EPERM);
        seccomp.put("architectures", archNames);
        seccomp.put("syscalls", syscalls);
        return Optional.of(seccomp);
    }

    private static List<Map<String, Object>> rules(SeccompDecision d, List<String> names) {
        if (d instanceof SeccompDecision.Allow) {
            return List.of(rule(names, "SCMP_ACT_ALLOW", null, List.of()));
        }
        if (d instanceof SeccompDecision.Errno e) {
            return List.of(rule(names, "SCMP_ACT_ERRNO", e.errno(), List.of()));
        }
        SeccompDecision.AllowIf a = (SeccompDecision.AllowIf) d;
        List<Map<String, Object>> out = new ArrayList<>();
        if (a.test() instanceof SeccompDecision.NoBitsSet t) {
            out.add(rule(names, "SCMP_ACT_ALLOW", null,
                    List.of(arg(a.arg(), t.mask(), 0L, "SCMP_CMP_MASKED_EQ"))));
        } else if (a.test() instanceof SeccompDecision.NoneOf t) {
            // As Docker's profile says it: below the lowest, each value in a gap, above the highest.
            List<Integer> values = t.values().stream().sorted(Integer::compareUnsigned).toList();
            out.add(rule(names, "SCMP_ACT_ALLOW", null, List.of(arg(a.arg(), values.get(0), null, "SCMP_CMP_LT"))));
            for (int i = 0; i + 1 < values.size(); i++) {
                long from = Integer.toUnsignedLong(values.get(i)) + 1;
                long to = Integer.toUnsignedLong(values.get(i + 1));
                if (to - from > 8) {
                    out.add(rule(names, "SCMP_ACT_ALLOW", null, List.of(
                            arg(a.arg(), values.get(i), null, "SCMP_CMP_GT"),
                            arg(a.arg(), values.get(i + 1), null, "SCMP_CMP_LT"))));
                } else {
                    for (long v = from; v < to; v++) {
                        out.add(rule(names, "SCMP_ACT_ALLOW", null, List.of(arg(a.arg(), (int) v, null, "SCMP_CMP_EQ"))));
                    }
                }
            }
            out.add(rule(names, "SCMP_ACT_ALLOW", null,
                    List.of(arg(a.arg(), values.get(values.size() - 1), null, "SCMP_CMP_GT"))));
        } else {
            // Conditions within one rule must all hold, so each allowed value is a rule of its own.
            for (int v : ((SeccompDecision.OneOf) a.test()).values()) {
                out.add(rule(names, "SCMP_ACT_ALLOW", null, List.of(arg(a.arg(), v, null, "SCMP_CMP_EQ"))));
            }
        }
        return out;
    }

    private static Map<String, Object> rule(List<String> names, String action, Integer errno, List<Object> args) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("names", names);
        r.put("action", action);
        if (errno != null) {
            r.put("errnoRet", errno);
        }
        if (!args.isEmpty()) {
            r.put("args", args);
        }
        return r;
    }

    private static Map<String, Object> arg(int index, int value, Long valueTwo, String op) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("index", index);
        a.put("value", Integer.toUnsignedLong(value));
        if (valueTwo != null) {
            a.put("valueTwo", valueTwo);
        }
        a.put("op", op);
        return a;
    }
}
