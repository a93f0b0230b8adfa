package dev.nsbox.cli;

import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pitfall of docs/spec.md, end to end against the kernel: in a host made to look like a systemd
 * host ({@code /} rshared, inside a scratch namespace of its own), {@code plan} of
 * {@code specs/seed-pitfall.yaml} predicts both leaks, the same spec with the default
 * {@code hostEffects: deny} is refused before anything is applied, and {@code run} with
 * {@code hostEffects: allow} changes the host's mount table by exactly the predicted mounts.
 *
 * <p>The leaked proc breaks the scratch host's {@code /proc/self}, so each scenario runs in a
 * separate process whose mount tables are read through descriptors opened beforehand.
 */
class SeedPitfallTest {

    private static final Path SPEC = Path.of("..", "specs", "seed-pitfall.yaml").toAbsolutePath().normalize();

    /** Runs {@code nsbox ARGS} in a fresh scratch namespace whose / is rshared; returns its output. */
    private static Result inSystemdLikeHost(String nsboxArgs) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String nsbox = "'" + java + "' -cp '" + System.getProperty("java.class.path") + "' dev.nsbox.cli.Main";
        String script = "mount --make-rshared / || exit 90\n"
                + "exec 3</proc/self/mountinfo 4</proc/self/mountinfo\n"
                + "cat <&3 > \"$OUT/before\"\n"
                + nsbox + " " + nsboxArgs + " > \"$OUT/stdout\" 2> \"$OUT/stderr\"\n"
                + "echo $? > \"$OUT/exit\"\n"
                + "cat <&4 > \"$OUT/after\"\n";
        Path out = Files.createTempDirectory("nsbox-pitfall");
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script);
        pb.environment().put("OUT", out.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String shell = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the scenario did not finish");
        assertEquals(0, p.exitValue(), shell);
        Result r = new Result(
                Integer.parseInt(Files.readString(out.resolve("exit")).trim()),
                Files.readString(out.resolve("stdout")), Files.readString(out.resolve("stderr")),
                MountTable.parse(Files.readString(out.resolve("before"))),
                MountTable.parse(Files.readString(out.resolve("after"))));
        for (String f : List.of("before", "after", "stdout", "stderr", "exit")) {
            Files.deleteIfExists(out.resolve(f));
        }
        Files.delete(out);
        return r;
    }

    record Result(int exit, String out, String err, MountTable before, MountTable after) {
        /** Mount points of the mounts the run added to the scratch host, with their fs types. */
        Set<String> added() {
            Set<Integer> old = before.mounts().stream().map(MountInfo::id).collect(Collectors.toSet());
            return after.mounts().stream().filter(m -> !old.contains(m.id()))
                    .map(m -> m.fsType() + " on " + m.mountPoint()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void planPredictsBothLeaksAndRunMakesExactlyThoseInTheHost() throws Exception {
        Privileges.assumeScratchRoot();
        Result plan = inSystemdLikeHost("plan --format json " + SPEC);
        assertEquals(0, plan.exit(), plan.err());
        List<String> predicted = new ArrayList<>();
        Matcher m = Pattern.compile("\"target\": \"([^\"]+)\",\\s*\"label\": \"mounts\\[\\d+]\",\\s*\"kind\": \"mount\","
                + "\\s*\"mount\": \"([a-z]+)").matcher(plan.out());
        while (m.find()) {
            predicted.add(("bind".equals(m.group(2)) ? "ext4" : m.group(2)) + " on " + m.group(1));
        }
        String specs = SPEC.getParent().toString();
        assertEquals(List.of("proc on /proc", "bind on " + specs).size(), predicted.size(), plan.out());
        assertTrue(predicted.contains("proc on /proc"), predicted.toString());
        assertEquals(Set.of(), plan.added(), "plan applies nothing");

        Result run = inSystemdLikeHost("run " + SPEC);
        assertEquals(0, run.exit(), run.out() + run.err());
        Set<String> added = run.added();
        assertEquals(2, added.size(), added.toString());
        assertTrue(added.contains("proc on /proc"), added.toString());
        assertTrue(added.stream().anyMatch(a -> a.endsWith(" on " + specs)), added.toString());
        // The bind's filesystem is whatever holds the folder; the plan's target names it.
        assertTrue(predicted.stream().anyMatch(p -> p.endsWith(" on " + specs)), predicted.toString());
        assertTrue(run.err().contains("note: predicted host effect: added proc on /proc"), run.err());
    }

    @Test
    void theDefaultDenyRefusesThePitfallBeforeApplyingAnything() throws Exception {
        Privileges.assumeScratchRoot();
        Path deny = Files.createTempFile("seed-pitfall-deny", ".yaml");
        try {
            Files.writeString(deny, Files.readString(SPEC).replace("hostEffects: allow", "hostEffects: deny"));
            Result run = inSystemdLikeHost("run -D basedir=" + SPEC.getParent() + " " + deny);
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().contains(":21:5: error: host effect refused: mounts[0] (proc on /proc) appears in "
                    + "the host at /proc through peer group shared:"), run.err());
            assertEquals(Set.of(), run.added(), "a refused spec applies nothing");
        } finally {
            Files.delete(deny);
        }
    }
}
