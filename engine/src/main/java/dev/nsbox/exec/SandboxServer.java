package dev.nsbox.exec;

import dev.nsbox.exec.HelperProtocol.Message;
import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;
import dev.nsbox.spec.ExitCode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A helper JVM that runs sandboxes for a JVM that cannot: one started inside a user namespace
 * ({@code unshare --user --map-user=U --map-group=G --keep-caps}), where it holds every
 * capability and applies plans with {@link Sandbox} exactly as nsbox does as root. See
 * {@link Sandboxes} for who starts it and when.
 *
 * <p>It speaks {@link HelperProtocol} over its standard input (requests) and standard output
 * (replies); the caller's side is {@link HelperClient}. Runs proceed concurrently, each on a
 * thread of its own (a fresh thread starts in the helper's own namespaces).
 *
 * <p>It also serves test forks ({@link HelperProtocol.Message#FORKS}): a {@link ForkServer} in
 * this JVM, already in the plan's user namespace, receives each fork's descriptors itself and
 * runs its sandbox here, as the Maven JVM does as root.
 *
 * <p>End of file on standard input (the caller ended, however it ended) cancels every run
 * (SIGTERM, the grace period, then the supervisor kills everything) and ends the helper. The
 * helper's standard error is the caller's, line by line, for what goes wrong in it.
 */
public final class SandboxServer {

    private final DataOutputStream out;
    private final Map<Integer, Sandbox> running = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<ForkServer> forkServers = new ArrayList<>();

    private SandboxServer(OutputStream out) {
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    }

    /** The helper's entry point; standard output is the protocol. */
    public static void main(String[] args) {
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        // Nothing else may write to the protocol's descriptor.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        SandboxServer server = new SandboxServer(protocol);
        int code = server.serve(new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in))));
        System.exit(code);
    }

    private int serve(DataInputStream in) {
        Mapping m = UserNamespaces.entered().orElse(null);
        send(Message.HELLO, 0, "nsbox sandbox server, pid " + ProcessHandle.current().pid() + ", user namespace "
                + (m == null ? "none" : "mapping the caller to " + m));
        while (true) {
            HelperProtocol.Frame frame;
            try {
                frame = HelperProtocol.read(in);
            } catch (EOFException e) {
                break;
            } catch (IOException e) {
                System.err.println("nsbox sandbox server: bad request: " + e.getMessage());
                break;
            }
            Message message = frame.message();
            int id = frame.id();
            if (message == Message.PLAN) {
                start(id, (List<?>) frame.value());
            } else if (message == Message.FORKS) {
                serveForks(id, (List<?>) frame.value());
            } else if (message == Message.SIGNAL || message == Message.CANCEL) {
                Sandbox s = running.get(id);
                if (s != null && message == Message.SIGNAL) {
                    s.signal((Integer) frame.value());
                } else if (s != null) {
                    s.cancel();
                }
            } else {
                System.err.println("nsbox sandbox server: unknown request " + (char) frame.code());
            }
        }
        // The caller is gone: nothing it started may outlive it. A fork server stops listening
        // (its socket removed: a later fork refuses); its running forks are cancelled by their
        // sandboxes' shutdown hooks when this JVM exits.
        synchronized (forkServers) {
            forkServers.forEach(ForkServer::close);
        }
        running.values().forEach(Sandbox::cancel);
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                break;
            }
        }
        return 0;
    }

    private void start(int id, List<?> request) {
        Plan plan = (Plan) request.get(0);
        Sandbox.Options options = new Sandbox.Options((Duration) request.get(1), (Boolean) request.get(2));
        Listener listener = new Listener() {
            @Override
            public void trace(String line) {
                send(Message.TRACE, id, line);
            }

            @Override
            public void stepStarted(int index, StepLaunch step) {
                send(Message.STEP_STARTED, id, index);
            }

            @Override
            public void stepFinished(StepResult result) {
                send(Message.STEP_FINISHED, id, result);
            }
        };
        Sandbox box = new Sandbox(plan, StepIO.lines(l -> send(Message.STDOUT, id, l),
                l -> send(Message.STDERR, id, l)), listener, options);
        running.put(id, box);
        Thread t = new Thread(() -> {
            RunResult r;
            try {
                r = box.run();
            } catch (RuntimeException | Error e) {
                r = new RunResult(ExitCode.SETUP_FAILED.code(), List.of(),
                        List.of("error: internal error in the sandbox server: " + e), List.of());
            }
            running.remove(id);
            send(Message.RESULT, id, r);
        }, "nsbox-server-run-" + id);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    /**
     * Starts a {@link ForkServer} in this JVM, which is in the plan's user namespace already: the
     * fork's descriptors reach the process that runs its sandbox directly, and the server's
     * log lines go to the caller as {@link Message#LOG}.
     */
    private void serveForks(int id, List<?> request) {
        Plan plan = (Plan) request.get(1);
        String refused = peerCheckRefused(UserNamespaces.entered().orElse(null), overflowUid());
        if (refused != null) {
            send(Message.SERVING, id, List.of(false, refused));
            return;
        }
        try {
            ForkServer server = ForkServer.start(Path.of((String) request.get(0)), plan,
                    (ForkServer.Command) request.get(2), (Duration) request.get(3), line -> send(Message.LOG, id, line));
            synchronized (forkServers) {
                forkServers.add(server);
            }
            send(Message.SERVING, id, List.of(true, server.socket().toString()));
        } catch (IOException | RuntimeException e) {
            send(Message.SERVING, id, List.of(false, String.valueOf(e.getMessage())));
        }
    }

    /**
     * Why {@code SO_PEERCRED} cannot tell this build's user from another here, or null. In a user
     * namespace a peer's uid is read through its uid_map, and a uid the map lacks reads as the
     * overflow uid (user_namespaces(7), "Unmapped user and group IDs"): when the caller is mapped to
     * that very uid, every other user would pass the fork server's check.
     */
    static String peerCheckRefused(Mapping mapping, int overflowUid) {
        if (mapping != null && mapping.uid() == overflowUid) {
            return "the user namespace maps this build's user to uid " + overflowUid + ", which is also what"
                    + " every unmapped user reads as (/proc/sys/kernel/overflowuid), so SO_PEERCRED cannot check"
                    + " a fork's user";
        }
        return null;
    }

    /** The kernel's overflow uid; 65534 (its default) when it cannot be read. */
    static int overflowUid() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/overflowuid")).trim());
        } catch (IOException | NumberFormatException e) {
            return 65534;
        }
    }

    private void send(Message message, int id, Object value) {
        synchronized (out) {
            try {
                HelperProtocol.write(out, message, id, value);
                out.flush();
            } catch (IOException e) {
                // The caller is gone; end of file on standard input ends everything.
            }
        }
    }
}
