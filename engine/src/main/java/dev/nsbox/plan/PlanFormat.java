package dev.nsbox.plan;

import dev.nsbox.json.Json;
import dev.nsbox.mounts.HostEffect;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints a {@link Plan} for people ({@link #text}) and for programs ({@link #json}). The text
 * form is C: one call per line, each followed by the spec position it comes from, so a reader
 * can jump from a call to the line that asked for it. Golden files pin both forms.
 */
public final class PlanFormat {

    private PlanFormat() {
    }

    public static String text(Plan plan) {
        StringBuilder sb = new StringBuilder();
        sb.append("/* nsbox plan for ").append(plan.spec().file());
        if (plan.spec().name() != null) {
            sb.append(" (").append(plan.spec().name()).append(')');
        }
        sb.append(" */\n");
        for (String note : plan.notes()) {
            sb.append("/* note: ").append(note).append(" */\n");
        }
        int width = 0;
        for (Op op : plan.ops()) {
            width = Math.max(width, op.call().length() + 1);
        }
        width = Math.min(width, 100);
        for (Op op : plan.ops()) {
            String call = op.call() + ";";
            sb.append(call);
            sb.append(" ".repeat(Math.max(1, width + 2 - call.length())));
            sb.append("/* ").append(where(op.origin())).append(" */\n");
        }
        if (!plan.expectations().isEmpty()) {
            sb.append("\n/* then checked in the sandbox's mount table: */\n");
            for (Expectation e : plan.expectations()) {
                sb.append("/*   ").append(describe(e)).append(" */\n");
            }
        }
        if (plan.launch() != null && plan.launch().confinement() != null) {
            sb.append("\n/* confinement of every step, applied by nsbox-init before execve: */\n");
            for (String line : plan.launch().confinement().describe()) {
                sb.append("/*   ").append(line.replace("*/", "* /")).append(" */\n");
            }
        }
        sb.append("\n/* steps: */\n");
        for (StepLaunch s : plan.launch().steps()) {
            sb.append("/*   ").append(s.name()).append(": ").append(String.join(" ", s.argv().stream()
                    .map(PlanFormat::shellWord).toList())).append("  (cwd ").append(s.cwd());
            if (s.timeout() != null) {
                sb.append(", timeout ").append(duration(s.timeout()));
            }
            sb.append(") */\n");
        }
        if (plan.hostEffects() != null) {
            sb.append("\n/* host effects: ");
            if (plan.hostEffects().isEmpty()) {
                sb.append("none; the sandbox is sealed from the host */\n");
            } else {
                sb.append(plan.hostEffects().size()).append(" (hostEffects: ")
                        .append(plan.spec().hostEffects().word()).append(") */\n");
                for (HostEffect h : plan.hostEffects()) {
                    sb.append("/*   ").append(where(h.origin())).append(": ").append(h.describe()).append(" */\n");
                }
            }
        }
        return sb.toString();
    }

    public static String json(Plan plan) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("spec", plan.spec().file());
        root.put("name", plan.spec().name());
        root.put("notes", plan.notes());
        List<Object> ops = new ArrayList<>();
        for (Op op : plan.ops()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("op", op.getClass().getSimpleName());
            o.put("call", op.call());
            o.put("origin", origin(op.origin()));
            ops.add(o);
        }
        root.put("operations", ops);
        List<Object> checks = new ArrayList<>();
        for (Expectation e : plan.expectations()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("label", e.label());
            o.put("target", e.target());
            o.put("fstype", e.fstype());
            o.put("readOnly", e.readOnly());
            o.put("submountsReadOnly", e.submountsReadOnly());
            o.put("propagation", e.propagation() == null ? null : e.propagation().name().toLowerCase());
            checks.add(o);
        }
        root.put("expectations", checks);
        List<Object> steps = new ArrayList<>();
        for (StepLaunch s : plan.launch().steps()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", s.name());
            o.put("argv", s.argv());
            o.put("cwd", s.cwd());
            o.put("timeoutMillis", s.timeout() == null ? null : s.timeout().toMillis());
            o.put("origin", origin(s.origin()));
            steps.add(o);
        }
        root.put("steps", steps);
        if (plan.launch() != null && plan.launch().confinement() != null) {
            root.put("confinement", plan.launch().confinement().describe());
        }
        if (plan.hostEffects() != null) {
            List<Object> effects = new ArrayList<>();
            for (HostEffect h : plan.hostEffects()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("target", h.target());
                o.put("label", h.label());
                o.put("kind", h.kind().word());
                o.put("mount", h.what());
                o.put("peerGroup", h.peerGroup());
                o.put("namespace", h.namespace());
                o.put("rule", h.rule());
                o.put("origin", origin(h.origin()));
                effects.add(o);
            }
            root.put("hostEffects", effects);
            root.put("hostEffectsPolicy", plan.spec().hostEffects().word());
        }
        List<Object> diags = new ArrayList<>();
        for (Diagnostic d : plan.diagnostics()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("severity", d.severity().word());
            o.put("message", d.message());
            o.put("origin", origin(d.origin()));
            diags.add(o);
        }
        root.put("diagnostics", diags);
        return Json.write(root) + "\n";
    }

    private static Map<String, Object> origin(Origin o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", o.file());
        m.put("line", o.line());
        m.put("column", o.column());
        m.put("path", o.path());
        return m;
    }

    private static String where(Origin o) {
        return o.path().isEmpty() ? o.location() : o.location() + " " + o.path();
    }

    static String describe(Expectation e) {
        StringBuilder sb = new StringBuilder(e.label()).append(": ").append(e.target());
        sb.append(e.fstype() == null ? " is a mount" : " is " + e.fstype());
        if (e.readOnly()) {
            sb.append(e.submountsReadOnly() ? ", read-only with every submount" : ", read-only");
        }
        if (e.propagation() != null) {
            sb.append(", ").append(e.propagation().name().toLowerCase());
        }
        return sb.toString();
    }

    /** A word as a POSIX shell would need it quoted, for display. */
    static String shellWord(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
