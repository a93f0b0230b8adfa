package dev.nsbox.exec;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.plan.Plan;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.seccomp.SeccompFilter;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.spec.yaml.Variables;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plan sent to the sandbox server arrives equal to the one its caller made. */
class RecordCodecTest {

    private static Object roundTrip(Object v) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        RecordCodec.write(new DataOutputStream(buf), v);
        return RecordCodec.read(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
    }

    /** Every example, planned and predicted against this machine, with notes, diagnostics and effects. */
    @TestFactory
    Stream<DynamicTest> everyExamplePlanSurvivesTheTrip() throws IOException {
        List<Path> specs;
        try (Stream<Path> s = Files.list(Path.of("..", "specs"))) {
            specs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(specs.size() >= 5, specs.toString());
        return specs.stream().map(spec -> DynamicTest.dynamicTest(spec.getFileName().toString(), () -> {
            Plan plan = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                    Overrides.NONE, NsboxEngine.host()).plan();
            assertEquals(plan, roundTrip(plan));
        }));
    }

    @Test
    void resultsSurviveTheTrip() throws IOException {
        StepResult step = new StepResult(1, "test", StepResult.Outcome.SIGNALED, 143, 15, true,
                Duration.ofMillis(1234), "timed out", StepResult.KILLED_BY_TIMEOUT);
        RunResult run = new RunResult(143, List.of(step), List.of("error: x\n  hint: y"), List.of("+ 1 2 3"));
        assertEquals(run, roundTrip(run));
        assertEquals(List.of("a", 1, 2L, true, Duration.ofNanos(5)), roundTrip(List.of("a", 1, 2L, true, Duration.ofNanos(5))));
        String big = "x".repeat(100_000);
        assertEquals(big, roundTrip(big));
        assertEquals("\ud83d\ude00 \u00e9", roundTrip("\ud83d\ude00 \u00e9"));
        // UTF-8 cannot hold a lone surrogate: refused, rather than written as the "?" another string is.
        assertThrows(IllegalArgumentException.class, () -> roundTrip("a\ud83d"));
        assertThrows(IllegalArgumentException.class, () -> roundTrip("\ude00b"));
    }

    @Test
    void aForkServersCommandSurvivesTheTrip() throws IOException {
        ForkServer.Command c = new ForkServer.Command(List.of("/jdk/bin/java", "-Dnsbox.sandboxed=r"),
                Map.of("JAVA_HOME", "/jdk"));
        assertEquals(c, roundTrip(c));
    }

    /** A helper gets the same filter with every plan: it is compiled once, and equal to a fresh one. */
    @Test
    void aFilterReceivedAgainIsTheOneCompiledBefore() throws IOException {
        SeccompFilter f = SeccompFilter.of(new SeccompPolicy.Default(), Set.of(), SeccompArch.X86_64).orElseThrow();
        Object first = roundTrip(f);
        Object again = roundTrip(f);
        assertEquals(f, first);
        assertSame(first, again);
        SeccompFilter other = SeccompFilter.of(new SeccompPolicy.Default(), Set.of("CAP_SYS_ADMIN"), SeccompArch.X86_64)
                .orElseThrow();
        assertEquals(other, roundTrip(other));
        assertNotEquals(first, roundTrip(other));
    }

    private static byte[] withPrograms(Object v) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        RecordCodec.writeWithPrograms(new DataOutputStream(buf), v);
        return buf.toByteArray();
    }

    private static Object readWithPrograms(byte[] b) throws IOException {
        return RecordCodec.readWithPrograms(new DataInputStream(new ByteArrayInputStream(b)));
    }

    /**
     * The plan cache's form carries each filter's program and reads it back without compiling it:
     * the filter comes back equal, with the same program and, asked for, the same rules; a
     * program changed on the way makes a filter that is not equal (so the cache's read-back
     * refuses it); and the helper's form refuses a program.
     */
    @Test
    void aFilterWithItsProgramComesBackEqualAndAChangedProgramDoesNot() throws IOException {
        for (Set<String> kept : List.of(Set.<String>of(), Set.of("CAP_SYS_ADMIN", "CAP_NET_ADMIN"))) {
            SeccompFilter f = SeccompFilter.of(new SeccompPolicy.Custom(List.of("@mount"), List.of("ptrace")), kept,
                    SeccompArch.X86_64).orElseThrow();
            byte[] b = withPrograms(f);
            SeccompFilter back = (SeccompFilter) readWithPrograms(b);
            assertEquals(f, back);
            assertEquals(f.program(), back.program());
            assertEquals(f.rules(), back.rules());
            assertEquals(f.summary(), back.summary());

            byte[] program = f.program().bytes();
            int at = indexOf(b, program);
            assertTrue(at > 0, "the program's bytes are in the entry");
            byte[] changed = b.clone();
            changed[at + program.length - 1] ^= 1; // the last instruction's k: another return value
            assertNotEquals(f, readWithPrograms(changed));

            // The carried summary line is compared too, in the canonical form the store compares.
            byte[] line = f.summary().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int lineAt = indexOf(b, line);
            assertTrue(lineAt > 0, "the summary line is in the entry");
            byte[] otherLine = b.clone();
            otherLine[lineAt + line.length - 1] ^= 1;
            SeccompFilter wrong = (SeccompFilter) readWithPrograms(otherLine);
            assertNotEquals(f.summary(), wrong.summary());
            assertNotEquals(java.util.Arrays.toString(RecordCodec.canonicalForm(f)),
                    java.util.Arrays.toString(RecordCodec.canonicalForm(wrong)));
            assertEquals(java.util.Arrays.toString(RecordCodec.canonicalForm(f)),
                    java.util.Arrays.toString(RecordCodec.canonicalForm(back)));

            assertThrows(IOException.class, () -> RecordCodec.read(new DataInputStream(new ByteArrayInputStream(b))));
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Every example's plan survives the plan cache's form too. */
    @Test
    void everyExamplePlanSurvivesTheTripWithItsPrograms() throws Exception {
        List<Path> specs;
        try (Stream<Path> s = Files.list(Path.of("..", "specs"))) {
            specs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path spec : specs) {
            Plan plan = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                    Overrides.NONE, NsboxEngine.host()).plan();
            assertEquals(plan, readWithPrograms(withPrograms(plan)), spec.toString());
        }
    }

    /**
     * The canonical form compares as equals does: sets and maps whatever their iteration order
     * (Set.of's differs from JVM to JVM), lists in order, and any different component differs.
     */
    @Test
    void theCanonicalFormIsTheSameExactlyForEqualValues() throws IOException {
        var abc = new java.util.LinkedHashSet<>(List.of("a", "b", "c"));
        var cba = new java.util.LinkedHashSet<>(List.of("c", "b", "a"));
        var xy = new java.util.LinkedHashMap<String, Object>();
        xy.put("x", 1);
        xy.put("y", Set.of("p", "q"));
        var yx = new java.util.LinkedHashMap<String, Object>();
        yx.put("y", Set.of("q", "p"));
        yx.put("x", 1);
        assertTrue(java.util.Arrays.equals(RecordCodec.canonicalForm(List.of(abc, xy)),
                RecordCodec.canonicalForm(List.of(cba, yx))));
        assertNotEquals(java.util.Arrays.toString(RecordCodec.canonicalForm(List.of("a", "b"))),
                java.util.Arrays.toString(RecordCodec.canonicalForm(List.of("b", "a"))));
        yx.put("x", 2);
        assertNotEquals(java.util.Arrays.toString(RecordCodec.canonicalForm(xy)),
                java.util.Arrays.toString(RecordCodec.canonicalForm(yx)));
        assertNotEquals(java.util.Arrays.toString(RecordCodec.canonicalForm(Set.of(1))),
                java.util.Arrays.toString(RecordCodec.canonicalForm(Set.of(1L))));
    }

    @Test
    void onlyTheEnginesOwnTypesAreAccepted() {
        assertThrows(IllegalArgumentException.class, () -> roundTrip(new java.util.Date()));
        assertThrows(IllegalArgumentException.class, () -> roundTrip(List.of(new Thread())));
    }
}
