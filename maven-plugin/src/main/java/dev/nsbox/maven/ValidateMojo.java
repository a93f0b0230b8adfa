package dev.nsbox.maven;

import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import javax.inject.Inject;
import java.io.File;
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
public class ValidateMojo extends AbstractSpecMojo {

    /**
     * More specs to check, besides {@code spec}: files, or folders that stand for every
     * {@code *.yaml} file under them. A listed file that does not exist is an error; so is a
     * folder without any spec in it. On the command line: {@code -Dnsbox.specs=specs,ci/nsbox.yaml}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.specs")
    private List<File> specs;

    @Inject
    public ValidateMojo(MavenProject project, MavenSession session) {
        super(project, session);
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoFailureException {
        List<Path> files = projectSpecs(specs, outcomes);
        if (files.isEmpty()) {
            getLog().info("nsbox: no spec to validate (" + spec + " does not exist, and <specs> is empty)");
            return;
        }
        List<Outcomes.Source> sources = new ArrayList<>();
        for (Path f : files) {
            sources.add(source(f, false));
        }
        int n = outcomes.validate(sources);
        getLog().info("nsbox: " + n + (n == 1 ? " spec is" : " specs are") + " valid: "
                + String.join(", ", sources.stream().map(Outcomes.Source::displayName).toList()));
    }
}
