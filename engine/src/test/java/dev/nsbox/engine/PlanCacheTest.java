package dev.nsbox.engine;

import dev.nsbox.host.LiveHost;
import dev.nsbox.plan.PlanFormat;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.Variables;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan cache serves a plan only when every input is as it was: each input is changed in turn
 * and the plan must be made again (a miss), the served plan must print exactly as the full path's,
 * and an entry it cannot trust is ignored. Needs no privilege except where said (a mount in the
 * test JVM's scratch namespace, a chown).
 */
class PlanCacheTest {

    @TempDir
    Path tmp;

    private Path folder;
    private Path source;
    private Path spec;
    private Path base;
    private PlanCache cache;
    private LiveHost host;

    @BeforeEach
    void setUp() throws Exception {
        folder = tmp.resolve("cache/plans");
        source = Files.createDirectories(tmp.resolve("src"));
        base = tmp.resolve("base.yaml");
        Files.writeString(base, "version: 1\nhostname: from-base\n");
        spec = tmp.resolve("spec.yaml");
        writeSpec("");
        cache = new PlanCache(folder, "test-build");
        // Working in /: a command's step starts in the caller's directory, and the spec's tmpfs on
        // /tmp would hide it (an error, never stored) when the checkout itself is under /tmp.
        host = new LiveHost(System.getenv(), "/");
    }

    private void writeSpec(String extra) throws IOException {
        Files.writeString(spec, "version: 1\nextends: [base.yaml]\nname: cached\n"
                + "namespaces: [mount, pid, uts]\npropagation: rprivate\n"
                + "mounts:\n  - {type: bind, source: \"" + source + "\", target: \"" + source + "\", readOnly: true}\n"
                + "  - {type: tmpfs, target: /tmp, size: \"${size:-1m}\"}\n"
                + "steps:\n  - {name: one, run: [\"true\"], cwd: /}\n" + extra);
    }

    private SpecSource specSource(Map<String, String> defines) {
        return new SpecSource(spec, "spec.yaml", Variables.forCli(spec, defines));
    }

    /** The material of each entry name looked up last, to say why an expected hit missed. */
    private final Map<String, String> looked = new HashMap<>();
    private String why = "";

    /** Prepares through the cache; whether the entry was there and valid before. */
    private boolean hit(SpecSource s, List<String> command, PlanCache c, LiveHost h) throws Exception {
        PlanCache.Inputs in = c.inputs(s, command, h);
        boolean was = c.lookup(in).isPresent();
        String before = looked.put(in.name(), in.material());
        why = before == null ? "no lookup of this entry before" : firstDifference(before, in.material());
        Preparation p = NsboxEngine.prepare(s, command, c, h);
        Preparation full = NsboxEngine.prepare(s, Overrides.command(command), h);
        assertEquals(PlanFormat.text(full.plan()), PlanFormat.text(p.plan()));
        assertEquals(full.diagnostics(), p.diagnostics());
        return was;
    }

    private static String firstDifference(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        if (i == a.length() && i == b.length()) {
            return "the same inputs as the lookup before (so a spec file or a host answer changed)";
        }
        int from = Math.max(0, i - 120);
        return "the inputs differ from the lookup before at " + i + ": ..."
                + a.substring(from, Math.min(a.length(), i + 120)) + "... now ..."
                + b.substring(from, Math.min(b.length(), i + 120)) + "...";
    }

    private boolean hit() throws Exception {
        return hit(specSource(Map.of()), null, cache, host);
    }

    @Test
    void aSecondPreparationIsAHitAndPrintsExactlyAsTheFullPath() throws Exception {
        assertFalse(hit());
        assertTrue(hit(), () -> why);
        SpecSource s = specSource(Map.of());
        Preparation cached = NsboxEngine.prepare(s, null, cache, host);
        Preparation full = NsboxEngine.prepare(s, Overrides.NONE, host);
        assertEquals(full.plan(), cached.plan());
        assertEquals(PlanFormat.text(full.plan()), PlanFormat.text(cached.plan()));
        assertEquals(PlanFormat.json(full.plan()), PlanFormat.json(cached.plan()));
        assertEquals(full.limits(), cached.limits());
        assertEquals(full.hostTable(), cached.hostTable());
        assertEquals(List.of(), cached.errors());
    }

    @Test
    void theSpecsBytesAreAnInput() throws Exception {
        hit();
        writeSpec("# a comment changes nothing in the plan but the bytes\n");
        assertFalse(hit());
        assertTrue(hit(), () -> why);
    }

    @Test
    void anExtendsBaseIsAnInput() throws Exception {
        hit();
        Files.writeString(base, "version: 1\nhostname: other\n");
        assertFalse(hit());
        assertTrue(NsboxEngine.prepare(specSource(Map.of()), null, cache, host).plan().spec().toString()
                .contains("other"));
    }

    @Test
    void variablesAreAnInput() throws Exception {
        hit(specSource(Map.of("size", "2m")), null, cache, host);
        assertFalse(hit(specSource(Map.of("size", "3m")), null, cache, host));
        assertTrue(hit(specSource(Map.of("size", "3m")), null, cache, host), () -> why);
    }

    @Test
    void theEnvironmentAndTheWorkingDirectoryAreInputs() throws Exception {
        hit();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("NSBOX_PLAN_CACHE_TEST", "1");
        LiveHost otherEnv = new LiveHost(env, host.cwd());
        assertFalse(hit(specSource(Map.of()), null, cache, otherEnv));
        assertTrue(hit(specSource(Map.of()), null, cache, otherEnv), () -> why);
        LiveHost otherCwd = new LiveHost(System.getenv(), tmp.toString());
        assertFalse(hit(specSource(Map.of()), null, cache, otherCwd));
    }

    @Test
    void theCommandIsAnInput() throws Exception {
        hit();
        assertFalse(hit(specSource(Map.of()), List.of("echo", "a"), cache, host));
        assertTrue(hit(specSource(Map.of()), List.of("echo", "a"), cache, host), () -> why);
        assertFalse(hit(specSource(Map.of()), List.of("echo", "b"), cache, host));
    }

    @Test
    void theBuildIsAnInput() throws Exception {
        hit();
        assertFalse(hit(specSource(Map.of()), null, new PlanCache(folder, "another-build"), host));
    }

    @Test
    void theKernelReleaseAndTheArchitectureAreInputs() throws Exception {
        for (String property : List.of("os.version", "os.arch")) {
            hit();
            String was = System.getProperty(property);
            try {
                System.setProperty(property, was + "-other");
                PlanCache.Inputs in = cache.inputs(specSource(Map.of()), null, host);
                assertFalse(cache.lookup(in).isPresent(), property);
            } finally {
                System.setProperty(property, was);
            }
            assertTrue(hit(), property);
        }
    }

    @Test
    void everyAnswerAboutTheHostsFilesIsAskedAgain() throws Exception {
        hit();
        // The bind source becomes a symlink to a directory: the planner saw a directory.
        Path real = Files.createDirectories(tmp.resolve("real"));
        Files.delete(source);
        Files.createSymbolicLink(source, real);
        assertFalse(hit());
        // ... and then a regular file.
        Files.delete(source);
        Files.writeString(source, "");
        assertFalse(cache.lookup(cache.inputs(specSource(Map.of()), null, host)).isPresent());
    }

    @Test
    void theHostsMountTableIsAnInput() throws Exception {
        Assumptions.assumeTrue(LiveHost.hasCapSysAdmin(), "needs CAP_SYS_ADMIN to mount in the test JVM's scratch namespace");
        hit();
        Path point = Files.createDirectories(tmp.resolve("point"));
        // The engine's test JVM runs in a private mount namespace of its own (decision 0009).
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "none", point.toString()).inheritIO().start().waitFor());
        try {
            assertFalse(hit());
            assertTrue(hit(), () -> why);
        } finally {
            new ProcessBuilder("umount", point.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void anErrorIsNeverStored() throws Exception {
        Files.writeString(spec, "version: 1\nnamespaces: [mount]\nunknownKey: 1\n");
        assertThrows(SpecException.class, () -> NsboxEngine.prepare(specSource(Map.of()), null, cache, host));
        // A plan with an error (a bind source that is missing) is shown, not stored.
        Files.writeString(spec, "version: 1\nnamespaces: [mount]\nmounts:\n  - {type: bind, source: \""
                + tmp.resolve("missing") + "\", target: /mnt}\nsteps:\n  - {name: one, run: [\"true\"]}\n");
        Preparation p = NsboxEngine.prepare(specSource(Map.of()), null, cache, host);
        assertTrue(p.hasErrors());
        assertFalse(cache.lookup(cache.inputs(specSource(Map.of()), null, host)).isPresent());
        assertFalse(Files.exists(folder) && Files.list(folder).findAny().isPresent());
    }

    @Test
    void theFolderIsMadeOwnerOnlyAndAnEntryItCannotTrustIsIgnored() throws Exception {
        hit();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
        Path entry;
        try (var list = Files.list(folder)) {
            entry = list.filter(p -> p.toString().endsWith(".plan")).findFirst().orElseThrow();
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(entry)));
        byte[] good = Files.readAllBytes(entry);
        assertTrue(hit(), () -> why);

        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw----"));
        assertFalse(hit(), "group-writable");
        Files.write(entry, good);
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-------"));
        assertTrue(hit(), () -> why);

        Files.write(entry, java.util.Arrays.copyOf(good, good.length - 7));
        assertFalse(hit(), "truncated");
        Files.write(entry, good);
        assertTrue(hit(), () -> why);

        byte[] otherFormat = good.clone();
        otherFormat[2 + "nsbox plan cache".length() + 3] ^= 1;
        Files.write(entry, otherFormat);
        assertFalse(hit(), "another format");
        Files.write(entry, good);

        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertFalse(hit(), "a folder others may read");
        assertFalse(hit(), "and nothing is stored in it");
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        assertTrue(hit(), () -> why);

        Assumptions.assumeTrue(LiveHost.hasCapSysAdmin(), "needs root to give the entry to another uid");
        Files.setAttribute(entry, "unix:uid", 65534);
        assertFalse(cache.lookup(cache.inputs(specSource(Map.of()), null, host)).isPresent(), "another owner");
    }

    @Test
    void aLinkIsNotAnEntry() throws Exception {
        hit();
        Path entry;
        try (var list = Files.list(folder)) {
            entry = list.filter(p -> p.toString().endsWith(".plan")).findFirst().orElseThrow();
        }
        Path elsewhere = tmp.resolve("elsewhere.plan");
        Files.move(entry, elsewhere);
        Files.createSymbolicLink(entry, elsewhere);
        assertFalse(cache.lookup(cache.inputs(specSource(Map.of()), null, host)).isPresent());
    }

    @Test
    void validateTakesTheCachedSpecAndSaysTheSame() throws Exception {
        // validate asks as this process, in its own working directory.
        hit(specSource(Map.of()), null, cache, LiveHost.current());
        SpecSource s = specSource(Map.of());
        NsboxEngine.Checked cached = NsboxEngine.check(s, cache);
        assertTrue(cache.lookup(cache.inputs(s, null, LiveHost.current())).isPresent());
        NsboxEngine.Checked full = NsboxEngine.check(s, PlanCache.OFF);
        assertEquals(full, cached);
    }

    @Test
    void itIsOnByDefaultAndOffWithNsboxPlanCache0OrWithoutAJar() {
        // With a build to key on: on by default, off only when NSBOX_PLAN_CACHE=0 says so.
        assertTrue(PlanCache.forUser(Map.of("HOME", tmp.toString()), "a-build").enabled());
        assertTrue(PlanCache.forUser(Map.of("NSBOX_PLAN_CACHE", "1", "HOME", tmp.toString()), "a-build").enabled());
        assertSame(PlanCache.OFF, PlanCache.forUser(Map.of("NSBOX_PLAN_CACHE", "0", "HOME", tmp.toString()), "a-build"));
        assertSame(PlanCache.OFF, PlanCache.forUser(Map.of("NSBOX_PLAN_CACHE", "0", "HOME", tmp.toString())));
        // The tests run from target/classes: no jar, no build identity to key on.
        assertSame(PlanCache.OFF, PlanCache.forUser(Map.of("HOME", tmp.toString())));
        // No absolute folder to keep it in.
        assertSame(PlanCache.OFF, PlanCache.forUser(Map.of("HOME", "relative"), "a-build"));
        assertFalse(PlanCache.OFF.enabled());
    }

    /** Every byte of every file under the cache's folder, and whether {@code value}'s bytes occur in any. */
    private boolean anyCacheFileHolds(String value) throws IOException {
        byte[] needle = value.getBytes(StandardCharsets.UTF_8);
        List<Path> files;
        try (var walk = Files.walk(tmp.resolve("cache"))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertFalse(files.isEmpty(), "nothing was stored");
        for (Path f : files) {
            byte[] hay = Files.readAllBytes(f);
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /**
     * No value of the caller's environment is written: not by the material (a digest), not by
     * the plan's steps (which inherit the whole environment here, and are planned again on a
     * hit), and a spec that substitutes {@code ${env.NAME}} is planned but never stored.
     */
    @Test
    void noValueOfTheEnvironmentIsInAnyCacheFile() throws Exception {
        String secret = "nsbox-secret-" + System.nanoTime() + "-\u00e9t\u00e9";
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("NSBOX_TEST_SECRET", secret);
        LiveHost withSecret = new LiveHost(env, "/");
        Map<String, String> vars = new LinkedHashMap<>(Variables.forCli(spec, Map.of()));
        vars.put("env.NSBOX_TEST_SECRET", secret);
        SpecSource s = new SpecSource(spec, "spec.yaml", vars);

        assertFalse(hit(s, null, cache, withSecret));
        assertTrue(hit(s, null, cache, withSecret), () -> why);
        Preparation cached = NsboxEngine.prepare(s, null, cache, withSecret);
        assertTrue(cached.plan().launch().steps().get(0).env().contains("NSBOX_TEST_SECRET=" + secret));
        assertFalse(anyCacheFileHolds(secret), "the environment's value is in the cache");
        assertTrue(anyCacheFileHolds("from-base"), "the grep finds what is stored");

        writeSpec("process:\n  env:\n    set: {TOKEN: \"${env.NSBOX_TEST_SECRET}\"}\n");
        assertFalse(hit(s, null, cache, withSecret));
        assertFalse(hit(s, null, cache, withSecret), "a spec that substituted the environment is not stored");
        Preparation p = NsboxEngine.prepare(s, null, cache, withSecret);
        assertTrue(p.plan().launch().steps().get(0).env().contains("TOKEN=" + secret));
        assertEquals(List.of(), p.errors());
        assertFalse(anyCacheFileHolds(secret), "the environment's value is in the cache");
    }

    /** An undefined ${env.NAME} with a default substitutes nothing of the environment: stored. */
    @Test
    void aDefaultForAnUnsetVariableIsStored() throws Exception {
        writeSpec("hostname: \"${env.NSBOX_TEST_SURELY_UNSET:-fallback}\"\n");
        assertFalse(hit());
        assertTrue(hit(), () -> why);
    }

    /**
     * A hit's steps are planned again from the live environment and equal the full path's, for a
     * spec that passes the whole environment on and one that clears it and keeps some names,
     * with the spec's steps and with a command.
     */
    @Test
    void aHitsStepsAreTheFullPathsForEveryEnvironmentRule() throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("NSBOX_TEST_KEPT", "kept value");
        env.put("NSBOX_TEST_DROPPED", "dropped value");
        LiveHost h = new LiveHost(env, "/");
        for (String extra : List.of("", "process:\n  env:\n    clear: true\n    keep: [NSBOX_TEST_KEPT, NSBOX_TEST_NOT_SET]\n"
                + "    set: {A: b}\n")) {
            writeSpec(extra);
            for (List<String> command : java.util.Arrays.asList(null, List.of("echo", "x"))) {
                SpecSource s = specSource(Map.of());
                assertFalse(hit(s, command, cache, h));
                assertTrue(hit(s, command, cache, h), () -> why);
                Preparation cached = NsboxEngine.prepare(s, command, cache, h);
                Preparation full = NsboxEngine.prepare(s, Overrides.command(command), h);
                assertEquals(full.plan(), cached.plan());
                List<String> stepEnv = cached.plan().launch().steps().get(0).env();
                assertEquals(full.plan().launch().steps(), cached.plan().launch().steps());
                assertTrue(stepEnv.contains("NSBOX_TEST_KEPT=kept value"), stepEnv::toString);
                assertEquals(extra.isEmpty(), stepEnv.contains("NSBOX_TEST_DROPPED=dropped value"), stepEnv::toString);
                assertEquals(!extra.isEmpty(), stepEnv.contains("A=b"), stepEnv::toString);
            }
        }
    }

    /**
     * The guards of a store can refuse: a planner that read the environment for more than the
     * steps, or a load that substituted a variable of it, leaves no entry.
     */
    @Test
    void aPreparationThatReadTheEnvironmentForMoreThanTheStepsIsNotStored() throws Exception {
        for (int extraReads = 0; extraReads <= 1; extraReads++) {
            for (boolean envVariable : new boolean[] {false, true}) {
                PlanCache c = new PlanCache(tmp.resolve("guard-" + extraReads + envVariable), "test-build");
                SpecSource s = specSource(Map.of());
                PlanCache.Inputs in = c.inputs(s, null, host);
                HostRecorder recorder = new HostRecorder(in.host(), in.mounts());
                PlanCache.Reads reads = new PlanCache.Reads();
                RecordingVariables variables = new RecordingVariables(s.variables());
                var loaded = dev.nsbox.spec.yaml.SpecLoader.load(spec, "spec.yaml", variables, reads);
                Preparation p = Preparation.of(loaded, null, recorder, in.table(), plan -> List.of());
                for (int i = 0; i < extraReads; i++) {
                    recorder.environment();
                }
                if (envVariable) {
                    variables.get("env.PATH");
                }
                c.store(in, reads, variables, recorder, loaded.warnings(), p.plan());
                boolean stored = extraReads == 0 && !envVariable;
                assertEquals(stored, c.lookup(c.inputs(s, null, host)).isPresent(), extraReads + " " + envVariable);
            }
        }
    }
}
