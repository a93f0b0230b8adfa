package dev.nsbox.plan;

import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans what runs once the sandbox is set up: each step with its complete environment (the
 * host's, or only the variables the spec keeps, then the spec's, then the step's), its working
 * directory and its timeout, and checks that each working directory exists in the sandbox.
 *
 * <p>Stateless.
 */
final class StepPlanner {

    private StepPlanner() {
    }

    /**
     * The spec's steps; when {@code command} is not null, one step named {@code command} that
     * runs it instead.
     */
    static List<StepLaunch> steps(Spec spec, HostView host, List<String> command) {
        return steps(spec, host.environment(), host.cwd(), command);
    }

    /** As {@link #steps(Spec, HostView, List)}, with the caller's environment and working directory. */
    static List<StepLaunch> steps(Spec spec, Map<String, String> environment, String cwd, List<String> command) {
        Map<String, String> base = new LinkedHashMap<>();
        if (!spec.process().env().clear()) {
            base.putAll(environment);
        } else {
            for (String name : spec.process().env().keep()) {
                String v = environment.get(name);
                if (v != null) {
                    base.put(name, v);
                }
            }
        }
        base.put("NSBOX_SANDBOX", "1"); // tells a build inside a step that it is sandboxed already (nsbox:run skips there)
        base.putAll(spec.process().env().set());
        String defaultCwd = spec.process().cwd() != null ? spec.process().cwd()
                : spec.root().type() == RootType.HOST ? cwd : "/";
        Duration defaultTimeout = spec.process().timeout();
        List<StepLaunch> launches = new ArrayList<>();
        if (command != null) {
            launches.add(new StepLaunch("command", command, envList(base), defaultCwd, defaultTimeout,
                    spec.origins().self()));
            return launches;
        }
        for (Step s : spec.steps()) {
            Map<String, String> env = new LinkedHashMap<>(base);
            env.putAll(s.env());
            launches.add(new StepLaunch(s.name(), s.argv(), envList(env), s.cwd() != null ? s.cwd() : defaultCwd,
                    s.timeout() != null ? s.timeout() : defaultTimeout, s.origins().self()));
        }
        return launches;
    }

    private static List<String> envList(Map<String, String> env) {
        List<String> list = new ArrayList<>(env.size());
        env.forEach((k, v) -> list.add(k + "=" + v));
        return list;
    }

    /**
     * A step whose working directory the sandbox does not have would fail in chdir(2) after
     * set-up; say so now, naming what covers it (typically the caller's working directory
     * under a tmpfs the spec mounts on /tmp).
     */
    static void checkWorkingDirectories(PlanDraft draft, List<StepLaunch> steps) {
        Set<String> reported = new HashSet<>();
        for (StepLaunch s : steps) {
            String cwd = s.cwd();
            if (cwd == null || draft.view.kind(cwd) != HostView.Kind.MISSING || !reported.add(cwd)) {
                continue;
            }
            SandboxView.Layer layer = draft.view.layerOf(cwd);
            String covered = layer != null && !layer.target().equals("/")
                    ? "; the " + layer.backing().describe() + " on " + layer.target() + " covers it" : "";
            draft.error(s.origin(), "step " + s.name() + ": the working directory " + cwd
                    + " does not exist inside the sandbox" + covered
                    + "; set process.cwd (or the step's cwd) to a directory the sandbox has");
        }
    }
}
