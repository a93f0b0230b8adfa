package dev.nsbox.engine;

import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A warm engine's memory of the preparations it made: a spec prepared again in the same JVM (a
 * Maven build's goals, the benchmark's rounds) with every input unchanged is not read, checked,
 * planned and predicted again. The plan cache's rule
 * (docs/decisions/0027-plancache-a-plan-cache-that-asks-again.md), in memory, where nothing is
 * encoded and nothing leaves the process: an entry is used only when
 * <ul>
 *   <li>the spec's path and name, its variables, the command, and the host's environment,
 *       working directory, privilege, launcher namespace and mount list are equal;</li>
 *   <li>every spec file the loader read (the spec, each {@code extends} base) has the same
 *       bytes now, and is still a regular file;</li>
 *   <li>{@code /proc/self/mountinfo} has the same bytes now (the prediction's input);</li>
 *   <li>the host gives the same answer now to every question the planner and the predictor
 *       asked about its files.</li>
 * </ul>
 * Then the plan is the one the full path would make now. What a run asks afresh anyway is not
 * kept: {@link Preparation#limits()} is computed on every call. Nothing with an error is kept,
 * so every error is made, with its FILE:LINE:COL, by the full path.
 *
 * <p>Only preparations without a spec override are kept (a function cannot be compared). At most
 * {@value #MAX} entries, the least recently used dropped first. Thread-safe.
 */
final class PreparationMemo {

    /** Entries kept: a JVM prepares few distinct specs. */
    static final int MAX = 8;

    private static final Map<Key, Entry> ENTRIES = new LinkedHashMap<>(MAX, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
            return size() > MAX;
        }
    };

    private PreparationMemo() {
    }

    /**
     * What picks an entry. Its equals and hashCode are written out: a record's would bootstrap
     * through {@code ObjectMethods}, classes a cold JVM (one preparation, never a hit) would spin
     * for nothing.
     */
    static final class Key {
        private final SpecSource source;
        private final String file;
        private final List<String> command;
        private final Map<String, String> environment;
        private final String cwd;
        private final boolean privileged;
        private final String launcherUserNamespace;
        private final List<HostView.HostMount> mounts;

        Key(SpecSource source, List<String> command, HostView host) {
            this.source = source;
            this.file = source.file().toAbsolutePath().normalize().toString();
            this.command = command;
            this.environment = host.environment();
            this.cwd = host.cwd();
            this.privileged = host.privileged();
            this.launcherUserNamespace = host.launcherUserNamespace();
            this.mounts = host.mounts();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && file.equals(k.file) && source.displayName().equals(k.source.displayName())
                    && source.variables().equals(k.source.variables()) && Objects.equals(command, k.command)
                    && environment.equals(k.environment) && Objects.equals(cwd, k.cwd) && privileged == k.privileged
                    && Objects.equals(launcherUserNamespace, k.launcherUserNamespace) && mounts.equals(k.mounts);
        }

        @Override
        public int hashCode() {
            return Objects.hash(file, source.displayName(), command, cwd, privileged);
        }
    }

    /**
     * One kept preparation.
     *
     * @param files     each spec file the loader read, absolute, with its bytes
     * @param mountinfo the bytes of {@code /proc/self/mountinfo} the prediction was made from
     * @param answers   every question about the host's files, with its answer, once each
     */
    record Entry(Map<String, byte[]> files, byte[] mountinfo, List<HostRecorder.Answer> answers,
                 List<Diagnostic> warnings, Plan plan, MountTable table) {
    }

    /** What a hit gives back: the spec's warnings, the predicted plan and the table it was predicted against. */
    record Hit(List<Diagnostic> warnings, Plan plan, MountTable table) {
    }

    /** The kept preparation of {@code key}, when every input it recorded is as it is now. */
    static Optional<Hit> lookup(Key key, HostView host, byte[] mountinfo) {
        Entry e;
        synchronized (ENTRIES) {
            e = ENTRIES.get(key);
        }
        if (e == null || !Arrays.equals(e.mountinfo(), mountinfo)) {
            return Optional.empty();
        }
        for (Map.Entry<String, byte[]> f : e.files().entrySet()) {
            byte[] now = read(Path.of(f.getKey()));
            if (now == null || !Arrays.equals(now, f.getValue())) {
                return Optional.empty();
            }
        }
        for (HostRecorder.Answer a : e.answers()) {
            if (!HostRecorder.holds(host, a)) {
                return Optional.empty();
            }
        }
        return Optional.of(new Hit(e.warnings(), e.plan(), e.table()));
    }

    /**
     * Keeps a preparation that has no error. Nothing is kept when a spec file is not a regular
     * file (a pipe would be drained by the next lookup) or changed while it was read.
     */
    static void store(Key key, PlanCache.Reads reads, byte[] mountinfo, HostRecorder recorder, Preparation p,
                      List<Diagnostic> warnings) {
        if (p.hasErrors() || !reads.consistent()) {
            return;
        }
        Map<String, byte[]> files = reads.files();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] now = read(Path.of(f.getKey()));
            if (now == null || !Arrays.equals(now, f.getValue())) {
                return;
            }
        }
        Optional<List<HostRecorder.Answer>> answers = recorder.distinctAnswers();
        if (answers.isEmpty()) {
            return;
        }
        Entry e = new Entry(files, mountinfo.clone(), answers.get(), warnings, p.plan(), p.hostTable());
        synchronized (ENTRIES) {
            ENTRIES.put(key, e);
        }
    }

    /** Forgets every entry (tests). */
    static void clear() {
        synchronized (ENTRIES) {
            ENTRIES.clear();
        }
    }

    /** A regular file's bytes; null when it is not one or cannot be read. */
    private static byte[] read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
