package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the plugin's jar tells Maven and Eclipse, read from the descriptor Maven generated
 * ({@code META-INF/maven/plugin.xml}) and the files of {@code src/main/resources}, as they go into
 * the jar: every goal has a skip property of its own, and m2e's lifecycle mapping names every
 * goal, and only goals that exist.
 */
class PluginDescriptorTest {

    private static Path classes() throws URISyntaxException {
        return Path.of(AbstractNsboxMojo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Document xml(Path file) throws Exception {
        assertTrue(Files.isRegularFile(file), file + " is missing");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> c = children(parent, name);
        assertEquals(1, c.size(), "one <" + name + "> in <" + parent.getTagName() + ">");
        return c.get(0);
    }

    /** Every goal of the descriptor but help, with its {@code <mojo>}. */
    private static Map<String, Element> goals() throws Exception {
        Element plugin = xml(classes().resolve("META-INF/maven/plugin.xml")).getDocumentElement();
        Map<String, Element> goals = new LinkedHashMap<>();
        for (Element mojo : children(child(plugin, "mojos"), "mojo")) {
            String goal = child(mojo, "goal").getTextContent().trim();
            if (!goal.equals("help")) {
                goals.put(goal, mojo);
            }
        }
        return goals;
    }

    @Test
    void everyGoalHasASkipPropertyOfItsOwnBesidesNsboxSkip() throws Exception {
        Map<String, Element> goals = goals();
        assertTrue(goals.keySet().containsAll(List.of("run", "prepare", "verify-forks", "validate", "plan",
                "explain", "doctor", "oci", "kube")), goals.keySet().toString());
        for (Map.Entry<String, Element> g : goals.entrySet()) {
            Element config = child(g.getValue(), "configuration");
            Element all = child(config, "skip");
            assertEquals("${nsbox.skip}", all.getTextContent().trim(), g.getKey());
            String name = AbstractNsboxMojo.skipParameter(g.getKey());
            Element own = child(config, name);
            assertEquals("${nsbox." + g.getKey() + ".skip}", own.getTextContent().trim(), g.getKey());
            assertEquals("false", own.getAttribute("default-value"), g.getKey());
            assertTrue(children(child(g.getValue(), "parameters"), "parameter").stream()
                    .anyMatch(p -> child(p, "name").getTextContent().trim().equals(name)
                            && child(p, "type").getTextContent().trim().equals("boolean")), g.getKey());
        }
    }

    @Test
    void skipParametersAreTheGoalInCamelCase() {
        assertEquals("skipVerifyForks", AbstractNsboxMojo.skipParameter("verify-forks"));
        assertEquals("skipRun", AbstractNsboxMojo.skipParameter("run"));
        assertEquals("nsbox.verify-forks.skip", AbstractNsboxMojo.skipProperty("verify-forks"));
    }

    @Test
    void theM2eLifecycleMappingNamesEveryGoalOnceAndNothingElse() throws Exception {
        Element root = xml(classes().resolve("META-INF/m2e/lifecycle-mapping-metadata.xml")).getDocumentElement();
        assertEquals("lifecycleMappingMetadata", root.getTagName());
        List<String> named = new ArrayList<>();
        for (Element execution : children(child(root, "pluginExecutions"), "pluginExecution")) {
            Element filter = child(execution, "pluginExecutionFilter");
            // Inside the plugin's own jar m2e knows the plugin: a filter names goals only.
            assertEquals(List.of("goals"), children(filter, null).stream().map(Element::getTagName).toList());
            for (Element goal : children(child(filter, "goals"), "goal")) {
                named.add(goal.getTextContent().trim());
            }
            List<Element> action = children(child(execution, "action"), null);
            assertEquals(1, action.size(), "one action per execution");
            String what = action.get(0).getTagName();
            assertTrue(what.equals("ignore") || what.equals("execute"), what);
            if (what.equals("execute")) {
                for (Element flag : children(action.get(0), null)) {
                    assertTrue(List.of("runOnIncremental", "runOnConfiguration").contains(flag.getTagName()), flag.getTagName());
                    assertTrue(List.of("true", "false").contains(flag.getTextContent().trim()), flag.getTextContent());
                }
            }
        }
        assertEquals(named.size(), new TreeSet<>(named).size(), "a goal named twice: " + named);
        assertEquals(new TreeSet<>(goals().keySet()), new TreeSet<>(named));
    }
}
