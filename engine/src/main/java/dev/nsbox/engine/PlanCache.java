package dev.nsbox.engine;

import dev.nsbox.exec.RecordCodec;
import dev.nsbox.host.LiveHost;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.HostView;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.yaml.SpecLoader;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The command line's cache of checked plans: a spec prepared once is, on the next call with the
 * same inputs, taken from here instead of being read, checked, planned and predicted again.
 * Why it never serves a stale plan: docs/decisions/0027-plancache-a-plan-cache-that-asks-again.md;
 * why it keeps no value of the caller's environment on disk, and so is on by default:
 * docs/decisions/0030-plancache2-no-secret-on-disk.md.
 *
 * <p>An entry holds the SHA-256 of the complete text of everything the preparation depended on
 * (the jar, the JDK, the kernel, the caller's ids, capabilities and namespaces, the working
 * directory, the command, the variables and environment, the host's {@code mountinfo}), the
 * exact bytes of every spec file read, every question the planner asked about the host's files
 * with its answer, and the plan without its steps, with its compiled seccomp programs. A lookup
 * digests the same text now and compares, re-reads every spec file and compares bytes, and asks
 * every question again; only then is the plan decoded and its steps planned again from the live
 * environment. A spec that substituted a variable of the environment is not stored. Entries live
 * in {@code ${XDG_CACHE_HOME:-$HOME/.cache}/nsbox/plans}, a folder of mode 0700 owned by the
 * effective uid; an entry owned by anyone else, writable by group or others, truncated, or
 * written by another format or jar is ignored. Nothing with an error is stored. Any failure here
 * is a miss: the caller takes the full path.
 *
 * <p>Thread-safe (stateless apart from its folder); entries are replaced atomically (rename(2)).
 */
public final class PlanCache {

    /** No cache: every preparation takes the full path. */
    public static final PlanCache OFF = new PlanCache(null, null, -1);

    /** The environment variable that turns the cache off: {@code NSBOX_PLAN_CACHE=0}; it is on otherwise. */
    public static final String SWITCH = "NSBOX_PLAN_CACHE";

    private static final String MAGIC = "nsbox plan cache";
    /** Raised whenever the entry's layout or the meaning of a recorded input changes. */
    private static final int FORMAT = 2;
    /** An entry is at most this long; more is not an entry of ours. */
    private static final int MAX_ENTRY = 16 << 20;
    /** When a store finds more entries than this, it removes the older half. */
    private static final int MAX_ENTRIES = 256;
    private static final String SUFFIX = ".plan";

    private final Path dir;
    private final String build;
    private final long euid;

    /**
     * A cache in {@code dir} for the engine build named {@code build} (the jar's identity; two
     * builds never share an entry).
     */
    public PlanCache(Path dir, String build) {
        this(dir, build, effectiveUid());
    }

    private PlanCache(Path dir, String build, long euid) {
        this.dir = dir;
        this.build = build;
        this.euid = euid;
    }

    /**
     * The user's cache, where the launcher keeps its AppCDS archive; {@link #OFF} when
     * {@code NSBOX_PLAN_CACHE=0}, when there is no absolute cache folder, or when the engine
     * does not run from a jar (no build identity to key on).
     */
    public static PlanCache forUser(Map<String, String> env) {
        return off(env) ? OFF : forUser(env, jarIdentity());
    }

    /** {@link #forUser(Map)} for the build {@code build} (null: not run from a jar). */
    static PlanCache forUser(Map<String, String> env, String build) {
        // On by default: an entry keeps no value of the caller's environment (docs/decisions/0030).
        if (off(env)) {
            return OFF;
        }
        String xdg = env.get("XDG_CACHE_HOME");
        String home = env.get("HOME");
        Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg, "nsbox")
                : home != null && home.startsWith("/") ? Path.of(home, ".cache", "nsbox") : null;
        if (base == null || build == null) {
            return OFF;
        }
        return new PlanCache(base.resolve("plans"), build);
    }

    private static boolean off(Map<String, String> env) {
        return "0".equals(env.get(SWITCH));
    }

    /** Whether this cache is used at all. */
    public boolean enabled() {
        return dir != null && euid >= 0;
    }

    /**
     * The jar this class was loaded from, by path, size, modification and change times and
     * inode: a rebuilt or replaced jar is another build. Null when not loaded from a jar.
     */
    static String jarIdentity() {
        try {
            var source = PlanCache.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path jar = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                return null;
            }
            Map<String, Object> a = Files.readAttributes(jar, "unix:size,lastModifiedTime,ctime,ino,dev");
            // FileTime.to, not toString: its text goes through java.time, dozens of classes on a cold start.
            return jar + " " + a.get("size") + " " + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)
                    + " " + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS) + " " + a.get("dev") + ":" + a.get("ino");
        } catch (Exception e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // What a preparation depends on.

    /**
     * Everything one preparation depends on besides the spec files and the host's answers, read
     * now: {@code name} picks the entry, {@code digest} (of {@code material}, which is never
     * written; kept for a test to say which input differed) must equal the entry's.
     */
    record Inputs(String name, String material, byte[] digest, byte[] spec, Path specPath, MountTable table,
                  List<HostView.HostMount> mounts, LiveHost host, List<String> command) {
    }

    /**
     * The inputs of preparing {@code source} with {@code command}, or null when one cannot be read
     * (then the full path says what is wrong): the spec is not a regular file, or too long, or
     * {@code /proc/self/mountinfo} cannot be read or parsed.
     */
    Inputs inputs(SpecSource source, List<String> command, LiveHost host) {
        if (!enabled()) {
            return null;
        }
        try {
            Path spec = source.file().toAbsolutePath().normalize();
            // Only a regular file is read twice (here and by the loader): a FIFO would be drained.
            if (!Files.isRegularFile(spec)) {
                return null;
            }
            byte[] bytes = readSpec(spec);
            if (bytes == null) {
                return null;
            }
            byte[] info = Files.readAllBytes(Path.of("/proc/self/mountinfo"));
            String mountinfo = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(info)).toString();
            MountTable table = MountTable.parse(mountinfo);
            List<HostView.HostMount> mounts = table.mounts().stream()
                    .map(m -> new HostView.HostMount(m.mountPoint(), m.fsType())).toList();
            StringBuilder id = new StringBuilder();
            add(id, "format", Integer.toString(FORMAT));
            add(id, "build", build);
            for (String p : new String[] {"java.home", "java.vm.version", "os.arch", "os.version"}) {
                add(id, p, System.getProperty(p, ""));
            }
            add(id, "kernel", read("/proc/sys/kernel/version"));
            // Who asks: ids, groups, capabilities (CAP_SYS_ADMIN decides rootless), and in which
            // user, mount and cgroup namespaces with which id maps.
            for (String line : read("/proc/self/status").split("\n")) {
                if (line.startsWith("Uid:") || line.startsWith("Gid:") || line.startsWith("Groups:")
                        || line.startsWith("Cap") || line.startsWith("NoNewPrivs:") || line.startsWith("Seccomp:")) {
                    add(id, "status", line);
                }
            }
            for (String ns : new String[] {"user", "mnt", "cgroup"}) {
                add(id, "ns", Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString());
            }
            add(id, "uid_map", read("/proc/self/uid_map"));
            add(id, "gid_map", read("/proc/self/gid_map"));
            add(id, "cgroup", read("/proc/self/cgroup"));
            add(id, "cwd", host.cwd());
            add(id, "privileged", Boolean.toString(host.privileged()));
            add(id, "launcherUserNamespace", String.valueOf(host.launcherUserNamespace()));
            add(id, "spec", spec.toString());
            add(id, "displayName", source.displayName());
            add(id, "command", command == null ? "-" : Integer.toString(command.size()));
            if (command != null) {
                command.forEach(a -> add(id, "arg", a));
            }
            source.variables().forEach((k, v) -> add(id, "var " + k, v));
            new TreeMap<>(host.environment()).forEach((k, v) -> add(id, "env " + k, v));
            // The digest of all of it is SHA-256(SHA-256(id) || mountinfo): the id is digested once,
            // for the name and the digest (a cold JVM runs SHA-256 interpreted, ~0.3 ms a KiB).
            byte[] idDigest = Sha256.digest(id.toString().getBytes(StandardCharsets.UTF_8));
            byte[] all = Arrays.copyOf(idDigest, idDigest.length + info.length);
            System.arraycopy(info, 0, all, idDigest.length, info.length);
            StringBuilder material = new StringBuilder(id);
            add(material, "mountinfo", mountinfo);
            return new Inputs(hex(idDigest), material.toString(), Sha256.digest(all), bytes, spec, table, mounts, host,
                    command);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The spec's bytes as {@link SpecLoader} reads them (at most one more than it accepts), or null when too long. */
    private static byte[] readSpec(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(SpecLoader.MAX_BYTES + 1);
            return b.length > SpecLoader.MAX_BYTES ? null : b;
        }
    }

    private static String read(String file) throws IOException {
        return new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8);
    }

    /** One input, length first, so that no value can pass for the end of another. */
    private static void add(StringBuilder sb, String key, String value) {
        sb.append(key).append(' ').append(value.length()).append(':').append(value).append('\n');
    }

    /**
     * The entry's file name: the first 128 bits of the SHA-256 of the inputs that pick it (all but
     * the mount table, so that a mount replaces the entry rather than adding one), in hex. Not a
     * weak hash: a name must not let anyone who lists the folder test guesses of a secret.
     */
    private static String hex(byte[] digest) {
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 16; i++) {
            sb.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
        }
        return sb.toString();
    }

    /** Every spec file the loader read, with its bytes, in order. */
    static final class Reads implements BiConsumer<Path, byte[]> {
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private boolean consistent = true;

        @Override
        public void accept(Path file, byte[] bytes) {
            byte[] before = files.putIfAbsent(file.toString(), bytes.clone());
            if (before != null && !Arrays.equals(before, bytes)) {
                consistent = false;
            }
        }

        /** Each file read, in order, with its bytes. */
        Map<String, byte[]> files() {
            return files;
        }

        /** Whether no file was read twice with different bytes. */
        boolean consistent() {
            return consistent;
        }
    }

    /**
     * A cached preparation: the loaded spec's warnings, whether the spec lists the user
     * namespace, and the predicted plan without its steps, decoded only when asked for
     * ({@code validate} as root needs only the first two).
     */
    record Hit(List<Diagnostic> warnings, boolean listsUser, byte[] encodedPlan) {

        /**
         * The plan, its steps planned again for the caller of {@code in} (its environment, equal
         * to the stored one's as the digest proves, its working directory and command); empty
         * when it no longer decodes (then the caller takes the full path).
         */
        Optional<Plan> plan(Inputs in) {
            try {
                Plan stored = (Plan) RecordCodec.readWithPrograms(new DataInputStream(new ByteArrayInputStream(encodedPlan)));
                return Optional.of(stored.withSteps(in.host().environment(), in.host().cwd(), in.command()));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Lookup.

    /**
     * The entry for {@code in}, when one is there, trusted, complete, of this format, and every
     * input it recorded is as it is now: the same material, the same bytes in every spec file, the
     * same answer to every question about the host's files.
     */
    Optional<Hit> lookup(Inputs in) {
        if (in == null || !trustedFolder()) {
            return Optional.empty();
        }
        Path entry = dir.resolve(in.name() + SUFFIX);
        try {
            byte[] bytes = readTrusted(entry);
            if (bytes == null) {
                return Optional.empty();
            }
            DataInputStream d = new DataInputStream(new ByteArrayInputStream(bytes));
            byte[] digest = new byte[32];
            if (!MAGIC.equals(d.readUTF()) || d.readInt() != FORMAT) {
                return Optional.empty();
            }
            d.readFully(digest);
            if (!Arrays.equals(digest, in.digest())) {
                return Optional.empty();
            }
            int files = d.readInt();
            for (int i = 0; i < files; i++) {
                Path file = Path.of(RecordCodec.readString(d));
                byte[] recorded = new byte[d.readInt()];
                d.readFully(recorded);
                byte[] now = i == 0 && file.equals(in.specPath()) ? in.spec()
                        : Files.isRegularFile(file) ? readSpec(file) : null;
                if (i == 0 && !file.equals(in.specPath()) || now == null || !Arrays.equals(recorded, now)) {
                    return Optional.empty();
                }
            }
            int answers = d.readInt();
            for (int i = 0; i < answers; i++) {
                HostRecorder.Answer a = new HostRecorder.Answer(HostRecorder.Question.values()[d.readByte()],
                        RecordCodec.readString(d), RecordCodec.readString(d), RecordCodec.readString(d));
                if (!HostRecorder.holds(in.host(), a)) {
                    return Optional.empty();
                }
            }
            @SuppressWarnings("unchecked")
            List<Diagnostic> warnings = (List<Diagnostic>) RecordCodec.read(d);
            boolean listsUser = d.readBoolean();
            byte[] plan = new byte[d.readInt()];
            d.readFully(plan);
            if (!"end".equals(d.readUTF()) || d.available() != 0) {
                return Optional.empty();
            }
            return Optional.of(new Hit(warnings, listsUser, plan));
        } catch (IOException | RuntimeException e) {
            // Truncated, of another layout, or a record that no longer decodes: the full path.
            return Optional.empty();
        }
    }

    /** The folder: a directory (not a link) owned by the effective uid, with no access for group or others. */
    private boolean trustedFolder() {
        return owned(dir, 0040000, 077);
    }

    /**
     * Whether {@code p}, not followed if a link, is of file type {@code type} ({@code S_IFDIR},
     * {@code S_IFREG}; inode(7)), owned by the effective uid, with none of the {@code forbidden}
     * permission bits.
     */
    private boolean owned(Path p, int type, int forbidden) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            return ((Integer) a.get("uid")).longValue() == euid && (mode & 0170000) == type && (mode & forbidden) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The entry's bytes, or null when it is missing, a link or not a regular file, owned by
     * another uid, writable by group or others, or too long. Opened with O_NOFOLLOW, and its
     * owner and mode read before and after, so that a file swapped in between is not taken.
     */
    private byte[] readTrusted(Path entry) throws IOException {
        if (!trustedFile(entry)) {
            return null;
        }
        byte[] bytes;
        try (var ch = Files.newByteChannel(entry, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             InputStream in = Channels.newInputStream(ch)) {
            bytes = in.readNBytes(MAX_ENTRY + 1);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        return bytes.length > MAX_ENTRY || !trustedFile(entry) ? null : bytes;
    }

    /** An entry: a regular file (not a link) owned by the effective uid, not writable by group or others. */
    private boolean trustedFile(Path entry) {
        return owned(entry, 0100000, 022);
    }

    // ---------------------------------------------------------------------------------------------
    // Store.

    /**
     * Stores a preparation that has no error: written to a temporary file of mode 0600 in the
     * folder, then renamed over the entry, so that a reader sees the old entry or the new one,
     * never a part. Does nothing when a spec file changed while it was read (the loader's bytes
     * differ from those the inputs read), when the load substituted a variable of the caller's
     * environment ({@code variables}), when the planner read the environment for more than the
     * steps ({@code host}), when the plan read back without its steps and with them planned again
     * is not the plan made, or when anything fails.
     */
    void store(Inputs in, Reads reads, RecordingVariables variables, HostRecorder host, List<Diagnostic> warnings,
               Plan plan) {
        if (in == null || !reads.consistent || !Arrays.equals(reads.files.get(in.specPath().toString()), in.spec())
                || !reads.files.keySet().iterator().next().equals(in.specPath().toString())
                || variables.usedEnvironment() || host.environmentReads() > 1) {
            return;
        }
        Path tmp = null;
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(16384);
            DataOutputStream d = new DataOutputStream(buffer);
            d.writeUTF(MAGIC);
            d.writeInt(FORMAT);
            d.write(in.digest());
            d.writeInt(reads.files.size());
            for (Map.Entry<String, byte[]> f : reads.files.entrySet()) {
                RecordCodec.writeString(d, f.getKey());
                d.writeInt(f.getValue().length);
                d.write(f.getValue());
            }
            Optional<List<HostRecorder.Answer>> distinct = host.distinctAnswers();
            if (distinct.isEmpty()) {
                return;
            }
            d.writeInt(distinct.get().size());
            for (HostRecorder.Answer a : distinct.get()) {
                d.writeByte(a.question().ordinal());
                RecordCodec.writeString(d, a.path());
                RecordCodec.writeString(d, a.rest());
                RecordCodec.writeString(d, a.answer());
            }
            // The steps hold the caller's environment (all of it, unless process.env.clear): they
            // are not stored, and are planned again from the live environment on a hit.
            Plan.Launch l = plan.launch();
            Plan stepless = new Plan(plan.spec(), plan.notes(), plan.ops(), plan.expectations(),
                    new Plan.Launch(l.pidNamespace(), l.noNewPrivileges(), l.confinement(), List.of()),
                    plan.hostEffects(), plan.diagnostics());
            byte[] payload = encode(stepless);
            // Read back and compare (as the executor does with the kernel, decision 0006): a plan
            // that does not come back the same, steps planned again and seccomp programs included,
            // is not stored. Compared in the codec's canonical form, which writes every component
            // of every record (and each filter's program); not with equals, whose records'
            // ObjectMethods bootstraps spin about a hundred classes in a cold JVM (75 ms of a
            // first run). It also loads, on the first run that the launcher's AppCDS archive is
            // dumped from, the classes a hit needs.
            Optional<Plan> back = new Hit(warnings, false, payload).plan(in);
            if (back.isEmpty()
                    || !Arrays.equals(RecordCodec.canonicalForm(back.get()), RecordCodec.canonicalForm(plan))) {
                return;
            }
            RecordCodec.write(d, new ArrayList<>(warnings));
            d.writeBoolean(plan.spec().has(Namespace.USER));
            d.writeInt(payload.length);
            d.write(payload);
            d.writeUTF("end");
            d.flush();
            if (!folder()) {
                return;
            }
            // A name of this process's own, made with O_CREAT|O_EXCL and mode 0600; not
            // Files.createTempFile, whose SecureRandom costs a cold JVM the security providers.
            // The pid from /proc/self, not ProcessHandle, whose class makes a thread pool when loaded.
            tmp = dir.resolve(".plan-" + Files.readSymbolicLink(Path.of("/proc/self")) + "-" + System.nanoTime() + ".tmp");
            try (var ch = Files.newByteChannel(tmp, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer b = ByteBuffer.wrap(buffer.toByteArray());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            try {
                Files.move(tmp, dir.resolve(in.name() + SUFFIX), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                return;
            }
            tmp = null;
            prune();
        } catch (IOException | RuntimeException e) {
            // A cache that cannot be written costs the next call the full path, nothing more.
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // Left for the next prune.
                }
            }
        }
    }

    /** {@code plan} in the entry's form: {@link RecordCodec#writeWithPrograms}. */
    private static byte[] encode(Plan plan) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16384);
        DataOutputStream d = new DataOutputStream(b);
        RecordCodec.writeWithPrograms(d, plan);
        d.flush();
        return b.toByteArray();
    }

    /** Makes the folder (0700) when missing; whether it is then trusted. */
    private boolean folder() throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Another nsbox made it meanwhile: judged below like any other.
            }
        }
        return trustedFolder();
    }

    /** Past {@value #MAX_ENTRIES} files, removes the older half (by modification time). */
    private void prune() throws IOException {
        List<Path> all;
        try (var list = Files.list(dir)) {
            all = new ArrayList<>(list.toList());
        }
        if (all.size() <= MAX_ENTRIES) {
            return;
        }
        Map<Path, Long> times = new LinkedHashMap<>();
        for (Path p : all) {
            times.put(p, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
        }
        all.sort((a, b) -> Long.compare(times.get(a), times.get(b)));
        for (Path p : all.subList(0, all.size() / 2)) {
            Files.deleteIfExists(p);
        }
    }

    /** The effective uid from {@code /proc/self/status}; -1 (cache off) when it cannot be read. */
    private static long effectiveUid() {
        try {
            for (String line : read("/proc/self/status").split("\n")) {
                if (line.startsWith("Uid:")) {
                    // "Uid:\tREAL\tEFFECTIVE\tSAVED\tFS" (proc(5)); no regular expression on the cold path.
                    String[] f = line.substring(4).trim().split("\t");
                    return Long.parseLong(f[1].trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
