package dev.nsbox.maven;

import java.util.List;
import java.util.Map;

/**
 * A step written in the pom ({@code <steps><step>...</step></steps>} of {@code nsbox:run}), with
 * the keys of a spec's step: {@code name}, then {@code run} (an argv, no shell: one {@code <arg>}
 * per word) or {@code shell} (a line for {@code /bin/sh -c}), and optionally {@code cwd}
 * (relative to the project's folder), {@code timeout} ({@code 30s}, {@code 10m}) and
 * {@code env}. Maven sets the fields; {@link SpecOverrides} checks them.
 */
public class PomStep {

    /** The step's name, printed before each line of its output. */
    private String name;
    /** The argv to execute, without a shell. */
    private List<String> run;
    /** A command line for {@code /bin/sh -c}. */
    private String shell;
    /** The working directory inside the sandbox; relative to the project's folder. */
    private String cwd;
    /** How long the step may run ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}). */
    private String timeout;
    /** Variables set for this step only. */
    private Map<String, String> env;

    public PomStep() {
    }

    PomStep(String name, List<String> run, String shell, String cwd, String timeout, Map<String, String> env) {
        this.name = name;
        this.run = run;
        this.shell = shell;
        this.cwd = cwd;
        this.timeout = timeout;
        this.env = env;
    }

    String name() {
        return name;
    }

    List<String> run() {
        return run;
    }

    String shell() {
        return shell;
    }

    String cwd() {
        return cwd;
    }

    String timeout() {
        return timeout;
    }

    Map<String, String> env() {
        return env == null ? Map.of() : env;
    }
}
