package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What this machine allows nsbox to do, and how to enable what it does not: root or not, user
 * namespaces and any policy restricting them, each namespace type, the mount API; then whether
 * each spec of the project ({@code nsbox.yaml} and {@code specs}) can run here. Probes only what
 * is harmless to probe, changes nothing, and never fails the build: what is missing is logged
 * as a warning with its fix. Runs without a project too ({@code mvn dev.nsbox:nsbox-maven-plugin:doctor}).
 *
 * @since 0.1.0
 */
@Mojo(name = "doctor", threadSafe = true, requiresProject = false)
public class DoctorMojo extends AbstractSpecsMojo {

    /**
     * Skips this goal alone, where {@code nsbox.skip} skips every goal of the plugin:
     * {@code -Dnsbox.doctor.skip}.
     *
     * @since 0.1.0
     */
    @Parameter(property = "nsbox.doctor.skip", defaultValue = "false")
    private boolean skipDoctor;

    @Override
    protected boolean skipGoal() {
        return skipDoctor;
    }

    @Override
    protected void perform(Outcomes outcomes) throws MojoFailureException {
        List<Path> files = projectSpecs(outcomes);
        Map<String, String> variables = source(files.isEmpty() ? spec.toPath() : files.get(0), false).variables();
        Log log = getLog();
        String section = null;
        for (var c : NsboxEngine.doctor(files, variables).checks()) {
            if (!c.section().equals(section)) {
                section = c.section();
                log.info(section + ":");
            }
            boolean lacking = c.lacking();
            String line = String.format("  %-5s %s", c.status().word(), c.text());
            if (lacking) {
                log.warn(line);
            } else {
                log.info(line);
            }
            if (c.fix() != null) {
                String fix = "        fix: " + c.fix();
                if (lacking) {
                    log.warn(fix);
                } else {
                    log.info(fix);
                }
            }
        }
    }
}
