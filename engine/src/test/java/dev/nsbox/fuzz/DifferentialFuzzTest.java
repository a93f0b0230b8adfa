package dev.nsbox.fuzz;

import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * nsbox's predictions (plan, host effects, refusals, the sandbox's own table) against what the
 * kernel does, for random host mount trees and random specs ({@link Differential}).
 *
 * <p>In CI a fixed run of seeds, bounded in time. For a long run:
 * {@code mvn -B -pl engine surefire:test -Dtest=DifferentialFuzzTest -Dnsbox.fuzz.seeds=5000
 * -Dnsbox.fuzz.start=1000 -Dnsbox.fuzz.seconds=1800}. A mismatch prints its seed, a shrunk
 * reproduction (the host's set-up as shell commands, the spec) and what differed; replay one
 * seed with {@code -Dnsbox.fuzz.start=SEED -Dnsbox.fuzz.seeds=1}.
 */
class DifferentialFuzzTest {

    @TempDir
    Path tmp;

    @Test
    void predictionsMatchTheKernelForRandomHostsAndSpecs() throws Exception {
        Privileges.assumeScratchRoot();
        long start = Long.getLong("nsbox.fuzz.start", 1);
        long count = Long.getLong("nsbox.fuzz.seeds", 400);
        long seconds = Long.getLong("nsbox.fuzz.seconds", 40);
        Path base = Files.createDirectories(tmp.resolve("b"));
        Differential fuzz = new Differential(base);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Map<Differential.Status, Integer> tally = new EnumMap<>(Differential.Status.class);
        List<String> reports = new ArrayList<>();
        long ran = 0;
        for (long seed = start; seed < start + count && System.nanoTime() < deadline; seed++) {
            Differential.Outcome o = fuzz.run(seed);
            ran++;
            tally.merge(o.status(), 1, Integer::sum);
            if (o.mismatch()) {
                Differential.Outcome small = fuzz.shrink(o);
                String report = fuzz.report(small);
                System.out.println(report);
                reports.add(report);
                if (reports.size() >= 10) {
                    break;
                }
            }
        }
        System.out.println("differential fuzz: seeds " + start + ".." + (start + ran - 1) + ", " + ran + " ran: "
                + tally);
        assertTrue(ran > 0, "no seed ran");
        if (!reports.isEmpty()) {
            fail(reports.size() + " seeds where nsbox's prediction differs from the kernel:\n\n"
                    + String.join("\n", reports));
        }
    }
}
