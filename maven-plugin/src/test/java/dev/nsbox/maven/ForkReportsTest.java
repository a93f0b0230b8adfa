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
        Path forged = report("TEST-b.xml", "nsbox.sandboxed", "forged");
        Path plain = report("TEST-c.xml", "sun.java.command", "/p/target/surefire/surefirebooter.jar");
        Path maven = report("TEST-d.xml", "sun.java.command", "org.codehaus.plexus.classworlds.launcher.Launcher verify");
        report("failsafe-summary.xml");
        Path stale = report("TEST-e.xml");
        Files.setLastModifiedTime(stale, FileTime.fromMillis(1000));

        ForkReports.Verdict v = ForkReports.judge(List.of(dir, dir.resolve("missing")), "RUN", 2000);
        assertEquals(List.of(ok), v.sandboxed());
        // A marker after the first test case is not among the JVM's properties.
        assertEquals(List.of(plain), v.unsandboxed());
        assertEquals(List.of(maven), v.mavens());
        assertEquals(java.util.Map.of(forged, "forged"), v.overridden());
        assertEquals(List.of(), v.allSkipped());
    }

    private Path suite(String name, String attributes, String properties) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"x\" " + attributes + ">\n"
                + properties + "  <testcase name=\"t\" classname=\"x\"><skipped message=\"class disabled\"/></testcase>\n"
                + "</testsuite>\n");
        return p;
    }

    @Test
    void aReportOfWhichNoJvmRanATestProvesNothing() throws Exception {
        // As Surefire 3.5.2 writes it for a class @Disabled as a whole in a fork of its own.
        Path disabled = suite("TEST-a.xml", "time=\"0\" tests=\"1\" errors=\"0\" skipped=\"1\" failures=\"0\"",
                "  <properties/>\n");
        // A JVM that recorded its properties started, and may have run code before skipping.
        Path assumed = suite("TEST-b.xml", "tests=\"1\" skipped=\"1\"",
                "  <properties><property name=\"java.home\" value=\"/jdk\"/></properties>\n");
        // A test that ran, with no properties recorded, proves nothing and is not excused.
        Path ran = suite("TEST-c.xml", "tests=\"2\" skipped=\"1\"", "  <properties/>\n");
        Path unsaid = suite("TEST-d.xml", "", "  <properties/>\n");

        ForkReports.Verdict v = ForkReports.judge(List.of(dir), "RUN", 0);
        assertEquals(List.of(disabled), v.allSkipped());
        assertEquals(List.of(assumed, ran, unsaid), v.unsandboxed());
        assertEquals(List.of(), v.sandboxed());
    }
}
