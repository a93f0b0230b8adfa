package dev.nsbox.engine;

import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepResult;
import dev.nsbox.json.Json;
import dev.nsbox.mounts.HostEffect;
import dev.nsbox.plan.Plan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report of one run, as JSON for CI dashboards ({@code nsbox run --report FILE}, and
 * {@code target/nsbox/} of the Maven goal {@code run}):
 *
 * <pre>{@code
 * {"spec": {"file": "specs/ci.yaml", "name": "ci"},
 *  "exitCode": 3,
 *  "steps": [{"name": "test", "exitCode": 3, "signal": null, "durationMs": 812, "killedBy": null}],
 *  "host": {"result": "unchanged", "predictedEffects": [], "changes": []}}
 * }</pre>
 *
 * <ul>
 *   <li>{@code signal}: the number of the signal that killed the step, or null.</li>
 *   <li>{@code killedBy}: {@code "timeout"} when its timeout expired, {@code "memory"} when the
 *       sandbox's memory limit killed it, else null.</li>
 *   <li>{@code host.result}: {@code unchanged} (the host's mount table is as before),
 *       {@code predicted} (it changed only as the plan predicted), {@code unpredicted} (the
 *       sandbox changed it and the plan did not say so: the run failed), or {@code host} (it
 *       changed, through the host's own activity, not the sandbox).</li>
 * </ul>
 *
 * <p>Stateless; {@link #write} writes one file and nothing else.
 */
public final class RunReport {

    private RunReport() {
    }

    /** The report as a map of plain values, in the order the JSON lists them. */
    public static Map<String, Object> of(Plan plan, RunResult result) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("file", plan.spec().file());
        spec.put("name", plan.spec().name());
        List<Object> steps = new ArrayList<>();
        for (StepResult s : result.steps()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", s.name());
            o.put("exitCode", s.exitCode());
            o.put("signal", s.signal() == 0 ? null : s.signal());
            o.put("durationMs", s.duration() == null ? null : s.duration().toMillis());
            o.put("killedBy", killedBy(s));
            steps.add(o);
        }
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("result", hostResult(result));
        List<Object> predicted = new ArrayList<>();
        if (plan.hostEffects() != null) {
            for (HostEffect e : plan.hostEffects()) {
                predicted.add(e.describe());
            }
        }
        host.put("predictedEffects", predicted);
        host.put("changes", new ArrayList<Object>(result.hostChanges()));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("spec", spec);
        report.put("exitCode", result.exitCode());
        report.put("steps", steps);
        report.put("host", host);
        return report;
    }

    /** The report as JSON text, ending with a newline. */
    public static String json(Plan plan, RunResult result) {
        return Json.write(of(plan, result)) + "\n";
    }

    /**
     * Writes the report to {@code file} (its folder created), through a temporary file renamed
     * over it, so that a dashboard reading it never sees half a report.
     */
    public static void write(Path file, Plan plan, RunResult result) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".nsbox-report", ".tmp");
        try {
            Files.writeString(tmp, json(plan, result), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What killed the step: {@code timeout}, {@code memory} (its cgroup's OOM kill) or null. */
    static String killedBy(StepResult s) {
        if (s.killedBy() != null) {
            return s.killedBy();
        }
        return s.timedOut() ? StepResult.KILLED_BY_TIMEOUT : null;
    }

    /**
     * The host check's verdict, from the messages the sandbox wrote when it compared the host's
     * mount table before and after the run ({@code Sandbox.compareHost}).
     */
    static String hostResult(RunResult result) {
        if (result.hostChanges().isEmpty()) {
            return "unchanged";
        }
        if (result.messages().stream().anyMatch(m -> m.startsWith("error: the sandbox changed the host's mount table"))) {
            return "unpredicted";
        }
        if (result.messages().stream().anyMatch(m -> m.startsWith("note: predicted host effect"))) {
            return "predicted";
        }
        return "host";
    }
}
