package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which reports prove a sandboxed fork, which name an unsandboxed one, and which prove nothing. */
class ForkReportsTest {

    @TempDir
    Path dir;

    private Path report(String name, String... properties) throws Exception {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"x\">\n  <properties>\n");
        for (int i = 0; i < properties.length; i += 2) {
            sb.append("    <property name=\"").append(properties[i]).append("\" value=\"").append(properties[i + 1])
                    .append("\"/>\n");
        }
        sb.append("  </properties>\n  <testcase name=\"t\" classname=\"x\"/>\n")
                .append("  <property name=\"nsbox.sandboxed\" value=\"RUN\"/>\n</testsuite>\n");
        Path p = dir.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    @Test
    void reportsAreJudgedByTheirJvmsProperties() throws Exception {
        Path ok = report("TEST-a.xml", "sun.java.command", "/p/target/surefire/surefirebooter.jar", "nsbox.sandboxed", "RUN");
        Path other = report("TEST-b.xml", "nsbox.sandboxed", "OLD-RUN");
        Path plain = report("TEST-c.xml", "sun.java.command", "/p/target/surefire/surefirebooter.jar");
        Path maven = report("TEST-d.xml", "sun.java.command", "org.codehaus.plexus.classworlds.launcher.Launcher verify");
        report("failsafe-summary.xml");
        Path stale = report("TEST-e.xml");
        Files.setLastModifiedTime(stale, FileTime.fromMillis(1000));

        ForkReports.Verdict v = ForkReports.judge(List.of(dir, dir.resolve("missing")), "RUN", 2000);
        assertEquals(List.of(ok), v.sandboxed());
        // A marker after the first test case is not among the JVM's properties.
        assertEquals(List.of(other, plain), v.unsandboxed());
        assertEquals(List.of(maven), v.mavens());
    }
}
