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
    void aParentsJvmIsBlamedAtItsLineWithTheFixInTheTestPlugin() {
        assertEquals(List.of("pom.xml:40:7: error: maven-surefire-plugin:3.5.2 (execution default-test): <jvm>/usr/bin/java"
                + "</jvm> starts the test JVMs with /usr/bin/java, not through nsbox:prepare's wrapper, so they would run"
                + " outside the sandbox; set <jvm>${jvm}</jvm> in maven-surefire-plugin's <configuration> in your pom (it"
                + " overrides a parent's), or remove it"), check(Map.of("jvm", v("/usr/bin/java"))));
    }

    @Test
    void aJvmProjectPropertyIsBlamedAtItsOwnLine() {
        // <jvm>${jvm}</jvm> with <properties><jvm>/usr/bin/java</jvm>: Maven's model holds the value.
        List<String> p = ForkChecks.check(List.of(new ForkChecks.Execution("maven-surefire-plugin", "3.5.2",
                "default-test", "pom.xml:30:15", Map.of("jvm", v("/usr/bin/java")))), props::get, WRAPPER,
                new ForkChecks.JvmOrigins("/usr/bin/java", "pom.xml:12:10", "the command line"));
        assertEquals(List.of("pom.xml:12:10: error: maven-surefire-plugin:3.5.2 (execution default-test): the project"
                + " property jvm (/usr/bin/java) starts the test JVMs with /usr/bin/java, not through nsbox:prepare's"
                + " wrapper: Maven writes it into <jvm>${jvm}</jvm> as it reads the pom, before nsbox:prepare can set"
                + " jvm, so they would run outside the sandbox; remove <jvm> from the pom's <properties> (nsbox:prepare"
                + " sets jvm itself)"), p);
        // A project property the test plugins do not use is harmless: prepare's value wins at run time.
        assertEquals(List.of(), ForkChecks.check(List.of(new ForkChecks.Execution("maven-surefire-plugin", "3.5.2",
                "default-test", null, Map.of())), props::get, WRAPPER,
                new ForkChecks.JvmOrigins("/usr/bin/java", "pom.xml:12:10", "the command line")));
    }

    @Test
    void aDjvmIsNamedWithWhereItCameFrom() {
        props.put("jvm", "/usr/bin/java");
        List<String> p = ForkChecks.check(List.of(new ForkChecks.Execution("maven-surefire-plugin", "3.5.2",
                "default-test", null, Map.of())), props::get, WRAPPER, new ForkChecks.JvmOrigins(null, null, "MAVEN_OPTS"));
        assertEquals(List.of("error: maven-surefire-plugin:3.5.2 (execution default-test): -Djvm=/usr/bin/java starts"
                + " the test JVMs with another java, outside the sandbox; drop -Djvm from MAVEN_OPTS (nsbox:prepare sets"
                + " jvm itself)"), p);
    }

    @Test
    void theOriginOfADjvmIsFoundWhereMavensScriptPutsIt() {
        List<String> none = List.of();
        assertEquals("the command line", ForkChecks.jvmOverrideOrigin(true, " -Djvm=/x test", none, none, null));
        assertEquals("the command line", ForkChecks.jvmOverrideOrigin(true, null, none, none, null));
        // MAVEN_CMD_LINE_ARGS holds maven.config's words first, then the command line's.
        assertEquals(".mvn/maven.config", ForkChecks.jvmOverrideOrigin(true, "-Djvm=/x test",
                List.of("-Djvm=/x"), none, null));
        assertEquals("the command line", ForkChecks.jvmOverrideOrigin(true, "-Djvm=/x test -D jvm=/y",
                List.of("-Djvm=/x"), none, null));
        assertEquals(".mvn/jvm.config", ForkChecks.jvmOverrideOrigin(false, "test", none,
                List.of("-Xmx1g", "-Djvm=/x"), "-Xmx1g -Djvm=/x"));
        assertEquals("MAVEN_OPTS", ForkChecks.jvmOverrideOrigin(false, "test", none, none, "-Xmx1g -Djvm=/x"));
        assertEquals("the JVM's options (MAVEN_OPTS, .mvn/jvm.config or JAVA_TOOL_OPTIONS)",
                ForkChecks.jvmOverrideOrigin(false, "test", none, none, null));
    }

    @Test
    void aDebuggedForkIsRefusedWithTheWayToDebug() {
        props.put("maven.surefire.debug", "true");
        assertEquals(List.of("error: maven-surefire-plugin:3.5.2 (execution default-test): -Dmaven.surefire.debug=true"
                + " makes each test JVM wait for a debugger on a port of the sandbox's own network namespace, which no"
                + " debugger can reach, so Maven would hang for ever; to debug a test, add -Dnsbox.skip (the test JVMs"
                + " then run outside the sandbox, and the build warns so)"), check(Map.of()));
        props.remove("maven.surefire.debug");
        List<String> p = check(Map.of("debugForkedProcess", v("-agentlib:jdwp=transport=dt_socket,server=y,address=8000")));
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("pom.xml:40:7: error: maven-surefire-plugin:3.5.2 (execution default-test):"
                + " <debugForkedProcess>-agentlib:jdwp"), p.get(0));
        assertTrue(p.get(0).endsWith("; remove it, and to debug a test use -Dnsbox.skip -Dmaven.surefire.debug (the"
                + " test JVMs then run outside the sandbox, and the build warns so)"), p.get(0));
        assertEquals(List.of(), check(Map.of("debugForkedProcess", v(""))));
        // Failsafe reads its own property.
        props.put("maven.failsafe.debug", "true");
        assertEquals(1, ForkChecks.check(List.of(new ForkChecks.Execution("maven-failsafe-plugin", "3.5.2", null, null,
                Map.of())), props::get, WRAPPER).size());
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
