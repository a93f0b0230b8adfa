package dev.nsbox.maven;

import dev.nsbox.engine.SpecSource;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks every spec of the project without touching the machine: the default {@code nsbox.yaml}
 * (when it exists) and the files and folders listed in {@code specs}. Every problem of every spec
 * is printed on a line of its own in the form compilers use ({@code nsbox.yaml:7:5: error: ...});
 * a spec with an error fails the build. Bound to the {@code validate} phase by default, so that a
 * typo is found before anything is compiled.
 *
 * @since 0.1.0
 */
@Mojo(name = "validate", defaultPhase = LifecyclePhase.VALIDATE, threadSafe = true)
public class ValidateMojo extends AbstractSpecsMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.validate.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.validate.skip", defaultValue = "false")
    private boolean skipValidate;

    @Override
    protected boolean skipGoal() {
        return skipValidate;
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoFailureException {
        List<Path> files = projectSpecs(outcomes);
        if (files.isEmpty()) {
            getLog().info("nsbox: no spec to validate (" + spec + " does not exist, and <specs> is empty)");
            return;
        }
        List<SpecSource> sources = new ArrayList<>();
        for (Path f : files) {
            sources.add(source(f, false));
        }
        int n = outcomes.validate(sources);
        getLog().info("nsbox: " + n + (n == 1 ? " spec is" : " specs are") + " valid: "
                + String.join(", ", sources.stream().map(SpecSource::displayName).toList()));
    }
}
