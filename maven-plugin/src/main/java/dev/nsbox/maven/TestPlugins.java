package dev.nsbox.maven;

import org.apache.maven.model.InputLocation;
import org.apache.maven.model.Plugin;
import org.apache.maven.model.PluginExecution;
import org.codehaus.plexus.util.xml.Xpp3Dom;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The test plugins of a project's effective model (its pom, its parents', and the executions
 * Maven's lifecycle adds, such as Surefire's {@code default-test}), as {@link ForkChecks} reads
 * them.
 *
 * <p>Stateless.
 */
final class TestPlugins {

    static final String SUREFIRE = "maven-surefire-plugin";
    static final String FAILSAFE = "maven-failsafe-plugin";

    private static final Set<String> PARAMETERS = Set.of("jvm", "forkCount", "forkMode", "forkNode",
            "enableProcessChecker", "disableXmlReport", "reportsDirectory", "debugForkedProcess");

    private TestPlugins() {
    }

    /**
     * Every execution of Surefire's {@code test} and Failsafe's {@code integration-test}, or the
     * plugin's own configuration when it lists no execution.
     *
     * @param root the execution root, against which pom paths are shown
     */
    static List<ForkChecks.Execution> of(List<Plugin> plugins, Path root) {
        List<ForkChecks.Execution> list = new ArrayList<>();
        for (Plugin p : plugins) {
            if (!"org.apache.maven.plugins".equals(p.getGroupId())
                    || !(SUREFIRE.equals(p.getArtifactId()) || FAILSAFE.equals(p.getArtifactId()))) {
                continue;
            }
            String goal = SUREFIRE.equals(p.getArtifactId()) ? "test" : "integration-test";
            Map<String, ForkChecks.Value> own = values((Xpp3Dom) p.getConfiguration(), root);
            String location = location(p.getLocation(""), root);
            boolean any = false;
            for (PluginExecution e : p.getExecutions()) {
                if (!e.getGoals().contains(goal)) {
                    continue;
                }
                any = true;
                Map<String, ForkChecks.Value> merged = new LinkedHashMap<>(own);
                merged.putAll(values((Xpp3Dom) e.getConfiguration(), root));
                list.add(new ForkChecks.Execution(p.getArtifactId(), p.getVersion(), e.getId(), location, merged));
            }
            if (!any) {
                list.add(new ForkChecks.Execution(p.getArtifactId(), p.getVersion(), null, location, own));
            }
        }
        return list;
    }

    private static Map<String, ForkChecks.Value> values(Xpp3Dom config, Path root) {
        Map<String, ForkChecks.Value> values = new LinkedHashMap<>();
        if (config == null) {
            return values;
        }
        for (Xpp3Dom child : config.getChildren()) {
            if (PARAMETERS.contains(child.getName())) {
                Object where = child.getInputLocation();
                values.put(child.getName(), new ForkChecks.Value(child.getValue(), child.getAttribute("implementation"),
                        where instanceof InputLocation l ? location(l, root) : null));
            }
        }
        return values;
    }

    /** {@code pom.xml:31:15}, relative to the execution root where it lies under it. */
    static String location(InputLocation l, Path root) {
        if (l == null || l.getSource() == null || l.getSource().getLocation() == null) {
            return null;
        }
        String file = l.getSource().getLocation();
        try {
            file = SpecFiles.displayName(Path.of(file), root);
        } catch (RuntimeException e) {
            // Not a path (a parent named by its coordinates): shown as Maven names it.
        }
        return file + ":" + l.getLineNumber() + ":" + l.getColumnNumber();
    }
}
