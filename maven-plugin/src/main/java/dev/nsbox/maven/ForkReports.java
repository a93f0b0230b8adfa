package dev.nsbox.maven;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads Surefire's and Failsafe's XML reports to tell which test JVMs ran in the sandbox. Each
 * {@code TEST-*.xml} starts with the test JVM's system properties; a sandboxed one lists
 * {@code nsbox.sandboxed} with the run ID of {@code nsbox:prepare}. A report whose tests were all
 * skipped may list no property at all (Surefire 3.5 writes {@code <properties/>} for a class
 * {@code @Disabled} as a whole in a fork of its own, {@code reuseForks=false}): no JVM ran a test
 * of it, so it proves nothing either way.
 *
 * <p>Stateless; reads only.
 */
final class ForkReports {

    /**
     * Reports of this build, split by whether their JVM was sandboxed. {@code mavens} are reports
     * that list Maven's own system properties rather than a test JVM's: tests run inside Maven, or
     * a Surefire that does not record the fork's (2.12.4 does not), so nothing proves anything.
     */
    record Verdict(List<Path> sandboxed, List<Path> unsandboxed, List<Path> mavens, List<Path> allSkipped,
                   Map<Path, String> overridden) {
    }

    /**
     * What a report says of its JVM: the marker's value, the JVM's main command, how many system
     * properties it lists, and how many tests there were and how many were skipped ({@code -1}
     * when the report does not say).
     */
    record Properties(String marker, String command, int properties, int tests, int skipped) {
        boolean isMavens() {
            return command != null && command.startsWith("org.codehaus.plexus.classworlds.launcher.Launcher");
        }

        /**
         * No JVM ran a test of it: every one was skipped (or there was none) and no JVM's
         * properties were recorded. A JVM that recorded its properties did start, and may have
         * run code before an assumption skipped a test, so such a report still needs the marker.
         */
        boolean noTestRan() {
            return properties == 0 && tests >= 0 && skipped >= 0 && skipped >= tests;
        }
    }

    private ForkReports() {
    }

    /**
     * @param since reports last written before this (milliseconds since the epoch) are an
     *              earlier build's and are left out
     */
    static Verdict judge(List<Path> directories, String runId, long since) throws IOException {
        List<Path> ok = new ArrayList<>();
        List<Path> bad = new ArrayList<>();
        List<Path> mavens = new ArrayList<>();
        List<Path> allSkipped = new ArrayList<>();
        Map<Path, String> overridden = new LinkedHashMap<>();
        for (Path dir : directories) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> reports;
            try (Stream<Path> s = Files.list(dir)) {
                reports = s.filter(p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith("TEST-") && n.endsWith(".xml");
                }).sorted().toList();
            }
            for (Path r : reports) {
                if (Files.getLastModifiedTime(r).toMillis() < since) {
                    continue;
                }
                Properties p = properties(r);
                if (runId.equals(p.marker())) {
                    ok.add(r);
                } else if (p.marker() != null) {
                    // The wrapper puts -Dnsbox.sandboxed=RUN before Surefire's arguments, and the
                    // JVM keeps the last -D of a name: an argLine's own -Dnsbox.sandboxed wins.
                    overridden.put(r, p.marker());
                } else if (p.noTestRan()) {
                    allSkipped.add(r);
                } else {
                    (p.isMavens() ? mavens : bad).add(r);
                }
            }
        }
        return new Verdict(ok, bad, mavens, allSkipped, overridden);
    }

    /** {@code nsbox.sandboxed} and {@code sun.java.command} among the report's properties. */
    static Properties properties(Path report) throws IOException {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try (InputStream in = Files.newInputStream(report)) {
            XMLStreamReader x = f.createXMLStreamReader(in);
            String marker = null;
            String command = null;
            int tests = -1;
            int skipped = -1;
            int properties = 0;
            try {
                while (x.hasNext()) {
                    if (x.next() == XMLStreamReader.START_ELEMENT) {
                        String name = x.getLocalName();
                        if (name.equals("testsuite") && tests < 0) {
                            tests = count(x.getAttributeValue(null, "tests"));
                            skipped = count(x.getAttributeValue(null, "skipped"));
                        } else if (name.equals("testcase")) {
                            break; // the properties come before the first test case
                        }
                        if (name.equals("property")) {
                            properties++;
                            String n = x.getAttributeValue(null, "name");
                            if (JvmWrapper.MARKER.equals(n)) {
                                marker = x.getAttributeValue(null, "value");
                            } else if ("sun.java.command".equals(n)) {
                                command = x.getAttributeValue(null, "value");
                            }
                        }
                    }
                }
                return new Properties(marker, command, properties, tests, skipped);
            } finally {
                x.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException(report + " is not a readable XML report: " + e.getMessage(), e);
        }
    }

    /** A count attribute of the report, or -1 when it is missing or not a number. */
    private static int count(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
