package dev.nsbox.spec.yaml;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValuesTest {

    @Test
    void sizesThatOverflowAreRefused() {
        assertEquals(8L << 30, Values.size("8G"));
        assertEquals("a size that fits in 64 bits, got \"9999999999999g\"",
                assertThrows(IllegalArgumentException.class, () -> Values.size("9999999999999g")).getMessage());
        assertEquals("a size that fits in 64 bits, got \"99999999999999999999\"",
                assertThrows(IllegalArgumentException.class, () -> Values.size("99999999999999999999")).getMessage());
    }

    @Test
    void durationsCombineInDescendingUnits() {
        assertEquals(Duration.ofMillis(2500), Values.duration("2s500ms"));
        assertEquals(Duration.ofMinutes(90), Values.duration("1h30m"));
        for (String bad : List.of("", "1m1m", "30s1m", "1.5s", "1d", "s", "10 s")) {
            assertThrows(IllegalArgumentException.class, () -> Values.duration(bad), bad);
        }
    }

    @Test
    void durationsAreAtMostAYear() {
        assertEquals(Duration.ofDays(365), Values.duration("8760h"));
        assertEquals(Duration.ofDays(365), Values.duration("525600m"));
        assertEquals(Duration.ofDays(365), Values.duration("8759h59m59s1000ms"));
        for (String tooLong : List.of("9999999999999h", "8761h", "8760h1ms", "31536000001ms",
                "99999999999999999999999s", "2562047788015216h")) {
            assertEquals("at most 8760h (365 days), got \"" + tooLong + "\"",
                    assertThrows(IllegalArgumentException.class, () -> Values.duration(tooLong)).getMessage());
        }
        assertEquals(Duration.ofSeconds(1), Values.duration("0000000000000000000000001s"));
    }

    @Test
    void didYouMeanNeedsACloseCandidate() {
        assertEquals("readOnly", Values.didYouMean("redOnly", List.of("readOnly", "recursive")));
        assertEquals("readOnly", Values.didYouMean("readonly", List.of("readOnly", "recursive")));
        assertEquals("source", Values.didYouMean("soruce", List.of("source", "target")));
        assertNull(Values.didYouMean("network", List.of("namespaces", "hostname")));
        assertNull(Values.didYouMean("x", List.of("uid", "gid")));
    }

    @Test
    void variablesForTheCliDefineTheDocumentedNamesAndDefinesWin() {
        Map<String, String> vars = Variables.forCli(Path.of("specs/ci.yaml"), Map.of("user.home", "/h", "extra", "1"));
        assertEquals(Path.of("specs").toAbsolutePath().toString(), vars.get("basedir"));
        assertEquals(Path.of("").toAbsolutePath().toString(), vars.get("cwd"));
        assertEquals("/h", vars.get("user.home"));
        assertEquals("1", vars.get("extra"));
        assertEquals(System.getenv("PATH"), vars.get("env.PATH"));
        assertTrue(vars.keySet().stream().filter(k -> k.startsWith("env.")).count() >= System.getenv().size());
    }

    @Test
    void expansionAndItsEscape() {
        Map<String, String> vars = Map.of("a", "A", "b.c", "BC");
        assertEquals("A/BC/d/${a}/$a/$$", Variables.expand("${a}/${b.c}/${x:-d}/$${a}/$a/$$", vars).value());
        assertEquals(List.of(0, 5), Variables.starts("${a} ${b} $${c}"));
        Variables.Expansion bad = Variables.expand("${a} ${nope} ${}", vars);
        assertEquals(2, bad.problems().size());
        assertEquals(1, bad.problems().get(0).occurrence());
        assertEquals("bad variable name \"\" in \"${}\"; names are letters, digits, _, . and -",
                bad.problems().get(1).message());
    }

    @Test
    void aDefaultMayHoldReferences() {
        Map<String, String> vars = Map.of("basedir", "/p");
        assertEquals("/p/hello/target", Variables.expand("${project.basedir:-${basedir}/hello}/target", vars).value());
        assertEquals("/q/target", Variables.expand("${project.basedir:-${basedir}/hello}/target",
                Map.of("project.basedir", "/q")).value());
        assertEquals("{x}", Variables.expand("${a:-{x}}", vars).value()); // the first plain } ends the default
        assertEquals(List.of(0, 37), Variables.starts("${project.basedir:-${basedir}/hello} ${b}"));
        Variables.Expansion bad = Variables.expand("x ${a:-${nope}}", vars);
        assertEquals(List.of(new Variables.Problem(0, "undefined variable ${nope}; define it (-D nope=VALUE) or give "
                + "a default (${nope:-VALUE})")), bad.problems());
    }
}
