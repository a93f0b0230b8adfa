package dev.nsbox.exec;

import dev.nsbox.plan.Expectation;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.Op;
import dev.nsbox.spec.Propagation;
import dev.nsbox.sys.Sys;
import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static dev.nsbox.exec.TestPlans.at;
import static dev.nsbox.plan.Op.OpenTree.Lookup.FOLLOW;
import static dev.nsbox.plan.Op.OpenTree.Lookup.NO_SYMLINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The executor against the real kernel, each test naming the behaviour it proves. Runs in the
 * test JVM's scratch mount namespace; every run also proves the (scratch) host's mount table
 * is unchanged afterwards.
 */
@Timeout(60)
class SandboxKernelTest {

    private static final int ALL = Flags.CLONE_NEWNS | Flags.CLONE_NEWPID | Flags.CLONE_NEWUTS | Flags.CLONE_NEWIPC
            | Flags.CLONE_NEWNET;

    @TempDir
    Path tmp;

    @BeforeEach
    void privileged() {
        Privileges.assumeScratchRoot();
    }

    private static TestPlans withProc() {
        return TestPlans.sandbox(ALL).proc("/proc", 0);
    }

    @Test
    void exitStatusesPassThrough() {
        for (int code : new int[] {0, 3, 42}) {
            Kernel.Captured c = Kernel.run(withProc().shell("exit " + code).build());
            assertEquals(code, c.exit(), c.toString());
        }
    }

    @Test
    void commandNotFoundIs127AndNotExecutableIs126() throws IOException {
        Kernel.Captured c = Kernel.run(withProc().run("nsbox-no-such-command").build());
        assertEquals(127, c.exit(), c.toString());
        assertTrue(c.result().messages().get(0).contains(
                "test.yaml:30:5: error: steps[0] (step-1): command not found: nsbox-no-such-command: execvp(3): "
                        + "ENOENT (No such file or directory)"), c.result().messages().toString());

        Path notExecutable = Files.writeString(tmp.resolve("script"), "#!/bin/sh\necho hi\n");
        c = Kernel.run(withProc().run(notExecutable.toString()).build());
        assertEquals(126, c.exit(), c.toString());
        assertTrue(c.result().messages().get(0).contains("EACCES (Permission denied)"), c.toString());
    }

    @Test
    void stepKilledBySignalNGives128PlusN() {
        Kernel.Captured c = Kernel.run(withProc().shell("kill -9 $$").build());
        assertEquals(137, c.exit(), c.toString());
        assertEquals(StepResult.Outcome.SIGNALED, c.result().steps().get(0).outcome());
        assertTrue(c.result().messages().get(0).contains("killed by signal 9 (SIGKILL)"), c.toString());
    }

    @Test
    void twoSandboxesRunConcurrentlyEachInItsOwnNamespaces() throws Exception {
        // Each sandbox is a thread of its own; namespaces made by one are invisible to the other.
        Kernel.Captured[] r = new Kernel.Captured[2];
        Thread[] t = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int n = i;
            t[i] = new Thread(() -> r[n] = Kernel.run(withProc()
                    .op(new Op.SetHostname("box" + n, at(5, "hostname")))
                    .shell("sleep 0.3; echo $$ $(hostname)").build()));
            t[i].start();
        }
        for (Thread x : t) {
            x.join();
        }
        assertEquals(List.of("2 box0"), r[0].out(), r[0].toString());
        assertEquals(List.of("2 box1"), r[1].out(), r[1].toString());
    }

    @Test
    void firstFailingStepStopsTheRun() {
        Kernel.Captured c = Kernel.run(withProc().shell("echo one").shell("exit 5").shell("echo three").build());
        assertEquals(5, c.exit());
        assertEquals(List.of("one"), c.out());
        assertEquals(2, c.result().steps().size());
    }

    @Test
    void procMountedWithPidnsShowsTheSandboxsOwnPidNamespace() {
        // procfs shows the PID namespace named by pidns=, not the mounter's (Linux 6.x), so the
        // step is pid 2 (the supervisor is 1) and /proc lists only the sandbox's processes.
        Kernel.Captured c = Kernel.run(withProc()
                .shell("echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals("2", c.out().get(0));
        assertEquals("nsbox-init", c.out().get(1).trim());
        int pids = Integer.parseInt(c.out().get(2).trim());
        assertTrue(pids <= 5, "ls /proc shows " + pids + " pids");
    }

    @Test
    void hostnameIsSetInTheNewUtsNamespace() throws IOException {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        Kernel.Captured c = Kernel.run(withProc().op(new Op.SetHostname("nsbox-test-box", at(5, "hostname")))
                .shell("hostname").build());
        assertEquals(List.of("nsbox-test-box"), c.out());
        assertEquals(host, Files.readString(Path.of("/proc/sys/kernel/hostname")).trim());
    }

    @Test
    void netNamespaceHasOnlyLoopbackUpAndCannotReachTheHostsLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            // The listener is reachable from the host's network namespace.
            try (Socket s = new Socket("127.0.0.1", port)) {
                server.accept().close();
            }
            Kernel.Captured c = Kernel.run(withProc().op(new Op.LoopbackUp(at(2, "namespaces")))
                    .shell("ip -o link show | wc -l; ip -o link show | cut -d' ' -f2,3; "
                            + "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                            + "if bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "' 2>/dev/null; "
                            + "then echo connected; else echo refused; fi")
                    .build());
            assertEquals(0, c.exit(), c.toString());
            assertEquals(List.of("1", "lo: <LOOPBACK,UP,LOWER_UP>", "lo", "refused"), c.out());
            server.setSoTimeout(200);
            try {
                server.accept().close();
                throw new AssertionError("a connection from the sandbox reached the host's listener");
            } catch (SocketTimeoutException expected) {
                // nothing came through
            }
        }
    }

    /**
     * capabilities(7): with an empty bounding set and no inheritable or ambient capability, execve
     * gives even uid 0 nothing, so a root step can no longer remount (mount(2) needs
     * CAP_SYS_ADMIN: EPERM). Without the flag the same step keeps root's capabilities and can.
     */
    @Test
    void droppedCapabilitiesLeaveARootStepUnableToRemount() {
        String probe = "grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status; mount -o remount,bind,ro /proc && echo remounted";
        Kernel.Captured dropped = Kernel.run(withProc().dropCapabilities(true).shell(probe).build());
        assertEquals(List.of("CapPrm:\t0000000000000000", "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000"),
                dropped.out());
        Kernel.Captured kept = Kernel.run(withProc().shell(probe).build());
        assertTrue(kept.out().contains("remounted"), kept.out().toString());
    }

    @Test
    void noNewPrivilegesIsSetForTheStepWhenAsked() {
        Kernel.Captured on = Kernel.run(withProc().shell("grep NoNewPrivs /proc/self/status").build());
        assertEquals(List.of("NoNewPrivs:\t1"), on.out());
        Kernel.Captured off = Kernel.run(withProc().noNewPrivs(false).shell("grep NoNewPrivs /proc/self/status").build());
        assertEquals(List.of("NoNewPrivs:\t0"), off.out());
    }

    @Test
    void backgroundProcessOfAStepIsKilledWhenTheStepEnds() throws Exception {
        String marker = "98765" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Kernel.Captured c = Kernel.run(withProc().shell("sleep " + marker + " & echo started").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of(), Processes.withMarker("sleep " + marker));
    }

    @Test
    void doubleForkedDaemonIsKilledWhenTheStepEnds() throws Exception {
        String marker = "98764" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Kernel.Captured c = Kernel.run(withProc()
                .shell("(setsid sh -c 'sleep " + marker + "' >/dev/null 2>&1 &); sleep 0.2; echo spawned").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of(), Processes.withMarker("sleep " + marker));
    }

    @Test
    void withoutPidNamespaceTheSubreaperKillsWhatTheStepLeft() throws Exception {
        // PR_SET_CHILD_SUBREAPER: orphans of the step become the supervisor's children, which it
        // kills and reaps round by round.
        String marker = "98763" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Kernel.Captured c = Kernel.run(TestPlans.sandbox(Flags.CLONE_NEWNS)
                .shell("sleep " + marker + " & (setsid sh -c 'sleep 1" + marker + "' >/dev/null 2>&1 &); "
                        + "sleep 0.2; echo ok").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of(), Processes.withMarker(marker));
    }

    @Test
    void withoutPidNamespaceTheSubreaperKillsEveryGenerationLeftBehind() throws Exception {
        // Only the top orphan is the supervisor's child when it looks; its children become the
        // supervisor's once it is killed, and so on down. (An earlier supervisor blocked in
        // waitpid(2) here, waiting for a grandchild it had not killed.)
        String marker = "98761" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Kernel.Captured c = Kernel.run(TestPlans.sandbox(Flags.CLONE_NEWNS)
                .shell("sh -c 'sh -c \"sh -c \\\"sleep " + marker + "; true\\\" & wait; true\" & wait' & "
                        + "sleep 0.3; echo ok").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of("ok"), c.out());
        assertEquals(List.of(), Processes.withMarker(marker));
    }

    @Test
    void timeoutSendsSigtermAndReportsIt() {
        Kernel.Captured c = Kernel.run(withProc().shell("sleep 30", Duration.ofMillis(300)).build());
        assertEquals(143, c.exit(), c.toString());
        StepResult s = c.result().steps().get(0);
        assertTrue(s.timedOut());
        assertTrue(s.duration().toMillis() < 5000, s.toString());
        assertTrue(c.result().messages().get(0).contains("timed out after 300ms"), c.toString());
    }

    @Test
    void timeoutEscalatesToSigkillAfterTheGracePeriod() {
        Kernel.Captured c = Kernel.run(withProc().shell("trap '' TERM; sleep 30", Duration.ofMillis(200)).build(),
                Duration.ofMillis(300));
        assertEquals(137, c.exit(), c.toString());
        assertTrue(c.result().steps().get(0).timedOut());
    }

    @Test
    void sigtermToTheRunReachesTheStep() {
        Kernel.Captured c = Kernel.runAllowingHostChanges(withProc().shell("echo ready; sleep 30").build(),
                Duration.ofSeconds(1), box -> new Thread(() -> {
                    sleep(300);
                    box.signal(Sys.SIGTERM);
                }).start());
        assertEquals(143, c.exit(), c.toString());
        assertEquals(List.of("ready"), c.out());
    }

    @Test
    void aStepThatHandlesSigtermDecidesItsExitCode() {
        Kernel.Captured c = Kernel.runAllowingHostChanges(
                withProc().shell("trap 'echo got TERM; exit 7' TERM; echo ready; sleep 30 & wait").build(),
                Duration.ofSeconds(1), box -> new Thread(() -> {
                    sleep(300);
                    box.signal(Sys.SIGTERM);
                }).start());
        assertEquals(7, c.exit(), c.toString());
        assertEquals(List.of("ready", "got TERM"), c.out());
    }

    @Test
    void cancelStopsTheRunEvenWhenTheStepIgnoresSigterm() throws Exception {
        String marker = "98762" + ThreadLocalRandom.current().nextInt(1000, 9999);
        Kernel.Captured c = Kernel.runAllowingHostChanges(
                withProc().shell("trap '' TERM; sleep " + marker).shell("echo never").build(),
                Duration.ofMillis(300), box -> new Thread(() -> {
                    sleep(300);
                    box.cancel();
                }).start());
        assertEquals(137, c.exit(), c.toString());
        assertTrue(c.result().messages().get(0).contains("cancelled: still running after SIGTERM and 300ms of grace, killed"),
                c.toString());
        assertFalse(c.out().contains("never"));
        assertEquals(List.of(), Processes.withMarker(marker));
    }

    @Test
    void tmpfsGetsItsSizeAndMode() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t"));
        Kernel.Captured c = Kernel.run(withProc()
                .op(new Op.Mount("tmpfs", target.toString(), "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV,
                        "size=1048576,mode=0710", at(12, "mounts[1]")))
                .expect(new Expectation("mounts[1]", target.toString(), "tmpfs", false, false, null, at(12, "mounts[1]")))
                .shell("stat -c %a " + target + "; df -k --output=size " + target + " | tail -1 | tr -d ' '").build());
        assertEquals(List.of("710", "1024"), c.out(), c.toString());
        assertFalse(Files.exists(target.resolve("x")));
    }

    @Test
    void readOnlyRecursiveBindMakesEverySubmountReadOnly() throws Exception {
        // open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) + mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY):
        // unlike MS_BIND|MS_REMOUNT|MS_RDONLY, the submounts are read-only too.
        Path src = Files.createDirectory(tmp.resolve("src"));
        Path sub = Files.createDirectory(src.resolve("sub"));
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Kernel.sh("mount -t tmpfs nsbox-test " + sub);
        try {
            Kernel.Captured c = Kernel.run(withProc()
                    .op(new Op.OpenTree(0, src.toString(), NO_SYMLINKS, true, false, at(12, "mounts[1].source")))
                    .op(new Op.SetAttr(0, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(12, "mounts[1]")))
                    .op(new Op.MoveMount(0, dst.toString(), at(12, "mounts[1]")))
                    .expect(new Expectation("mounts[1]", dst.toString(), null, true, true, null, at(12, "mounts[1]")))
                    .shell("touch " + dst + "/sub/file 2>&1; touch " + dst + "/file 2>&1; exit 0").build());
            assertEquals(0, c.exit(), c.toString());
            assertEquals(2, c.out().size(), c.toString());
            assertTrue(c.out().get(0).endsWith("Read-only file system"), c.out().toString());
            assertTrue(c.out().get(1).endsWith("Read-only file system"), c.out().toString());
        } finally {
            Kernel.sh("umount " + sub);
        }
    }

    @Test
    void verificationFailsTheRunBeforeAnyStepWhenTheTableDisagrees() throws IOException {
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Path marker = tmp.resolve("ran");
        Kernel.Captured c = Kernel.run(withProc()
                .op(new Op.OpenTree(0, "/usr", NO_SYMLINKS, false, false, at(12, "mounts[1].source")))
                .op(new Op.MoveMount(0, dst.toString(), at(12, "mounts[1]")))
                .expect(new Expectation("mounts[1]", dst.toString(), null, true, false, null, at(12, "mounts[1]")))
                .shell("touch " + marker).build());
        assertEquals(125, c.exit(), c.toString());
        assertEquals(List.of("test.yaml:12:5: error: mounts[1]: " + dst + " is writable inside the sandbox, expected read-only"),
                c.result().messages());
        assertTrue(c.result().steps().isEmpty());
        assertFalse(Files.exists(marker));
    }

    @Test
    void missingBindSourceNamesTheSpecLineAndEnoent() throws IOException {
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Kernel.Captured c = Kernel.run(withProc()
                .op(new Op.OpenTree(0, "/nsbox-no-such-source", FOLLOW, true, false, at(14, "mounts[2].source")))
                .op(new Op.MoveMount(0, dst.toString(), at(14, "mounts[2]")))
                .shell("echo never").build());
        assertEquals(125, c.exit(), c.toString());
        assertEquals(List.of("test.yaml:14:5: error: mounts[2].source: cannot open bind source /nsbox-no-such-source: "
                + "open_tree(AT_FDCWD, \"/nsbox-no-such-source\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE): "
                + "ENOENT (No such file or directory)\n"
                + "  hint: the bind source does not exist; create it, or add optional: true to skip it when missing"),
                c.result().messages());
        assertTrue(c.out().isEmpty());
    }

    @Test
    void mountTargetThroughASymlinkIsRefused() throws IOException {
        // openat2(2) RESOLVE_NO_SYMLINKS: ELOOP for any symlink on the way to the target.
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        Kernel.Captured c = Kernel.run(withProc()
                .op(new Op.Mount("tmpfs", link + "/", "tmpfs", 0, null, at(9, "mounts[1]")))
                .shell("echo never").build());
        assertEquals(125, c.exit(), c.toString());
        assertTrue(c.result().messages().get(0).startsWith("test.yaml:9:5: error: mounts[1]: cannot mount tmpfs on "
                + link + "/: openat2(AT_FDCWD, \"" + link + "/\", {O_PATH|O_CLOEXEC, RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS}): ELOOP"),
                c.result().messages().toString());
        assertTrue(c.out().isEmpty());
    }

    @Test
    void optionalMissingBindSourceIsSkipped() throws IOException {
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        Kernel.Captured c = Kernel.run(withProc()
                .op(new Op.OpenTree(0, "/nsbox-no-such-source", NO_SYMLINKS, true, true, at(14, "mounts[2].source")))
                .op(new Op.SetAttr(0, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(14, "mounts[2]")))
                .op(new Op.MoveMount(0, dst.toString(), at(14, "mounts[2]")))
                .shell("echo ran").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of("ran"), c.out());
    }

    @Test
    void readOnlyHostRootLeavesLaterMountsWritable() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("w"));
        Kernel.Captured c = Kernel.run(TestPlans.sandbox(ALL)
                .op(new Op.SetAttr(-1, "/", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(6, "root.readOnly")))
                .expect(new Expectation("root", "/", null, true, true, null, at(6, "root.readOnly")))
                .proc("/proc", 0)
                .expect(new Expectation("mounts[0]", "/proc", "proc", false, false, null, at(10, "mounts[0]")))
                .op(new Op.Mount("tmpfs", target.toString(), "tmpfs", 0, null, at(11, "mounts[1]")))
                .expect(new Expectation("mounts[1]", target.toString(), "tmpfs", false, false, null, at(11, "mounts[1]")))
                .shell("touch /nsbox-ro-probe 2>&1; touch " + target + "/ok && echo writable").build());
        assertEquals(0, c.exit(), c.toString());
        assertTrue(c.out().get(0).endsWith("Read-only file system"), c.toString());
        assertEquals("writable", c.out().get(1));
        assertFalse(Files.exists(Path.of("/nsbox-ro-probe")));
    }

    @Test
    void tmpfsRootWithPivotRootSeesOnlyWhatThePlanBinds() throws IOException {
        // The runc idiom: pivot_root(".", ".") then umount2(".", MNT_DETACH) leaves the new root
        // alone; the supervisor, spawned with cwd "/", is moved into it by pivot_root.
        String stage = "/tmp";
        TestPlans p = TestPlans.sandbox(ALL)
                .op(new Op.OpenTree(0, "/usr", NO_SYMLINKS, true, false, at(12, "mounts[0].source")))
                .op(new Op.Mount("tmpfs", stage, "tmpfs", Flags.MS_NOSUID | Flags.MS_NODEV, "mode=0755", at(6, "root")))
                .op(new Op.Mkdir(stage + "/usr", 0755, at(12, "mounts[0]")))
                .op(new Op.SetAttr(0, "", true, Flags.MOUNT_ATTR_RDONLY, 0, 0, at(12, "mounts[0]")))
                .op(new Op.MoveMount(0, stage + "/usr", at(12, "mounts[0]")));
        for (String l : List.of("bin", "lib", "lib64", "sbin")) {
            p.op(new Op.Symlink("usr/" + l, stage + "/" + l, at(13, "mounts[1]")));
        }
        p.op(new Op.Mkdir(stage + "/proc", 0755, at(14, "mounts[2]")))
                .op(new Op.Mount("proc", stage + "/proc", "proc", TestPlans.PROC_FLAGS, TestPlans.PIDNS, at(14, "mounts[2]")))
                .op(new Op.Chdir(stage, at(6, "root")))
                .op(new Op.PivotRoot(".", ".", at(6, "root")))
                .op(new Op.Umount(".", Flags.MNT_DETACH, at(6, "root")))
                .op(new Op.Chdir("/", at(6, "root")))
                .expect(new Expectation("root", "/", "tmpfs", false, false, null, at(6, "root")))
                .expect(new Expectation("mounts[0]", "/usr", null, true, true, null, at(12, "mounts[0]")))
                .expect(new Expectation("mounts[2]", "/proc", "proc", false, false, null, at(14, "mounts[2]")))
                .shell("ls / | tr '\\n' ' '; echo; cut -d' ' -f5 /proc/self/mountinfo | tr '\\n' ' '; echo; "
                        + "touch /usr/x 2>&1; pwd");
        Kernel.Captured c = Kernel.run(p.build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals("bin lib lib64 proc sbin usr", c.out().get(0).trim());
        assertEquals(List.of("/", "/proc", "/usr"), List.of(c.out().get(1).trim().split(" ")).stream().sorted().toList());
        assertTrue(c.out().get(2).endsWith("Read-only file system"), c.out().get(2));
        assertEquals("/", c.out().get(3));
    }

    @Test
    void everyLineOfAStepIsDeliveredBeforeTheNextStepStarts() throws Exception {
        // The supervisor reports a step once everything it started is dead; its output may still
        // sit in the pipe. Delivered after the next step was announced, Maven would label the
        // lines with the wrong step.
        var plan = TestPlans.sandbox(Flags.CLONE_NEWNS | Flags.CLONE_NEWPID)
                .shell("i=0; while [ $i -lt 3000 ]; do echo \"first $i\"; i=$((i+1)); done; printf 'first tail'")
                .shell("echo second").build();
        List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RunResult r = new Sandbox(plan, StepIO.lines(seen::add, seen::add), new Listener() {
            @Override
            public void stepStarted(int index, dev.nsbox.plan.StepLaunch step) {
                seen.add("<started " + index + ">");
            }

            @Override
            public void stepFinished(StepResult result) {
                seen.add("<finished " + result.index() + ">");
            }
        }, new Sandbox.Options(Duration.ofSeconds(1), false)).run();
        assertEquals(0, r.exitCode(), r.toString());
        int finished0 = seen.indexOf("<finished 0>");
        assertEquals(3002, finished0, "3000 lines and the unterminated tail, then the step's end");
        assertEquals("first tail", seen.get(finished0 - 1));
        assertEquals(List.of("<finished 0>", "<started 1>", "second", "<finished 1>"),
                seen.subList(finished0, seen.size()));
    }

    @Test
    void aStepsUnterminatedLastLinesStayWithItOnBothStreams() throws Exception {
        // The drain's marker goes into each pipe after the step: what the step left without a
        // newline is delivered before the step's end, and nothing of the marker shows.
        var plan = TestPlans.sandbox(Flags.CLONE_NEWNS | Flags.CLONE_NEWPID)
                .shell("printf 'out one'; printf 'err one' >&2")
                .shell("printf 'out two\\n'; printf 'err two' >&2")
                .shell("true").build();
        List<String> out = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<String> err = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        RunResult r = new Sandbox(plan, StepIO.lines(out::add, err::add), new Listener() {
            @Override
            public void stepFinished(StepResult result) {
                out.add("<finished " + result.index() + ">");
                err.add("<finished " + result.index() + ">");
            }
        }, new Sandbox.Options(Duration.ofSeconds(1), false)).run();
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("out one", "<finished 0>", "out two", "<finished 1>", "<finished 2>"), out);
        assertEquals(List.of("err one", "<finished 0>", "err two", "<finished 1>", "<finished 2>"), err);
    }

    /** A plan that leaves the tree's propagation as copied and mounts a tmpfs under a shared mount. */
    private static dev.nsbox.plan.Plan leakyPlan(Path shared, String step) {
        var base = TestPlans.sandbox(Flags.CLONE_NEWNS).shell(step).build();
        var ops = new java.util.ArrayList<>(base.ops());
        ops.removeIf(o -> o instanceof Op.SetPropagation);
        ops.add(new Op.Mount("tmpfs", shared + "/leak", "tmpfs", 0, null, at(11, "mounts[0]")));
        return new dev.nsbox.plan.Plan(base.spec(), List.of(), ops, List.of(), base.launch(), null, List.of());
    }

    @Test
    void anUnpredictedChangeOfTheHostTableThroughTheSandboxesPeerGroupFailsTheRun() throws Exception {
        // With propagation left unchanged, a mount made in the sandbox under a shared mount of
        // the (scratch) host propagates back to it (sharedsubtree.rst, 2a). The plan here was not
        // predicted, so the after-run comparison must blame the sandbox.
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Kernel.sh("mount -t tmpfs nsbox-shared " + shared + " && mount --make-shared " + shared
                + " && mkdir " + shared + "/leak");
        try {
            Kernel.Captured c = Kernel.runAllowingHostChanges(leakyPlan(shared, "true"), Duration.ofSeconds(1), null);
            assertEquals(125, c.exit(), c.toString());
            assertEquals(1, c.result().hostChanges().size(), c.result().hostChanges().toString());
            assertTrue(c.result().hostChanges().get(0).startsWith("added tmpfs on " + shared + "/leak"),
                    c.result().hostChanges().toString());
            assertTrue(c.result().messages().get(0).startsWith(
                    "error: the sandbox changed the host's mount table, and the plan did not predict it:"),
                    c.result().messages().toString());
        } finally {
            Kernel.sh("umount -R " + shared);
        }
    }

    @Test
    void aPredictedAndAllowedHostEffectIsReportedNotBlamed() throws Exception {
        // The same leak, predicted by the propagation model against the live table (as
        // Preparation does for a spec that says hostEffects: allow): the run succeeds and says
        // what happened.
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Kernel.sh("mount -t tmpfs nsbox-shared " + shared + " && mount --make-shared " + shared
                + " && mkdir " + shared + "/leak");
        try {
            var table = dev.nsbox.mounts.MountTable.parse(Files.readString(Path.of("/proc/self/mountinfo")));
            var plan = dev.nsbox.plan.HostEffectPredictor.predict(leakyPlan(shared, "true"), table);
            assertEquals(List.of(shared + "/leak"), plan.hostEffects().stream().map(e -> e.target()).toList());
            Kernel.Captured c = Kernel.runAllowingHostChanges(plan, Duration.ofSeconds(1), null);
            assertEquals(0, c.exit(), c.toString());
            assertTrue(c.result().messages().stream().anyMatch(m -> m.startsWith("note: predicted host effect: added tmpfs on "
                    + shared + "/leak")), c.result().messages().toString());
        } finally {
            Kernel.sh("umount -R " + shared);
        }
    }

    @Test
    void aMountTheHostMakesDuringTheRunIsReportedButNotBlamedOnASealedSandbox() throws Exception {
        // The sandbox is rprivate, so nothing it does can reach the host; a mount the host makes
        // itself while the step runs is the host's own activity (docs/spec.md, "Host effects").
        Path dir = Files.createDirectory(tmp.resolve("hostside"));
        Path marker = tmp.resolve("step-started");
        var plan = TestPlans.sandbox(Flags.CLONE_NEWNS).shell("touch " + marker + "; sleep 1").build();
        Thread host = new Thread(() -> {
            try {
                for (int i = 0; i < 200 && !Files.exists(marker); i++) {
                    Thread.sleep(10);
                }
                Kernel.sh("mount -t tmpfs nsbox-hostside " + dir);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        host.start();
        try {
            Kernel.Captured c = Kernel.runAllowingHostChanges(plan, Duration.ofSeconds(1), null);
            host.join();
            assertEquals(0, c.exit(), c.toString());
            assertTrue(c.result().messages().stream().anyMatch(m -> m.startsWith(
                    "note: the host's mount table changed during the run, not through the sandbox: added tmpfs on "
                            + dir)), c.result().messages().toString());
        } finally {
            Kernel.sh("umount " + dir);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theMemoryLimitKillsAStepWith137AtTheLimitsLineAndTheCgroupIsGone() throws IOException {
        Kernel.Captured c = Kernel.run(withProc().memory(32L << 20)
                .shell("grep -E ':memory:|^0::' /proc/self/cgroup; exec python3 -c 'a = []\n"
                        + "for i in range(256): a.append(b\"x\" * (1 << 20))\nprint(\"allocated 256m\")'")
                .build());
        assertEquals(137, c.exit(), c.toString());
        StepResult s = c.result().steps().get(0);
        assertEquals(StepResult.KILLED_BY_MEMORY, s.killedBy(), c.toString());
        assertEquals(List.of("test.yaml:20:5: error: steps[0] (step-1): killed by the memory limit (limits.memory: 32m)"),
                c.result().messages());
        // cgroup_namespaces(7): the supervisor entered one in the sandbox's cgroup, so the step's
        // memory cgroup is its root.
        assertTrue(c.out().stream().anyMatch(l -> l.endsWith(":memory:/") || l.equals("0::/")), c.toString());
        assertFalse(c.text().contains("allocated"), c.toString());
        assertEquals(List.of(), sandboxCgroupsOfThisJvm(), "the sandbox's cgroup must be removed after the run");
    }

    @Test
    void aStepWithinTheMemoryLimitRunsAndLeavesNoCgroup() throws IOException {
        Kernel.Captured c = Kernel.run(withProc().memory(64L << 20).shell("echo fits").build());
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of("fits"), c.out());
        assertEquals(null, c.result().steps().get(0).killedBy());
        assertEquals(List.of(), sandboxCgroupsOfThisJvm());
    }

    @Test
    void aTimeoutIsNamedAsWhatKilledTheStep() {
        Kernel.Captured c = Kernel.run(withProc().shell("sleep 30", Duration.ofMillis(200)).build(), Duration.ofMillis(200));
        assertEquals(StepResult.KILLED_BY_TIMEOUT, c.result().steps().get(0).killedBy(), c.toString());
    }

    /** Directories nsbox-PID-N of this JVM anywhere under /sys/fs/cgroup. */
    private static List<String> sandboxCgroupsOfThisJvm() throws IOException {
        String prefix = "nsbox-" + ProcessHandle.current().pid() + "-";
        try (var s = Files.find(Path.of("/sys/fs/cgroup"), 12, (p, a) -> a.isDirectory()
                && p.getFileName() != null && p.getFileName().toString().startsWith(prefix))) {
            return s.map(Path::toString).toList();
        }
    }
}
