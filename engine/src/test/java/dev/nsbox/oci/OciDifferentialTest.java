package dev.nsbox.oci;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.plan.MountDefaults;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.yaml.Variables;
import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same probes under {@code nsbox run SPEC -- sh -c PROBE} and under runc and crun of
 * {@code nsbox oci SPEC DIR -- sh -c PROBE}, for the corpus beside this test and every spec of
 * {@code specs/} that exports: hostname, interfaces and their state, writable and read-only
 * paths, the flags of the mounts holding them, the guarded /proc, /dev, hidden paths,
 * environment, capabilities, NoNewPrivs, seccomp mode, limits and the count of visible
 * processes; and for one spec as an ordinary user, rootless. The observations must be equal,
 * but for the differences docs/oci.md lists (for one: nsbox-init is PID 1 under nsbox, so nsbox
 * sees one process more).
 *
 * <p>Runs as root in the test JVM's scratch mount namespace. crun 1.8 refuses a hybrid cgroup
 * machine whose unified hierarchy holds a controller ("cgroups in hybrid mode not supported"),
 * so crun runs in a mount namespace of its own where /sys/fs/cgroup/unified is unmounted.
 */
@Timeout(900)
class OciDifferentialTest {

    private static final Path SPECS = Path.of("..", "specs").toAbsolutePath().normalize();
    private static final Path CORPUS = Path.of("src", "test", "resources", "dev", "nsbox", "oci").toAbsolutePath();
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    static Path work;

    @TestFactory
    Stream<DynamicTest> theCorpusMeansTheSameUnderNsboxRuncAndCrun() throws IOException {
        return specs(CORPUS).stream().filter(p -> !p.getFileName().toString().startsWith("refused"))
                .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> compare(p, true)));
    }

    @TestFactory
    Stream<DynamicTest> theExamplesThatExportMeanTheSame() throws IOException {
        return specs(SPECS).stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> compare(p, false)));
    }

    @Test
    void theSealedSpecGivesTheExpectedValuesEverywhere() throws Exception {
        Privileges.assumeScratchRoot();
        Map<String, Map<String, String>> seen = compare(CORPUS.resolve("sealed.yaml"), true);
        for (Map.Entry<String, Map<String, String>> e : seen.entrySet()) {
            Map<String, String> o = e.getValue();
            String who = e.getKey() + ": " + o;
            assertEquals("sealed", o.get("hostname"), who);
            // runc and crun set lo up in a network namespace they make, as nsbox does (docs/oci.md).
            assertEquals("lo:UP", o.get("interfaces"), who);
            assertEquals("ro", o.get("write /"), who);
            assertEquals("ro", o.get("write /mnt"), who);
            assertEquals("rw", o.get("write /tmp"), who);
            assertEquals("0", o.get("hidden /var/cache"), who);
            assertEquals("0", o.get("hidden /etc/hostname"), who);
            // The secure defaults: a nodev, nosuid host tree with a read-only /sys, nsbox's own
            // nodev on a bind and nosuid, nodev on a tmpfs, the minimal /dev, the guarded /proc.
            assertEquals("ro,nosuid,nodev", o.get("mount /usr"), who);
            assertEquals("ro,nosuid,nodev", o.get("mount /sys"), who);
            assertEquals("ro,nodev", o.get("mount /mnt"), who);
            assertEquals("rw,nosuid,nodev", o.get("mount /tmp"), who);
            assertEquals("ro", o.get("mount /proc/sys"), who);
            assertEquals("0", o.get("hidden /proc/keys"), who);
            assertEquals("fd full null ptmx pts random shm stderr stdin stdout tty urandom zero",
                    e.getKey().equals("crun") ? o.get("dev").replace("core ", "") : o.get("dev"), who);
            // The cleared environment: what the spec keeps and sets, and the marker every step gets
            // (NSBOX_SANDBOX=1, so that a build inside knows it is sandboxed); runc and crun add HOME.
            assertTrue(o.get("env").matches("GREETING=hello (HOME=/root )?NSBOX_SANDBOX=1 PATH=\\S+ TZ=UTC"), who);
            assertEquals("0000000000000000", o.get("CapEff"), who);
            assertEquals("0000000000000000", o.get("CapBnd"), who);
            assertEquals("1", o.get("NoNewPrivs"), who);
            assertEquals("2", o.get("Seccomp"), who);
            assertEquals("268435456", o.get("memory"), who);
            assertEquals("64", o.get("pids"), who);
            assertEquals("512", o.get("openFiles"), who);
        }
    }

    @Test
    void anOrdinaryUsersRootlessBundleMeansTheSame() throws Exception {
        Privileges.assumeScratchRoot();
        OrdinaryUser user = OrdinaryUser.get();
        Path spec = CORPUS.resolve("rootless.yaml");
        Preparation prepared = NsboxEngine.prepare(new SpecSource(spec, "rootless.yaml", Map.of()), Overrides.NONE,
                NsboxEngine.host());
        assertFalse(prepared.hasErrors(), prepared.errors().toString());
        Spec s = prepared.plan().spec();
        String probe = probe(s);
        Path state = user.folder("oci");
        try {
            rootless(user, spec, s, probe, state);
        } finally {
            // The bundle's dangling symlinks (rootfs/bin -> usr/bin) would trip the next
            // OrdinaryUser.get(), which walks its folder; nothing is mounted in it here.
            try (Stream<Path> all = Files.walk(state)) {
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void rootless(OrdinaryUser user, Path spec, Spec s, String probe, Path state) throws Exception {
        Path bundle = state.resolve("bundle");
        // The user exports: the bundle maps its own ids, and leaves out what it cannot enter.
        Result export = Result.of(user.nsbox("oci", spec.toString(), bundle.toString(), "--", "sh", "-c", probe).start());
        assertEquals(0, export.exit(), export.toString());

        Map<String, Map<String, String>> seen = new LinkedHashMap<>();
        seen.put("nsbox", observe("nsbox", user.argv(user.nsboxArgv("run", spec.toString(), "--", "sh", "-c", probe))));
        seen.put("runc", observe("runc", runtime("runc", bundle, user, state)));
        seen.put("crun", observe("crun", runtime("crun", bundle, user, state)));
        assertSameButTheListedDifferences("rootless.yaml", s, seen, Map.of());
        for (Map.Entry<String, Map<String, String>> e : seen.entrySet()) {
            String who = e.getKey() + ": " + e.getValue();
            assertEquals("lo:UP", e.getValue().get("interfaces"), who);
            assertEquals("rootless", e.getValue().get("hostname"), who);
            assertEquals("0000000000000000", e.getValue().get("CapEff"), who);
            assertEquals("ro", e.getValue().get("write /"), who);
            assertEquals("rw", e.getValue().get("write /tmp"), who);
        }
    }

    @Test
    void aKeyWithNoOciFormIsRefusedAtItsLine() throws Exception {
        Path spec = CORPUS.resolve("refused.yaml");
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, "refused.yaml", Map.of()), Overrides.NONE,
                NsboxEngine.host());
        try {
            OciBundle.export(p.plan(), Bundles.thisHost(0, 0));
            fail("refused.yaml exported");
        } catch (SpecException e) {
            List<String> lines = e.diagnostics().stream().map(d -> d.format()).toList();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("refused.yaml:10:5: error: mounts[1]: remount has no OCI form")),
                    lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("refused.yaml:5:14: error: propagation: unchanged")),
                    lines.toString());
        }
    }

    @Test
    void anOverlayIsRefusedAtItsLineWithItsReason() throws Exception {
        Path spec = CORPUS.resolve("refused-overlay.yaml");
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, "refused-overlay.yaml", Map.of()), Overrides.NONE,
                NsboxEngine.host());
        assertFalse(p.hasErrors(), p.errors().toString());
        SpecException e = assertThrows(SpecException.class, () -> OciBundle.export(p.plan(), Bundles.thisHost(0, 0)));
        assertEquals(List.of("refused-overlay.yaml:9:5: error: mounts[1]: overlay has no OCI form: runc and crun mount "
                + "an overlay only with its upperdir and workdir named in config.json, and nsbox makes a fresh "
                + "throw-away upper and work directory for each run; a bundle's would be shared by every run of it "
                + "and outlive them"), e.diagnostics().stream().map(d -> d.format()).toList());
    }

    private static List<Path> specs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /**
     * Probes {@code spec} under the three; returns each one's observations. A spec of
     * {@code specs/} that has no OCI form is skipped here ({@code mustExport} false), as its
     * refusal is what {@code nsbox oci} prints.
     */
    private static Map<String, Map<String, String>> compare(Path spec, boolean mustExport) throws Exception {
        Privileges.assumeScratchRoot();
        Preparation prepared = NsboxEngine.prepare(new SpecSource(spec, spec.getFileName().toString(),
                Variables.forCli(spec, Map.of())), Overrides.NONE, NsboxEngine.host());
        if (prepared.hasErrors()) {
            assertFalse(mustExport, prepared.errors().toString());
            return Map.of();
        }
        Spec s = prepared.plan().spec();
        String probe = probe(s);
        List<String> command = List.of("sh", "-c", probe);
        Preparation withProbe = NsboxEngine.prepare(new SpecSource(spec, spec.getFileName().toString(),
                Variables.forCli(spec, Map.of())), Overrides.command(command), NsboxEngine.host());
        OciBundle bundle;
        try {
            bundle = OciBundle.export(withProbe.plan(), Bundles.thisHost(0, 0));
        } catch (SpecException e) {
            assertFalse(mustExport, e.diagnostics().toString());
            return Map.of();
        }
        Path dir = work.resolve(spec.getFileName().toString().replace(".yaml", ""));
        Bundles.write(bundle, dir);

        Map<String, Map<String, String>> seen = new LinkedHashMap<>();
        List<String> nsboxRun = new ArrayList<>(List.of("run", spec.toString(), "--"));
        nsboxRun.addAll(command);
        seen.put("nsbox", observe("nsbox", Processes.nsbox(nsboxRun.toArray(String[]::new))));
        seen.put("runc", observe("runc", runtime("runc", dir, null, null)));
        seen.put("crun", observe("crun", runtime("crun", dir, null, null)));
        assertSameButTheListedDifferences(spec.getFileName().toString(), s, seen, cgroupLimits(withProbe));
        return seen;
    }

    /**
     * That runc's and crun's observations equal nsbox's, but for the differences docs/oci.md
     * lists; the cgroup limits are checked under the runtimes against {@code cgroupLimits}.
     */
    private static void assertSameButTheListedDifferences(String name, Spec s, Map<String, Map<String, String>> seen,
            Map<String, String> cgroupLimits) {
        Map<String, String> nsbox = new LinkedHashMap<>(seen.get("nsbox"));
        // The cgroup limits are the spec's under all three, not merely equal.
        for (String who : List.of("nsbox", "runc", "crun")) {
            for (Map.Entry<String, String> l : cgroupLimits.entrySet()) {
                assertEquals(l.getValue(), seen.get(who).get(l.getKey()), name + ": " + who + " " + l.getKey());
            }
        }
        for (String runtime : List.of("runc", "crun")) {
            Map<String, String> other = new LinkedHashMap<>(seen.get(runtime));
            if (!nsbox.get("env").matches("(^|.* )HOME=.*")) {
                // docs/oci.md: runc and crun set HOME from the user's passwd entry when the
                // environment has none.
                other.put("env", other.get("env").replaceAll("(^| )HOME=[^ ]*", "").trim());
            }
            if (runtime.equals("crun")) {
                // docs/oci.md: crun's /dev has a link core -> /proc/kcore as well.
                other.put("dev", other.get("dev").replaceAll("(^| )core( |$)", "$1").trim());
                if (s.limits().openFiles() == null) {
                    // docs/oci.md: with no limits.openFiles the soft limit is the starter's; the
                    // JVM under nsbox and Go's runtime under runc raise it to the hard one, crun
                    // does not (under runuser, pam_limits has set it to 1024).
                    other.put("openFiles", nsbox.get("openFiles"));
                }
            }
            if (s.has(Namespace.PID)) {
                // docs/oci.md: under nsbox the step is PID 2, nsbox-init being PID 1.
                other.put("processes", Integer.toString(Integer.parseInt(other.get("processes")) + 1));
            } else {
                // Without a PID namespace of its own, each sees the host's processes of the moment.
                other.put("processes", nsbox.get("processes"));
            }
            assertEquals(nsbox, other, name + ": nsbox and " + runtime + " differ");
        }
    }

    /** The cgroup limits the spec sets, as the probe prints them. */
    private static Map<String, String> cgroupLimits(Preparation p) {
        Map<String, String> out = new LinkedHashMap<>();
        var l = p.plan().spec().limits();
        if (l.memory() != null) {
            out.put("memory", Long.toString(l.memory()));
        }
        if (l.pids() != null) {
            out.put("pids", Long.toString(l.pids()));
        }
        if (l.cpu() != null) {
            out.put("cpu", Long.toString(p.plan().launch().confinement().limits().cpuQuotaMicros().getAsLong()));
        }
        return out;
    }

    /** The probe: one "key: value" line per observation. */
    static String probe(Spec s) {
        StringBuilder p = new StringBuilder();
        p.append("echo \"hostname: $(hostname)\"\n");
        // Each interface with its state, NAME:UP or NAME:DOWN, from ip(8)'s flags (IFF_UP): the
        // host's /sys/class/net is bound in sight and shows the host's namespace, not the step's.
        p.append("echo \"interfaces: $($(command -v ip || echo /usr/sbin/ip) -o link show | sed -E 's/^[0-9]+: ([^:@]+)[^<]*<([^>]*)>.*/\\1 ,\\2,/' ")
                .append("| while read n f; do case $f in *,UP,*) echo $n:UP;; *) echo $n:DOWN;; esac; done | sort | tr '\\n' ' ' | sed 's/ $//')\"\n");
        List<String> paths = new ArrayList<>();
        if (s.root().readOnly()) {
            paths.addAll(List.of("/", "/etc", "/usr"));
        }
        // How the mount that holds a path is mounted: read-only or not, nosuid, nodev. Not "/"
        // itself, which under runc and crun is the bundle's rootfs (docs/oci.md).
        List<String> flagged = new ArrayList<>();
        // Read-only or not only: crun's readonlyPaths remount drops nosuid and nodev, where
        // inside a procfs they mean nothing.
        List<String> guardedReadOnly = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        boolean defaults = MountDefaults.appliesTo(s.propagation());
        if (s.root().type() == RootType.HOST) {
            flagged.addAll(List.of("/etc", "/usr", "/sys"));
            if (defaults) {
                guard("/proc", MountType.PROC, guardedReadOnly, hidden);
                guard("/sys", MountType.SYSFS, guardedReadOnly, hidden);
            }
        }
        for (MountSpec m : s.mounts()) {
            if (m.type() == MountType.HIDE) {
                hidden.add(m.target());
            } else if (m.type() == MountType.TMPFS || m.type() == MountType.BIND) {
                paths.add(m.target());
                flagged.add(m.target());
            }
            if (defaults && (m.type() == MountType.PROC || m.type() == MountType.SYSFS)) {
                guard(m.target(), m.type(), guardedReadOnly, hidden);
            }
        }
        for (String path : paths) {
            String f = (path.equals("/") ? "" : path) + "/.nsbox-oci-probe-$$";
            p.append("if touch '").append(f).append("' 2>/dev/null; then rm -f '").append(f)
                    .append("'; echo 'write ").append(path).append(": rw'; else echo 'write ").append(path)
                    .append(": ro'; fi\n");
        }
        // The options of the topmost mount holding $1: the last one in mountinfo (proc(5)) at the
        // longest mount point that is $1 or above it.
        p.append("opts() { o=$(awk -v p=\"$1\" '{ m = $5; if ((m == p || m == \"/\" || index(p, m \"/\") == 1) ")
                .append("&& length(m) >= best) { best = length(m); o = $6 } } END { print o }' /proc/self/mountinfo); r=${o%%,*}; ")
                .append("case ,$o, in *,nosuid,*) r=$r,nosuid;; esac; case ,$o, in *,nodev,*) r=$r,nodev;; esac; echo $r; }\n");
        for (String path : flagged) {
            p.append("echo \"mount ").append(path).append(": $(opts '").append(path).append("')\"\n");
        }
        for (String path : guardedReadOnly) {
            p.append("if [ -e '").append(path).append("' ]; then echo \"mount ").append(path)
                    .append(": $(opts '").append(path).append("' | cut -d, -f1)\"; else echo 'mount ")
                    .append(path).append(": missing'; fi\n");
        }
        p.append("echo \"dev: $(ls -A /dev | sort | tr '\\n' ' ' | sed 's/ $//')\"\n");
        for (String h : new LinkedHashSet<>(hidden)) {
            // What can be read: entries of a folder, bytes of a file (a hidden file may be
            // unreadable rather than empty; either way nothing of it is seen).
            p.append("if [ -d '").append(h).append("' ]; then n=$(ls -A '").append(h).append("' | wc -l); ")
                    .append("elif [ -e '").append(h).append("' ]; then n=$(cat '").append(h).append("' 2>/dev/null | wc -c); ")
                    .append("else n=missing; fi; echo \"hidden ").append(h).append(": $n\"\n");
        }
        p.append("echo \"env: $(env | grep -v -E '^(PWD|SHLVL|_|OLDPWD)=' | sort | tr '\\n' ' ' | sed 's/ $//')\"\n");
        p.append("grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\\t' | sed 's/:/: /'\n");
        p.append("echo \"openFiles: $(awk '/^Max open files/ {print $4}' /proc/self/limits)\"\n");
        p.append("echo \"fileSize: $(awk '/^Max file size/ {print $4}' /proc/self/limits)\"\n");
        // The step's own cgroup, found by its pid: under nsbox the step has a cgroup namespace of
        // its own, so /proc/self/cgroup names "/" there.
        p.append("own() { for f in $(find /sys/fs/cgroup/$1 -name cgroup.procs); do grep -qx $$ $f && dirname $f; done | head -n 1; }\n");
        if (s.limits().memory() != null) {
            p.append("echo \"memory: $(cat $(own memory)/memory.limit_in_bytes)\"\n");
        }
        if (s.limits().pids() != null) {
            p.append("echo \"pids: $(cat $(own pids)/pids.max)\"\n");
        }
        if (s.limits().cpu() != null) {
            p.append("echo \"cpu: $(cat $(own cpu)/cpu.cfs_quota_us)\"\n");
        }
        // Counted by a glob in the one subshell of the command substitution: a pipeline (ls | grep)
        // races, its two sides seen or not depending on which has started when ls reads /proc.
        p.append("echo \"processes: $(cd /proc && set -- [0-9]*; echo $#)\"\n");
        return p.toString();
    }

    /** nsbox's guards of a procfs or sysfs at {@code target} (plan.MountDefaults), to probe. */
    private static void guard(String target, MountType type, List<String> readOnly, List<String> hidden) {
        if (type == MountType.PROC) {
            MountDefaults.PROC_READ_ONLY.forEach(n -> readOnly.add(target + "/" + n));
            MountDefaults.PROC_MASKED.forEach(n -> hidden.add(target + "/" + n));
        } else {
            MountDefaults.SYS_MASKED.forEach(n -> hidden.add(target + "/" + n));
        }
    }

    /**
     * {@code runtime run} of {@code bundle}, then {@code delete}: as root, or as {@code user}
     * (rootless, its state under {@code state}) when one is given.
     */
    private static List<String> runtime(String runtime, Path bundle, OrdinaryUser user, Path state) {
        String id = "nsbox-oci-" + ProcessHandle.current().pid() + "-" + IDS.incrementAndGet();
        String rt = user == null ? runtime : runtime + " --root " + OciBundle.quote(state.resolve(runtime).toString());
        String run = rt + " run --bundle " + OciBundle.quote(bundle.toString()) + " " + id + "; status=$?; " + rt
                + " delete -f " + id + " >/dev/null 2>&1; exit $status";
        if (user != null) {
            run = String.join(" ", user.argv(List.of("env", "XDG_RUNTIME_DIR=" + state, "sh", "-c", run)).stream()
                    .map(OciBundle::quote).toList());
        }
        if (runtime.equals("crun")) {
            // A mount namespace of crun's own, so that the unmount reaches nothing else.
            return List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "umount /sys/fs/cgroup/unified 2>/dev/null; " + run);
        }
        return List.of("sh", "-c", run);
    }

    private static Map<String, String> observe(String who, List<String> command) throws Exception {
        Result r = Processes.Result.of(new ProcessBuilder(command).start());
        assertEquals(0, r.exit(), who + ": " + r);
        Map<String, String> o = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            int c = line.indexOf(": ");
            if (c > 0) {
                o.put(line.substring(0, c), line.substring(c + 2).trim());
            }
        }
        assertTrue(o.containsKey("processes"), who + ": the probe did not finish: " + r);
        return o;
    }
}
