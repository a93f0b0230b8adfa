package dev.nsbox.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The goals that look at every spec of the project ({@code validate}, {@code doctor}): {@code spec}
 * and {@code specs}.
 */
abstract class AbstractSpecsMojo extends AbstractSpecMojo {

    /**
     * More specs, besides {@code spec}: files, or folders that stand for every {@code *.yaml}
     * file under them. A listed file that does not exist is an error; so is a folder without any
     * spec in it. On the command line: {@code -Dnsbox.specs=specs,ci/nsbox.yaml}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.specs")
    protected List<File> specs;

    /**
     * Every spec of the project: {@code spec} when it exists (or was named explicitly), and each
     * of {@code specs} (relative to the project's folder), folders expanded.
     */
    protected List<Path> projectSpecs(Outcomes outcomes) throws MojoFailureException {
        List<File> entries = new ArrayList<>();
        // The default spec counts when it is there; a module without one has nothing to check.
        Path defaultSpec = project.getBasedir().toPath().resolve("nsbox.yaml").toAbsolutePath().normalize();
        if (spec.exists() || !spec.getAbsoluteFile().toPath().normalize().equals(defaultSpec)) {
            entries.add(spec);
        }
        if (specs != null) {
            for (File f : specs) {
                entries.add(f.isAbsolute() ? f : new File(project.getBasedir(), f.getPath()));
            }
        }
        try {
            return SpecFiles.expand(entries);
        } catch (IOException e) {
            throw outcomes.badParameter("cannot list the specs in " + entries + ": " + e.getMessage());
        }
    }
}
