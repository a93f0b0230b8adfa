package dev.nsbox.maven;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads Surefire's and Failsafe's XML reports to tell which test JVMs ran in the sandbox. Each
 * {@code TEST-*.xml} starts with the test JVM's system properties; a sandboxed one lists
 * {@code nsbox.sandboxed} with the run ID of {@code nsbox:prepare}.
 *
 * <p>Stateless; reads only.
 */
final class ForkReports {

    /**
     * Reports of this build, split by whether their JVM was sandboxed. {@code mavens} are reports
     * that list Maven's own system properties rather than a test JVM's: tests run inside Maven, or
     * a Surefire that does not record the fork's (2.12.4 does not), so nothing proves anything.
     */
    record Verdict(List<Path> sandboxed, List<Path> unsandboxed, List<Path> mavens) {
    }

    /** What a report says of its JVM: the marker's value, and the JVM's main command. */
    record Properties(String marker, String command) {
        boolean isMavens() {
            return command != null && command.startsWith("org.codehaus.plexus.classworlds.launcher.Launcher");
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
                (runId.equals(p.marker()) ? ok : p.isMavens() ? mavens : bad).add(r);
            }
        }
        return new Verdict(ok, bad, mavens);
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
            try {
                while (x.hasNext()) {
                    if (x.next() == XMLStreamReader.START_ELEMENT) {
                        String name = x.getLocalName();
                        if (name.equals("testcase")) {
                            break; // the properties come before the first test case
                        }
                        if (name.equals("property")) {
                            String n = x.getAttributeValue(null, "name");
                            if (JvmWrapper.MARKER.equals(n)) {
                                marker = x.getAttributeValue(null, "value");
                            } else if ("sun.java.command".equals(n)) {
                                command = x.getAttributeValue(null, "value");
                            }
                        }
                    }
                }
                return new Properties(marker, command);
            } finally {
                x.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException(report + " is not a readable XML report: " + e.getMessage(), e);
        }
    }
}
