package dev.nsbox.maven;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings that would let a test escape the sandbox, or hang in it, each one refused. */
class ForkChecksTest {

    private static final String WRAPPER = "/p/target/nsbox-jvm/bin/java";

    private final Map<String, String> props = new HashMap<>(Map.of("jvm", WRAPPER));

    private List<String> check(Map<String, ForkChecks.Value> values) {
        return ForkChecks.check(List.of(new ForkChecks.Execution("maven-surefire-plugin", "3.5.2", "default-test",
                "pom.xml:30:15", values)), props::get, WRAPPER);
    }

    private static ForkChecks.Value v(String text) {
        return new ForkChecks.Value(text, null, "pom.xml:40:7");
    }

    @Test
    void theDefaultsAndJvmOfTheWrapperPass() {
        assertEquals(List.of(), check(Map.of()));
        assertEquals(List.of(), check(Map.of("jvm", v("${jvm}"), "forkCount", v("2C"), "reuseForks", v("false"))));
        assertEquals(List.of(), check(Map.of("enableProcessChecker", v("ping"))));
    }

    @Test
    void forkCountZeroInEveryFormIsRefused() {
        for (String zero : List.of("0", "0C", "0.0C", "${forks}")) {
            props.put("forks", "0");
            List<String> p = check(Map.of("forkCount", v(zero)));
            assertEquals(1, p.size(), zero);
            assertTrue(p.get(0).startsWith("pom.xml:40:7: error: maven-surefire-plugin:3.5.2 (execution default-test): "
                    + "<forkCount>" + zero + "</forkCount>"), p.get(0));
        }
        props.put("forkCount", "0");
        assertEquals(List.of("error: maven-surefire-plugin:3.5.2 (execution default-test): -DforkCount=0 runs the tests"
                + " inside Maven's own JVM, outside the sandbox; remove it, or set forkCount to 1 or more"), check(Map.of()));
    }

    @Test
    void forkModeNeverIsRefused() {
        assertEquals(1, check(Map.of("forkMode", v("never"))).size());
        assertEquals(0, check(Map.of("forkMode", v("once"))).size());
    }

    @Test
    void aJvmThatIsNotTheWrapperIsRefusedAndTheCommandLinesWins() {
        List<String> p = check(Map.of("jvm", v("${other.jvm}")));
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("<jvm>${other.jvm}</jvm> starts the test JVMs with whatever ${other.jvm} names"),
                p.get(0));
        props.put("jvm", "/usr/bin/java");
        assertEquals(List.of("error: maven-surefire-plugin:3.5.2 (execution default-test): -Djvm=/usr/bin/java starts"
                + " the test JVMs with another java, outside the sandbox; drop -Djvm from the command line"
                + " (nsbox:prepare sets jvm itself)"), check(Map.of("jvm", v("/usr/bin/java"))));
    }

    @Test
    void onlyTheLegacyForkNodeIsAccepted() {
        String tcp = "org.apache.maven.plugin.surefire.extensions.SurefireForkNodeFactory";
        assertEquals(1, check(Map.of("forkNode", new ForkChecks.Value(null, tcp, null))).size());
        assertEquals(0, check(Map.of("forkNode", new ForkChecks.Value(null,
                "org.apache.maven.plugin.surefire.extensions.LegacyForkNodeFactory", null))).size());
    }

    @Test
    void aProcessCheckerThatRunsPsIsRefused() {
        assertEquals(1, check(Map.of("enableProcessChecker", v("NATIVE"))).size());
        props.put("surefire.enableProcessChecker", "all");
        assertEquals(1, check(Map.of()).size());
    }

    @Test
    void everyProblemIsListed() {
        assertEquals(3, check(Map.of("forkCount", v("0"), "disableXmlReport", v("true"),
                "enableProcessChecker", v("all"))).size());
    }
}
