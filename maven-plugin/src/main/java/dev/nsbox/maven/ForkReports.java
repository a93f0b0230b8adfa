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

    /** Reports of this build, split by whether their JVM was sandboxed. */
    record Verdict(List<Path> sandboxed, List<Path> unsandboxed) {
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
                (runId.equals(marker(r)) ? ok : bad).add(r);
            }
        }
        return new Verdict(ok, bad);
    }

    /** The value of {@code nsbox.sandboxed} among the report's properties, or null. */
    static String marker(Path report) throws IOException {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try (InputStream in = Files.newInputStream(report)) {
            XMLStreamReader x = f.createXMLStreamReader(in);
            try {
                while (x.hasNext()) {
                    if (x.next() == XMLStreamReader.START_ELEMENT) {
                        String name = x.getLocalName();
                        if (name.equals("testcase")) {
                            return null; // the properties come before the first test case
                        }
                        if (name.equals("property")
                                && JvmWrapper.MARKER.equals(x.getAttributeValue(null, "name"))) {
                            return x.getAttributeValue(null, "value");
                        }
                    }
                }
                return null;
            } finally {
                x.close();
            }
        } catch (XMLStreamException e) {
            throw new IOException(report + " is not a readable XML report: " + e.getMessage(), e);
        }
    }
}
