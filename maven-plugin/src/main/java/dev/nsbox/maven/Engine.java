package dev.nsbox.maven;

import dev.nsbox.host.Preparation;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostView;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.yaml.LoadedSpec;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;

import java.io.IOException;
import java.util.List;

/**
 * The engine's flow as the goals use it (docs/design.md): text, then the checked spec, then the
 * pom's overrides, then the pure plan with its host effects predicted against the live mount
 * table ({@link Preparation}, as for the CLI). Every outcome goes through {@link Outcomes}.
 *
 * <p>Stateless and thread-safe.
 */
final class Engine {

    private Engine() {
    }

    /**
     * Reads the spec, applies the pom's overrides, plans it against {@code host} and predicts
     * its host effects. The preparation is returned even when it holds errors, so that
     * {@code nsbox:plan} and {@code nsbox:explain} can show what is refused;
     * {@link Outcomes#plan} decides whether it may run.
     */
    static Preparation prepare(Outcomes outcomes, Outcomes.Source source, SpecOverrides overrides, HostView host)
            throws MojoFailureException, MojoExecutionException {
        LoadedSpec loaded = outcomes.load(source);
        Spec spec;
        try {
            spec = overrides.apply(loaded.spec());
        } catch (IllegalArgumentException e) {
            throw outcomes.badParameter(e.getMessage());
        }
        MountTable table;
        try {
            table = Preparation.liveMountTable();
        } catch (IOException | IllegalArgumentException e) {
            throw outcomes.machine(List.of("cannot read this process's mount table (/proc/self/mountinfo): "
                    + e.getMessage()));
        }
        return Preparation.prepare(new LoadedSpec(spec, loaded.warnings()), null, host, table);
    }
}
