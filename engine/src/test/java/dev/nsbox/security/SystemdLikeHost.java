package dev.nsbox.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code nsbox run} as a separate process on a host that looks like a systemd one: in a
 * mount namespace nested in the test JVM's scratch namespace, whose {@code /} is made
 * {@code rshared} first (systemd mounts {@code /} shared at boot, see mount_namespaces(7)
 * "SHARED SUBTREES"), so that a mount the sandbox fails to keep to itself would propagate to
 * this "host". The nested shell saves its own mount table before and after nsbox runs, into the
 * test's folder, for {@link Run#hostMountsChanged()}.
 *
 * <p>Nothing here mounts outside the test JVM's scratch namespace: the nested namespace is
 * created by {@code unshare --mount} from inside it, and everything mounted in it vanishes with
 * its last process.
 */
final class SystemdLikeHost {

    /** Printed by every probe as its last line: proof that the probe shell ran to its end. */
    static final String CONTROL = "PROBE-RAN";

    /** Prefix of the line a probe prints only when an escape attempt worked. */
    static final String ESCAPED = "ESCAPED-";

    private final Path dir;
    private final List<String> hostSetup;

    /**
     * @param dir       the test's folder (outside /tmp): mount-table snapshots go there
     * @param hostSetup shell lines run in the nested namespace after / is made rshared and
     *                  before the snapshot, to give the "host" more to leak (a second procfs)
     */
    SystemdLikeHost(Path dir, List<String> hostSetup) {
        this.dir = dir;
        this.hostSetup = List.copyOf(hostSetup);
    }

    SystemdLikeHost(Path dir) {
        this(dir, List.of());
    }

    /** A finished run: exit code, output (or only its length), and the host's mount table around it. */
    record Run(int exit, String out, long outBytes, String err, boolean timedOut, List<String> hostMountsBefore,
               List<String> hostMountsAfter) {

        boolean hostMountsChanged() {
            return !hostMountsBefore.equals(hostMountsAfter);
        }

        /** Lines of the host's mount table that the run added (+) or removed (-). */
        String hostMountDiff() {
            StringBuilder b = new StringBuilder();
            hostMountsAfter.stream().filter(l -> !hostMountsBefore.contains(l)).forEach(l -> b.append("+ ").append(l).append('\n'));
            hostMountsBefore.stream().filter(l -> !hostMountsAfter.contains(l)).forEach(l -> b.append("- ").append(l).append('\n'));
            return b.toString();
        }

        @Override
        public String toString() {
            return "exit " + exit + (timedOut ? " (timed out, killed by the test)" : "") + "\nstdout (" + outBytes
                    + " bytes):\n" + out + "\nstderr:\n" + err;
        }
    }

    /** A started run whose output is being collected. */
    final class Started {
        final Process process;
        private final Collector out;
        private final Collector err;

        private Started(Process process, boolean keepOutput) {
            this.process = process;
            this.out = new Collector(process.getInputStream(), keepOutput);
            this.err = new Collector(process.getErrorStream(), true);
        }

        /** Waits until the output holds {@code line} as a whole line; false when the run ended first or time ran out. */
        boolean awaitLine(String line, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                if (("\n" + out.text()).contains("\n" + line + "\n")) {
                    return true;
                }
                if (!process.isAlive()) {
                    return false;
                }
                Thread.sleep(20);
            }
            return false;
        }

        /** What the run printed on its standard output so far. */
        String outSoFar() {
            return out.text();
        }

        /** The nsbox JVM of this run (a child of the nested shell), once it is there. */
        Optional<ProcessHandle> nsbox() {
            return process.descendants().filter(h -> h.info().commandLine().orElse("").contains("dev.nsbox.cli.Main"))
                    .findFirst();
        }

        /** Waits for the run to end, killing it and everything it started (by PID) when time runs out. */
        Run finish(Duration timeout) throws IOException, InterruptedException {
            process.getOutputStream().close();
            boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
            }
            out.thread.join();
            err.thread.join();
            return new Run(process.exitValue(), out.text(), out.bytes, err.text(), !done, lines("mounts.before"),
                    lines("mounts.after"));
        }
    }

    /** Runs {@code argv} (an nsbox command line, possibly behind runuser) on this host and waits for it. */
    Run run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        return start(argv, true).finish(timeout);
    }

    /**
     * Starts {@code argv} in a fresh nested namespace. With {@code keepOutput} false only the
     * number of bytes on standard output is kept (for floods).
     */
    Started start(List<String> argv, boolean keepOutput) throws IOException {
        Files.deleteIfExists(dir.resolve("mounts.before"));
        Files.deleteIfExists(dir.resolve("mounts.after"));
        String script = "mount --make-rshared / || { echo 'cannot make / rshared' >&2; exit 99; }\n"
                + String.join("\n", hostSetup) + "\n"
                + "cat /proc/self/mountinfo > \"$NSBOX_ESCAPE_DIR/mounts.before\"\n"
                + "\"$@\"\n"
                + "rc=$?\n"
                + "cat /proc/self/mountinfo > \"$NSBOX_ESCAPE_DIR/mounts.after\"\n"
                + "exit $rc\n";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "unchanged", "sh", "-c",
                script, "sh"));
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NSBOX_ESCAPE_DIR", dir.toString());
        pb.directory(dir.toFile());
        return new Started(pb.start(), keepOutput);
    }

    private List<String> lines(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readAllLines(p) : List.of("(" + name + " was not written)");
    }

    /** Reads a stream to its end on a thread of its own, keeping the text or only counting bytes. */
    private static final class Collector {
        final Thread thread;
        private final StringBuilder text = new StringBuilder();
        volatile long bytes;

        Collector(InputStream in, boolean keep) {
            thread = new Thread(() -> {
                byte[] buf = new byte[1 << 16];
                try (in) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        bytes += n;
                        if (keep) {
                            synchronized (text) {
                                text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                            }
                        }
                    }
                } catch (IOException e) {
                    synchronized (text) {
                        text.append("\n(reading failed: ").append(e).append(")\n");
                    }
                }
            }, "escape-output");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
