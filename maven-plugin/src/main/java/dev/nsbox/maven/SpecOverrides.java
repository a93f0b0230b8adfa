package dev.nsbox.maven;

import dev.nsbox.engine.Overrides;
import dev.nsbox.spec.EnvSpec;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import dev.nsbox.spec.yaml.Values;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the pom or the command line changes in a spec before it is planned: the steps (those of
 * the pom, or one ad-hoc {@code command}, instead of the spec's), the default timeout, extra
 * environment and the working directory. The sandbox itself (namespaces, root, mounts) always
 * comes from the spec: the pom can choose what runs, never weaken how it is isolated.
 *
 * <p>Immutable; {@link #apply} returns a new {@link Spec} and never touches the machine.
 *
 * @param steps            steps of the pom, or null/empty to keep the spec's
 * @param stepsOrigin      where the pom configures them, for messages about a failing step
 * @param command          a line for {@code /bin/sh -c} that replaces every step, or null
 * @param timeout          the default timeout of a step ({@code 10m}), or null to keep the spec's
 * @param environment      variables set for every step, over the spec's {@code process.env.set}
 * @param workingDirectory the default working directory of a step, or null to keep the spec's
 * @param basedir          the project's folder, against which relative directories are resolved
 */
record SpecOverrides(
        List<PomStep> steps,
        Origin stepsOrigin,
        String command,
        String timeout,
        Map<String, String> environment,
        String workingDirectory,
        String basedir) {

    /** These overrides as the engine takes them ({@link #apply} on the checked spec). */
    Overrides forEngine() {
        return new Overrides(this::apply, null);
    }

    /** The names a step may have, as in a spec. */
    private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /**
     * The spec with these overrides.
     *
     * @throws IllegalArgumentException naming the parameter that is wrong and why
     */
    Spec apply(Spec spec) {
        ProcessSpec p = spec.process();
        Duration defaultTimeout = timeout == null || timeout.isBlank() ? p.timeout() : duration(timeout, "nsbox.timeout");
        EnvSpec env = p.env();
        if (environment != null && !environment.isEmpty()) {
            Map<String, String> set = new LinkedHashMap<>(env.set());
            environment.forEach((k, v) -> set.put(k, v == null ? "" : v));
            env = new EnvSpec(env.clear(), env.keep(), set, env.origins());
        }
        String cwd = workingDirectory == null || workingDirectory.isBlank() ? p.cwd() : absolute(workingDirectory);
        ProcessSpec process = new ProcessSpec(cwd, env, defaultTimeout, p.noNewPrivileges(), p.capabilities(),
                p.seccomp(), p.origins());

        List<Step> newSteps = spec.steps();
        if (command != null && !command.isBlank()) {
            Origin o = Origin.synthetic("-Dnsbox.command");
            newSteps = List.of(new Step(0, "command", null, command, null, Map.of(), null, Origins.of(o)));
        } else if (steps != null && !steps.isEmpty()) {
            newSteps = pomSteps();
        }
        return new Spec(spec.file(), spec.baseDir(), spec.version(), spec.name(), spec.description(),
                spec.namespaces(), spec.user(), spec.hostname(), spec.propagation(), spec.hostEffects(), spec.root(),
                spec.mounts(), process, spec.limits(), newSteps, spec.origins());
    }

    private List<Step> pomSteps() {
        List<Step> list = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            PomStep s = steps.get(i);
            String label = "<steps> step " + (i + 1);
            if (s == null) {
                throw new IllegalArgumentException(label + " is empty; give it <run> or <shell>");
            }
            String name = s.name() == null || s.name().isBlank() ? "step-" + (i + 1) : s.name().strip();
            if (!STEP_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(label + ": <name> may hold letters, digits, '.', '_' and '-', "
                        + "starting with a letter or digit, got \"" + name + "\"");
            }
            boolean hasRun = s.run() != null && !s.run().isEmpty();
            boolean hasShell = s.shell() != null && !s.shell().isBlank();
            if (hasRun == hasShell) {
                throw new IllegalArgumentException(label + " (" + name + ") needs exactly one of <run> (an argv, one "
                        + "<arg> per word, no shell) and <shell> (a command line for /bin/sh -c)");
            }
            Duration t = s.timeout() == null || s.timeout().isBlank() ? null : duration(s.timeout(), label + " <timeout>");
            String cwd = s.cwd() == null || s.cwd().isBlank() ? null : absolute(s.cwd());
            Origin o = stepsOrigin.withPath("steps[" + i + "]");
            list.add(new Step(i, name, hasRun ? s.run() : null, hasRun ? null : s.shell(), t, s.env(), cwd,
                    Origins.of(o)));
        }
        return list;
    }

    /** A duration in the spec's notation; the exception's message names {@code what}. */
    static Duration duration(String value, String what) {
        try {
            return Values.duration(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be " + e.getMessage());
        }
    }

    private String absolute(String dir) {
        return Path.of(basedir).resolve(dir.strip()).normalize().toString();
    }
}
