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

    @Test
    void onlyTheEnginesOwnTypesAreAccepted() {
        assertThrows(IllegalArgumentException.class, () -> roundTrip(new java.util.Date()));
        assertThrows(IllegalArgumentException.class, () -> roundTrip(List.of(new Thread())));
    }
}
