package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import dev.nsbox.plan.Plan;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;
import dev.nsbox.spec.ExitCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Runs this same command line again in a JVM started inside a new user namespace, when a
 * sandbox needs one and this JVM is not in it: a JVM cannot unshare a user namespace itself
 * (EINVAL, multithreaded). Once per CLI call, never per sandbox.
 *
 * <p>The child is {@code setsid unshare --user --map-user=U --map-group=G --keep-caps -- java
 * OPTIONS -cp CLASSPATH dev.nsbox.cli.Main ARGS}, with this JVM's options and class path
 * ({@code --map-root-user} for 0:0), and {@value UserNamespaces#MARKER}{@code =U:G}; {@code setsid} and {@code unshare} exec in place, so the
 * child's pid is the JVM's. It inherits standard input, output and error. Because it is in a
 * session of its own, a terminal's ^C reaches only this process, which forwards SIGINT,
 * SIGTERM and SIGHUP to it exactly once; its exit code becomes ours. The child arms
 * {@code PR_SET_PDEATHSIG} (SIGKILL) against this process ({@link #dieWithParent}), so killing
 * this one kills everything.
 *
 * <p>The {@code ./nsbox} launcher does the same in the shell for the common case (mapping 0:0),
 * which saves this JVM's start; this class covers {@code java -jar nsbox.jar} and other
 * mappings.
 */
final class Relaunch {

    /** The pid of the process that relaunched this one, in the relaunched JVM's environment. */
    static final String PARENT = UserNamespaces.RELAUNCHED_BY;

    private Relaunch() {
    }

    /**
     * A JVM cannot unshare a user namespace: when {@code plan} needs one, runs {@code line} again
     * in a JVM started inside one (once per call) and gives its exit code; in that JVM already,
     * arms {@link #dieWithParent} and gives empty, as for a plan that needs none.
     */
    static OptionalInt ifUserNamespaceNeeded(Plan plan, CommandLine line, Console console) {
        if (!NsboxEngine.needsUserNamespace(plan)) {
            return OptionalInt.empty();
        }
        var enter = NsboxEngine.userNamespaceToEnter(plan);
        if (enter.isPresent()) {
            return OptionalInt.of(inUserNamespace(enter.get(), line, console));
        }
        dieWithParent(console);
        return OptionalInt.empty();
    }

    /** Runs {@code line} again inside a user namespace mapping the caller to {@code mapping}; its exit code. */
    static int inUserNamespace(Mapping mapping, CommandLine line, Console console) {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(jvmOptions());
        // Java takes user.home from the password entry of its uid, and in the user namespace
        // that uid is the spec's (root: /root), so ${user.home} would name another home than
        // the caller's, and a hide of ${user.home}/.ssh would hide nothing of the caller's.
        java.add("-Duser.home=" + System.getProperty("user.home"));
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        java.addAll(line.toArgs());
        Map<String, String> env = new HashMap<>(System.getenv());
        List<String> cmd;
        try {
            cmd = new ArrayList<>(UserNamespaces.wrap(mapping, java, env));
        } catch (UserNamespaces.Unavailable e) {
            console.err().println("nsbox: error: " + e.getMessage());
            return ExitCode.UNSUPPORTED.code();
        }
        for (String dir : List.of("/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "setsid"))) {
                cmd.add(0, dir + "/setsid");
                break;
            }
        }
        console.debug("relaunch in a user namespace: " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(UserNamespaces.MARKER, mapping.toString());
        pb.environment().put(PARENT, Long.toString(ProcessHandle.current().pid()));
        console.out().flush();
        console.err().flush();
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            console.err().println("nsbox: error: cannot start " + cmd.get(0) + ": " + e.getMessage());
            return ExitCode.UNSUPPORTED.code();
        }
        try (SignalForwarding f = SignalForwarding.start(sig -> {
            try {
                Sys.get().kill((int) child.pid(), sig);
            } catch (SyscallException | LinkageError e) {
                child.destroy();
            }
        }, console::debug)) {
            while (true) {
                try {
                    return child.waitFor();
                } catch (InterruptedException e) {
                    // Keep waiting: the child decides when the run is over.
                }
            }
        }
    }

    /**
     * This JVM's own options ({@code NSBOX_JAVA_OPTS} of the launcher, {@code -Djava.io.tmpdir}
     * and the like), so that the relaunched JVM is configured as the user configured this one;
     * the launcher's lean flags when they cannot be read (a runtime without java.management).
     */
    static List<String> jvmOptions() {
        try {
            // Not the launcher's -XX:DumpLoadedClassList: two JVMs would write one list.
            return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> !a.startsWith("-XX:DumpLoadedClassList")).toList();
        } catch (LinkageError | RuntimeException e) {
            return NsboxEngine.leanJvmFlags();
        }
    }

    /**
     * In a relaunched JVM: die with the process that relaunched it. {@code PR_SET_PDEATHSIG}
     * fires when the parent thread that spawned us ends (its main thread, which waits for us),
     * and it is armed only when the parent is still the one that relaunched us.
     */
    static void dieWithParent(Console console) {
        String parent = System.getenv(PARENT);
        if (parent == null || UserNamespaces.entered().isEmpty()) {
            return;
        }
        try {
            Sys.get().prctl(Sys.PR_SET_PDEATHSIG, Sys.SIGKILL, "prctl(PR_SET_PDEATHSIG, SIGKILL)");
        } catch (SyscallException | LinkageError e) {
            console.debug("cannot arm PR_SET_PDEATHSIG: " + e.getMessage());
            return;
        }
        // In the new user namespace the parent's pid is the same number (no PID namespace yet).
        // Another parent: the variable was inherited (nsbox run inside a step), or the parent
        // died before the signal was armed; either way it must not fire for a stranger.
        if (!parent.equals(Long.toString(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)))) {
            try {
                Sys.get().prctl(Sys.PR_SET_PDEATHSIG, 0, "prctl(PR_SET_PDEATHSIG, 0)");
            } catch (SyscallException e) {
                console.debug("cannot disarm PR_SET_PDEATHSIG: " + e.getMessage());
            }
        }
    }

    /**
     * Whether this JVM was relaunched by {@link #inUserNamespace} of its parent, which has
     * printed the spec's warnings already.
     */
    static boolean relaunchedByParent() {
        String parent = System.getenv(PARENT);
        return parent != null && UserNamespaces.entered().isPresent()
                && parent.equals(Long.toString(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)));
    }
}
