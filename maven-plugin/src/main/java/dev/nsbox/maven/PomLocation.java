package dev.nsbox.maven;

import dev.nsbox.spec.Origin;
import org.apache.maven.model.InputLocation;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.project.MavenProject;

import java.nio.file.Path;

/**
 * Where the pom configures a goal execution, as an {@link Origin}, so that a step written in the
 * pom is named by its pom line when it fails ({@code pom.xml:74:32: error: steps[0] (x): ...}),
 * as a spec's step is by its spec line. Maven records the line of each {@code <configuration>}
 * while it reads the pom; a parent's configuration names the parent's pom.
 */
final class PomLocation {

    private PomLocation() {
    }

    static Origin of(MavenProject project, MojoExecution execution, Path root) {
        Plugin plugin = project.getPlugin(execution.getGroupId() + ":" + execution.getArtifactId());
        InputLocation at = null;
        if (plugin != null) {
            PluginExecution pe = plugin.getExecutionsAsMap().get(execution.getExecutionId());
            at = pe != null ? pe.getLocation("configuration") : null;
            at = at != null ? at : plugin.getLocation("configuration");
        }
        Path pom = project.getFile().toPath();
        if (at != null && at.getSource() != null && at.getSource().getLocation() != null) {
            pom = Path.of(at.getSource().getLocation());
        }
        String name = SpecFiles.displayName(pom, root);
        if (at == null || at.getLineNumber() <= 0) {
            return new Origin(name, 0, 0, "");
        }
        return new Origin(name, at.getLineNumber(), Math.max(1, at.getColumnNumber()), "");
    }
}
