package dev.nsbox.rootless;

import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Processes;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nsbox as an ordinary user runs it: no CAP_SYS_ADMIN, so every sandbox lives in a user
 * namespace that nsbox asks {@code unshare(1)} for, once per CLI call or once per helper JVM.
 * Each test runs the real CLI (or the Maven plugin's runner) as that user, and checks from the
 * outside what the user and the host see: exit codes, output, file ownership, the host's
 * mount table, and that nothing is left running.
 */
@Tag("rootless")
@Timeout(180)
class RootlessRunTest {

    private static final Path SPECS = Path.of("..", "specs").toAbsolutePath().normalize();
    private static OrdinaryUser user;

    @BeforeAll
    static void user() throws Exception {
        user = OrdinaryUser.get();
    }

    private static String mountTable() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }

    private static void assertOwned(Path p) throws IOException {
        assertTrue(Files.exists(p), p + " exists");
        assertEquals(user.uid, Files.getAttribute(p, "unix:uid"), p + " is owned by the caller outside");
        assertEquals(user.gid, Files.getAttribute(p, "unix:gid"), p + " has the caller's group outside");
    }

    /** specs/hermetic-tests.yaml compiles and runs the example project, which checks its own sandbox. */
    @Test
    void hermeticTestsExampleRunsAndWhatItWritesBelongsToTheCaller() throws Exception {
        Path project = user.folder("hello");
        Processes.copyTree(SPECS.resolve("hello"), project);
        Files.createDirectories(project.resolve("target"));
        user.own(project);
        String before = mountTable();
        Result r = Result.of(user.nsbox("run", SPECS.resolve("hermetic-tests.yaml").toString(),
                "-D", "project.basedir=" + project).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("network interfaces:  [lo]"), r.out());
        assertTrue(r.out().contains("sealed: no network, read-only sources, writable target/"), r.out());
        assertOwned(project.resolve("target/classes/hello/Main.class"));
        assertOwned(project.resolve("target/sandbox-probe"));
        assertEquals(before, mountTable(), "the host's mount table is unchanged");
    }

    @Test
    void tmpfsRootExampleRuns() throws Exception {
        Result r = Result.of(user.nsbox("run", SPECS.resolve("tmpfs-root.yaml").toString()).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("no /home, no /root"), r.out());
    }

    @Test
    void hideSecretsExampleRuns() throws Exception {
        Result r = Result.of(user.nsbox("run", SPECS.resolve("hide-secrets.yaml").toString()).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("no credential is readable"), r.out());
    }

    /**
     * The pitfall cannot happen in a user namespace: the copies of the host's shared mounts are
     * slaves, so the proc and the bind stay in the sandbox, and the host's table is unchanged.
     */
    @Test
    void seedPitfallExampleRunsAndCannotLeak() throws Exception {
        String before = mountTable();
        Result r = Result.of(user.nsbox("run", SPECS.resolve("seed-pitfall.yaml").toString()).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(" /proc "), r.out());
        assertEquals(before, mountTable(), "nothing reached the host");
    }

    /**
     * specs/offline-build.yaml: Maven builds the example project in the sandbox, with no
     * network, from a read-only local repository, as the ordinary user. The user gets a home
     * of its own for the run ({@code -D user.home}), so nothing is left in its real one: its
     * repository is filled by Maven outside any sandbox, from this test JVM's repository
     * through a {@code file://} mirror (see {@link #offlineRepository}), and it holds a
     * settings.xml with a password, which the spec hides.
     */
    @Test
    void offlineBuildExampleBuildsWithMavenFromTheCallersRepository() throws Exception {
        Path work = user.folder("offline");
        Path home = work.resolve("home");
        offlineRepository(work, home.resolve(".m2/repository"));
        Files.writeString(home.resolve(".m2/settings.xml"),
                "<settings><servers><server><id>corp</id><password>s3cret</password></server></servers></settings>\n");
        Path project = work.resolve("hello");
        Processes.copyTree(SPECS.resolve("hello"), project);
        user.own(work);
        String before = mountTable();
        Result r = Result.of(user.nsbox("run", SPECS.resolve("offline-build.yaml").toString(),
                "-D", "user.home=" + home, "-D", "project.basedir=" + project).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("network interfaces:  [lo]"), r.out());
        assertTrue(r.out().contains("sealed: no network, read-only sources, writable target/"), r.out());
        assertOwned(project.resolve("target/hello-1.0.jar"));
        assertOwned(project.resolve("target/classes/hello/Main.class"));
        assertOwned(project.resolve("target/sandbox-probe"));
        assertEquals(before, mountTable(), "the host's mount table is unchanged");

        Result secret = Result.of(user.nsbox("run", SPECS.resolve("offline-build.yaml").toString(),
                "-D", "user.home=" + home, "-D", "project.basedir=" + project, "--", "cat",
                home.resolve(".m2/settings.xml").toString()).start());
        assertEquals(1, secret.exit(), secret.out() + secret.err());
        assertFalse(secret.out().contains("s3cret"), secret.out());
        assertTrue(secret.err().contains("Permission denied"), secret.err());
    }

    /**
     * Fills {@code repository} with what {@code mvn package} of the example project needs,
     * without the network and without giving the user this JVM's own repository (root's
     * {@code ~/.m2} is not readable by it): first the project is built once in this JVM's
     * identity, which puts its plugins in this JVM's repository (on a fresh CI machine that is
     * the one download it makes, as the spec tells users to do before building offline); then
     * a second build fills {@code repository} through a mirror of every remote repository that
     * is this JVM's repository as a {@code file://} URL. The mirror is named {@code central}
     * because Maven records where each artifact came from, and offline it accepts only
     * artifacts from a repository the build knows: the build in the sandbox knows central.
     */
    private static void offlineRepository(Path work, Path repository) throws IOException, InterruptedException {
        Path own = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Files.createDirectories(repository);
        Path settings = Files.writeString(work.resolve("mirror-settings.xml"), """
                <settings>
                  <mirrors>
                    <mirror><id>central</id><mirrorOf>*</mirrorOf><url>%s</url></mirror>
                  </mirrors>
                </settings>
                """.formatted(own.toUri()));
        for (List<String> args : List.of(List.<String>of(),
                List.of("-s", settings.toString(), "-Dmaven.repo.local=" + repository))) {
            Path project = Files.createTempDirectory(work, "prefetch-");
            Processes.copyTree(SPECS.resolve("hello"), project);
            List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-f", project.resolve("pom.xml").toString()));
            cmd.addAll(args);
            cmd.add("package");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // Surefire points JAVA_HOME at the test JVM wrapper's folder: Maven gets the real JDK.
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process p = pb.start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + log);
        }
    }

    private Path behaviourSpec(Path work) throws IOException {
        Files.createDirectories(work.resolve("src"));
        Files.createDirectories(work.resolve("out"));
        user.own(work);
        return Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, pid, net, uts, ipc]
                hostname: rootless-test
                root: {type: host, readOnly: true}
                mounts:
                  - {type: tmpfs, target: /tmp}
                  - {type: bind, source: "%1$s/src", target: "%1$s/src", readOnly: true}
                  - {type: bind, source: "%1$s/out", target: "%1$s/out"}
                  - {type: proc, target: /proc}
                process:
                  cwd: "%1$s"
                  env: {clear: true, keep: [PATH]}
                steps:
                  - name: look
                    shell: >-
                      echo "pid $$ host $(hostname) uid $(id -u)";
                      echo "net $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')";
                      touch src/x 2>/dev/null && echo "src writable" || echo "src read-only";
                      touch out/y && echo "out writable"
                  - name: fail
                    shell: exit 42
                  - name: never
                    shell: echo never
                """.formatted(work));
    }

    /** The behaviour checks of the runtime issue, as an ordinary user. */
    @Test
    void pid1HostnameLoopbackReadOnlyBindsAndExitCodes() throws Exception {
        Path work = user.folder("behaviour");
        Path spec = behaviourSpec(work);
        String before = mountTable();
        Result r = Result.of(user.nsbox("run", spec.toString()).start());
        assertEquals(42, r.exit(), r.out() + r.err());
        assertEquals("pid 2 host rootless-test uid 0\nnet lo \nsrc read-only\nout writable\n", r.out());
        assertTrue(r.err().contains("steps[1] (fail): exited with 42"), r.err());
        assertOwned(work.resolve("out/y"));
        assertFalse(Files.exists(work.resolve("src/x")));
        assertEquals(before, mountTable());
    }

    /** The ./nsbox launcher makes the user namespace itself: one JVM, no relaunch. */
    @Test
    void theLauncherStartsOneJvmInTheUserNamespace() throws Exception {
        Path work = user.folder("launcher");
        Path spec = behaviourSpec(work);
        Path launcher = SPECS.getParent().resolve("nsbox");
        ProcessBuilder pb = user.command(List.of(launcher.toString(), "run", "--debug", spec.toString(), "--",
                "sh", "-c", "echo $$ $(hostname); exit 7"));
        pb.environment().put("NSBOX_JAR", user.manifestJar().toString());
        Path cache = user.folder("cache");
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        // The first call lists its classes under a name of its own, the second dumps the AppCDS
        // archive from that list and maps it: neither shows in the output. Nothing else is kept there (the JNI
        // library is loaded from a folder of its own under java.io.tmpdir and deleted).
        for (int i = 0; i < 2; i++) {
            Result r = Result.of(pb.start());
            assertEquals(7, r.exit(), r.out() + r.err());
            assertEquals("2 rootless-test\n", r.out());
            assertTrue(r.err().contains("this JVM already runs in the user namespace (mapping 0:0)"), r.err());
            assertFalse(r.err().contains("relaunch in a user namespace"), r.err());
            try (Stream<Path> s = Files.list(cache.resolve("nsbox"))) {
                List<String> all = s.map(f -> f.getFileName().toString()).sorted().toList();
                List<String> names = all.stream().filter(n -> n.startsWith("nsbox-")).toList();
                assertEquals(1, names.size(), all.toString());
                assertTrue(names.get(0).endsWith(i == 0 ? ".classlist" : ".jsa"), all.toString());
                assertEquals(names, all);
            }
        }
    }

    /**
     * The launcher execs the JVM on every call, the first (which lists the classes for the
     * AppCDS archive) included: SIGTERM and SIGQUIT sent to the pid that started reach the step.
     */
    @Test
    void theLaunchersFirstCallPassesSignalsToTheStep() throws Exception {
        Path work = user.folder("launcher-signals");
        Path spec = behaviourSpec(work);
        Path launcher = SPECS.getParent().resolve("nsbox");
        for (String sig : List.of("TERM", "QUIT")) {
            ProcessBuilder pb = user.command(List.of(launcher.toString(), "run", spec.toString(), "--", "sh", "-c",
                    "trap 'echo got " + sig + "; exit 9' " + sig + "; echo ready; while :; do sleep 0.1; done"));
            pb.environment().put("NSBOX_JAR", user.manifestJar().toString());
            pb.environment().put("XDG_CACHE_HOME", user.folder("cache").toString());
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            // runuser(1) is this test's child; nsbox is runuser's child, the JVM itself.
            ProcessHandle nsbox = p.toHandle().info().command().orElse("").endsWith("java") ? p.toHandle()
                    : p.toHandle().children().filter(h -> h.info().command().orElse("").endsWith("java"))
                            .findFirst().orElseThrow(() -> new AssertionError("the launcher did not exec the JVM"));
            new ProcessBuilder("kill", "-" + sig, Long.toString(nsbox.pid())).start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals("got " + sig, out.readLine());
            assertEquals(null, out.readLine(), "no thread dump, nothing else");
            assertEquals(9, p.exitValue());
        }
    }

    /**
     * {@code ${user.home}} is the caller's home in a rootless run too, though the JVM that plans
     * the sandbox runs as uid 0 of a user namespace, where Java would take root's home from the
     * password file: a hide of {@code ${user.home}/.ssh} must hide the caller's keys, not
     * {@code /root/.ssh}. Both ways into the namespace: the CLI's relaunch, and the launcher's
     * {@code unshare}; and a mapping other than root, which the launcher's JVM relaunches again.
     */
    @Test
    void userHomeIsTheCallersHomeInsideTheUserNamespace() throws Exception {
        Path work = user.folder("home");
        Path spec = Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount]
                steps:
                  - shell: echo "home ${user.home} uid $(id -u)"
                """);
        Path other = Files.writeString(work.resolve("other.yaml"), """
                version: 1
                namespaces: [mount]
                user: {uid: 1000, gid: 1000}
                steps:
                  - shell: echo "home ${user.home} uid $(id -u)"
                """);
        user.own(work);
        Result cli = Result.of(user.nsbox("run", spec.toString()).start());
        assertEquals(0, cli.exit(), cli.out() + cli.err());
        assertEquals("home " + user.home + " uid 0\n", cli.out());
        ProcessBuilder launcher = user.command(List.of(SPECS.getParent().resolve("nsbox").toString(), "run",
                spec.toString()));
        launcher.environment().put("NSBOX_JAR", user.manifestJar().toString());
        launcher.environment().put("NSBOX_CDS", "0");
        Result viaLauncher = Result.of(launcher.start());
        assertEquals(0, viaLauncher.exit(), viaLauncher.out() + viaLauncher.err());
        assertEquals("home " + user.home + " uid 0\n", viaLauncher.out());
        launcher.command().set(launcher.command().size() - 1, other.toString());
        Result nested = Result.of(launcher.start());
        assertEquals(0, nested.exit(), nested.out() + nested.err());
        assertEquals("home " + user.home + " uid 1000\n", nested.out());
    }

    /** Another mapping than root: the step runs as that uid, and its files are still the caller's outside. */
    @Test
    void aSpecsUserMappingIsTheStepsUidAndFilesStayTheCallers() throws Exception {
        Path work = user.folder("mapping");
        user.own(work);
        Path spec = Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, pid]
                user: {uid: 1000, gid: 1000}
                mounts:
                  - {type: proc, target: /proc}
                steps:
                  - shell: echo "uid $(id -u) gid $(id -g)"; touch "%s/made"
                """.formatted(work));
        user.own(spec);
        Result r = Result.of(user.nsbox("run", spec.toString()).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("uid 1000 gid 1000\n", r.out());
        assertOwned(work.resolve("made"));
    }

    @Test
    void sigtermToNsboxReachesTheStep() throws Exception {
        Path work = user.folder("term");
        Path spec = behaviourSpec(work);
        Process p = user.nsbox("run", spec.toString(), "--", "sh", "-c", "echo ready; sleep 60").start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        ProcessHandle cli = outerJvm(p);
        new ProcessBuilder("kill", "-TERM", Long.toString(cli.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
    }

    @Test
    void killingNsboxLeavesNothingBehind() throws Exception {
        Path work = user.folder("kill");
        Path spec = behaviourSpec(work);
        String marker = "86421" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Process p = user.nsbox("run", spec.toString(), "--", "sh", "-c",
                "sleep " + marker + " & echo ready; sleep 1" + marker).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        for (int i = 0; i < 50 && Processes.sleepsWith(marker).size() < 2; i++) {
            Thread.sleep(100);
        }
        assertEquals(2, Processes.sleepsWith(marker).size());
        ProcessHandle cli = outerJvm(p);
        List<ProcessHandle> everything = new ArrayList<>(cli.descendants().toList());
        everything.add(cli);
        assertTrue(everything.size() >= 4, "the CLI, its relaunched JVM, nsbox-init and the step: " + everything);
        killAndExpectNothingLeft(p, cli, everything, marker);
    }

    /** Limits of a user namespace: refused before anything runs, with the fix, exit 3. */
    @Test
    void procWithoutPidIsExitThreeInValidatePlanAndRun() throws Exception {
        Path work = user.folder("limits");
        Path spec = Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount]
                mounts:
                  - {type: proc, target: /proc}
                  - {type: sysfs, target: /sys}
                steps:
                  - shell: "true"
                """);
        user.own(spec);
        for (String command : List.of("validate", "plan", "run")) {
            Result r = Result.of(user.nsbox(command, spec.toString()).start());
            assertEquals(3, r.exit(), command + ": " + r.out() + r.err());
            assertTrue(r.err().contains(spec + ":4:5: error: mounts[0] (proc on /proc): in a user namespace"), r.err());
            assertTrue(r.err().contains("add pid to namespaces"), r.err());
            assertTrue(r.err().contains(spec + ":5:5: error: mounts[1] (sysfs on /sys)"), r.err());
            assertTrue(r.err().contains("add net to namespaces"), r.err());
        }
    }

    /**
     * What the Maven plugin does: one helper JVM in a user namespace for the build, reused for
     * every sandbox. The first run pays the helper's start; the following ones milliseconds.
     */
    @Test
    void theSandboxServerRunsEverySandboxOfABuildInOneHelper() throws Exception {
        Path work = user.folder("server");
        Path spec = behaviourSpec(work);
        Result r = Result.of(user.java("dev.nsbox.rootless.ServerDriver",
                List.of(spec.toString(), "6", "sh", "-c", "echo $$ $(hostname) $(id -u); echo warn >&2; exit 5")).start());
        assertEquals(5, r.exit(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("where: in a helper JVM to be started in a user namespace (mapping 0:0)", lines.get(0));
        assertTrue(lines.get(lines.size() - 1).startsWith("where: in a helper JVM (nsbox sandbox server, pid "),
                lines.toString());
        Matcher m = Pattern.compile("run (\\d) exit (\\d+) ms (\\d+)").matcher(r.out());
        List<Long> ms = new ArrayList<>();
        while (m.find()) {
            assertEquals("5", m.group(2));
            ms.add(Long.parseLong(m.group(3)));
        }
        assertEquals(6, ms.size(), r.out());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("helper started: nsbox sandbox server, pid ")).count(),
                "one helper JVM for six sandboxes: " + r.out());
        assertEquals(6, lines.stream().filter(l -> l.equals("out: 2 rootless-test 0")).count(), r.out());
        assertEquals(6, lines.stream().filter(l -> l.equals("err: warn")).count(), r.out());
        System.out.println("rootless sandbox server, ms per run (first starts the helper JVM): " + ms);
        long following = ms.subList(1, ms.size()).stream().sorted().toList().get(2);
        assertTrue(following < ms.get(0), "the following runs reuse the helper: " + ms);
        assertTrue(following < 1000, "a following run costs milliseconds, not a JVM: " + ms);
    }

    /** Maven -T: sandboxes of several modules at once, each its own, in the one helper. */
    @Test
    void theSandboxServerRunsSandboxesConcurrently() throws Exception {
        Path work = user.folder("parallel");
        Path spec = behaviourSpec(work);
        Result r = Result.of(user.java("dev.nsbox.rootless.ServerDriver",
                List.of(spec.toString(), "parallel:3", "sh", "-c", "sleep 1; echo $$ $(readlink /proc/self/ns/pid)")).start());
        assertEquals(0, r.exit(), r.out() + r.err());
        java.util.Set<String> namespaces = new java.util.HashSet<>();
        for (int k = 0; k < 3; k++) {
            Matcher m = Pattern.compile("out " + k + ": 2 (pid:\\[\\d+\\])").matcher(r.out());
            assertTrue(m.find(), r.out());
            namespaces.add(m.group(1));
            assertTrue(r.out().contains("run " + k + " exit 0"), r.out());
        }
        assertEquals(3, namespaces.size(), "three PID namespaces at once: " + r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("helper started: ")).count(),
                "three runs at once start one helper: " + r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("where: in a helper JVM (")).count(), r.out());
    }

    /** The helper dies with its caller, however the caller dies, and takes every sandbox with it. */
    @Test
    void killingTheCallerEndsTheHelperAndEverySandbox() throws Exception {
        Path work = user.folder("orphan");
        Path spec = behaviourSpec(work);
        String marker = "75319" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Process p = user.java("dev.nsbox.rootless.ServerDriver", List.of(spec.toString(), "1", "sh", "-c",
                "sleep " + marker + " & echo ready; sleep 1" + marker)).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String l = out.readLine(); !"out: ready".equals(l); l = out.readLine()) {
            assertTrue(l != null, "the driver ended before its step was ready");
        }
        ProcessHandle caller = p.toHandle().info().command().orElse("").endsWith("java") ? p.toHandle()
                : p.toHandle().children().findFirst().orElseThrow();
        List<ProcessHandle> everything = new ArrayList<>(caller.descendants().toList());
        assertTrue(everything.stream().anyMatch(h -> h.info().commandLine().orElse("").contains("SandboxServer")),
                "a helper JVM runs: " + everything);
        killAndExpectNothingLeft(p, caller, everything, marker);
    }

    /**
     * SIGKILL to {@code victim}, then, within 20 s, no {@code sleep} with {@code marker} and
     * none of {@code everything} (the processes seen under it before) still running.
     */
    private static void killAndExpectNothingLeft(Process p, ProcessHandle victim, List<ProcessHandle> everything,
                                                 String marker) throws Exception {
        new ProcessBuilder("kill", "-KILL", Long.toString(victim.pid())).start().waitFor();
        p.waitFor(30, TimeUnit.SECONDS);
        for (int i = 0; i < 200 && (!Processes.sleepsWith(marker).isEmpty() || everything.stream().anyMatch(ProcessHandle::isAlive)); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), Processes.sleepsWith(marker));
        assertEquals(List.of(), everything.stream().filter(ProcessHandle::isAlive)
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("")).toList(), "nothing is left running");
    }

    @Test
    void doctorReportsWhatAnOrdinaryUserMayDo() throws Exception {
        Result r = Result.of(user.nsbox("doctor", SPECS.toString()).start());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("without CAP_SYS_ADMIN: rootless"), r.out());
        assertTrue(r.out().contains("ok    unshare --user --map-root-user true: works"), r.out());
        assertTrue(r.out().contains("ok    mount (in a user namespace)"), r.out());
        assertTrue(r.out().contains(SPECS.resolve("tmpfs-root.yaml") + ": will run here (in a user namespace mapping you to 0:0)"),
                r.out());
    }

    /** The JVM that the user started (the parent of the one relaunched in the user namespace). */
    private static ProcessHandle outerJvm(Process p) {
        List<ProcessHandle> jvms = p.toHandle().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("dev.nsbox.cli.Main")).toList();
        ProcessHandle start = p.toHandle().info().command().orElse("").endsWith("java") ? p.toHandle()
                : jvms.stream().filter(h -> h.parent().map(x -> x.pid() == p.pid()).orElse(false)).findFirst()
                        .orElseThrow(() -> new AssertionError("no nsbox JVM under " + p.pid() + ": " + jvms));
        return start;
    }
}
