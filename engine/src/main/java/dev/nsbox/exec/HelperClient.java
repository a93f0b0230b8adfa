package dev.nsbox.exec;

import dev.nsbox.exec.HelperProtocol.Message;
import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.ExitCode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The caller's side of {@link HelperProtocol}: a started helper JVM ({@link SandboxServer}),
 * shared by every run with its mapping. Thread-safe.
 */
final class HelperClient {

    private final Process process;
    private final DataOutputStream requests;
    private final Map<Integer, BlockingQueue<Event>> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Long> graces = new ConcurrentHashMap<>();
    private final Map<Integer, Consumer<String>> forkLogs = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final String description;
    private volatile boolean dead;

    /**
     * What a run's waiting thread is handed: a reply of the helper, or, with {@code lost} set,
     * the news that the helper is gone (never on the wire).
     */
    private record Event(Message message, Object value, String lost) {
    }

    private HelperClient(Process process, String description) {
        this.process = process;
        this.requests = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
        this.description = description;
    }

    /**
     * Starts a helper JVM in a new user namespace mapping the caller to {@code mapping},
     * and waits for its greeting.
     *
     * @throws UserNamespaces.Unavailable when {@code unshare} is missing or refuses, or the
     *                                    helper does not start
     */
    static HelperClient start(Mapping mapping) throws UserNamespaces.Unavailable {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(JvmFlags.lean());
        java.add("-XX:-UsePerfData");
        java.addAll(List.of("-cp", classPath(), SandboxServer.class.getName()));
        List<String> cmd = UserNamespaces.wrap(mapping, java, System.getenv());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put(UserNamespaces.MARKER, mapping.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UserNamespaces.Unavailable("cannot start " + cmd.get(0) + ": " + e.getMessage());
        }
        Deque<String> lastErrors = new ArrayDeque<>();
        Thread errors = new Thread(() -> pumpErrors(p.getErrorStream(), lastErrors), "nsbox-server-stderr");
        errors.setDaemon(true);
        errors.start();
        DataInputStream in = new DataInputStream(new BufferedInputStream(p.getInputStream(), 1 << 16));
        String hello;
        try {
            HelperProtocol.Frame greeting = HelperProtocol.read(in);
            if (greeting.message() != Message.HELLO || !(greeting.value() instanceof String s)) {
                throw new IOException("unexpected greeting " + (char) greeting.code());
            }
            hello = s;
        } catch (IOException e) {
            p.destroyForcibly();
            try {
                errors.join(2000);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            String said;
            synchronized (lastErrors) {
                said = String.join("\n  ", lastErrors);
            }
            throw new UserNamespaces.Unavailable("the sandbox helper JVM did not start in a user namespace ("
                    + String.join(" ", cmd.subList(0, cmd.indexOf("--"))) + ")"
                    + (said.isEmpty() ? ": " + e : ":\n  " + said));
        }
        HelperClient c = new HelperClient(p, hello);
        Thread reader = new Thread(() -> c.readReplies(in), "nsbox-server-replies");
        reader.setDaemon(true);
        reader.start();
        Runtime.getRuntime().addShutdownHook(new Thread(c::shutdown, "nsbox-server-shutdown"));
        return c;
    }

    /**
     * This JVM is ending (Maven interrupted): as {@link Sandbox}'s own hook does, cancel every
     * run whose options ask for it (SIGTERM to its step) and wait up to its grace period for the helper to report its
     * end. Should this JVM die without hooks, the helper reads end of file and does the same.
     */
    private void shutdown() {
        long deadline = 0;
        List<Integer> ids = new ArrayList<>(graces.keySet());
        for (int id : ids) {
            trySend(Message.CANCEL, id, 0);
            deadline = Math.max(deadline, graces.getOrDefault(id, 0L));
        }
        long end = System.currentTimeMillis() + deadline + 1000;
        while (ids.stream().anyMatch(pending::containsKey) && alive() && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                return;
            }
        }
    }

    boolean alive() {
        return !dead && process.isAlive();
    }

    /** What the helper said of itself: its pid and its user namespace's mapping. */
    String description() {
        return description;
    }

    @Override
    public String toString() {
        return "in a helper JVM (" + description + ")";
    }

    RunResult run(Plan plan, StepIO io, Listener listener, Sandbox.Options options) {
        int id = ids.incrementAndGet();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        pending.put(id, events);
        if (options.shutdownHook()) {
            graces.put(id, options.grace().toMillis());
        }
        boolean interrupted = false;
        boolean cancelSent = false;
        try {
            try {
                send(Message.PLAN, id, List.of(plan, options.grace(), options.shutdownHook()));
            } catch (IOException e) {
                return lost("cannot send the plan to the sandbox helper: " + e.getMessage());
            }
            while (true) {
                Event ev;
                try {
                    ev = events.take();
                } catch (InterruptedException e) {
                    // The caller gives up: cancel the run and keep waiting for its end, as
                    // Sandbox.run() does; the interrupt status is set again on return.
                    interrupted = true;
                    if (!cancelSent) {
                        cancelSent = true;
                        trySend(Message.CANCEL, id, 0);
                    }
                    continue;
                }
                if (ev.lost() != null) {
                    return lost(ev.lost());
                }
                Object v = ev.value();
                switch (ev.message()) {
                    case STDOUT -> (io.inherits() ? (Consumer<String>) System.out::println : io.out())
                            .accept((String) v);
                    case STDERR -> (io.inherits() ? (Consumer<String>) System.err::println : io.err())
                            .accept((String) v);
                    case TRACE -> listener.trace((String) v);
                    case STEP_STARTED -> {
                        int i = (Integer) v;
                        listener.stepStarted(i, plan.launch().steps().get(i));
                    }
                    case STEP_FINISHED -> listener.stepFinished((StepResult) v);
                    case RESULT -> {
                        return (RunResult) v;
                    }
                    default -> {
                    }
                }
            }
        } finally {
            pending.remove(id);
            graces.remove(id);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Has the helper serve test forks on {@code directory/socket} with {@code plan} for as long
     * as it lives ({@link SandboxServer}, {@link ForkServer}); the server's log lines go to
     * {@code log}, on the reply reader's thread.
     *
     * @return the socket
     * @throws IOException when the helper does not listen, saying why
     */
    Path serveForks(Path directory, Plan plan, ForkServer.Command command, java.time.Duration grace,
                    Consumer<String> log) throws IOException {
        int id = ids.incrementAndGet();
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        pending.put(id, events);
        forkLogs.put(id, log);
        boolean listening = false;
        try {
            send(Message.FORKS, id, List.of(directory.toAbsolutePath().normalize().toString(), plan, command, grace));
            Event ev;
            try {
                ev = events.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the sandbox helper starts its fork server");
            }
            if (ev.lost() != null) {
                throw new IOException(ev.lost());
            }
            List<?> reply = (List<?>) ev.value();
            if (ev.message() != Message.SERVING || !Boolean.TRUE.equals(reply.get(0))) {
                throw new IOException("the sandbox helper JVM does not serve test forks: " + reply.get(1));
            }
            listening = true;
            return Path.of((String) reply.get(1));
        } finally {
            pending.remove(id);
            if (!listening) {
                forkLogs.remove(id);
            }
        }
    }

    private static RunResult lost(String why) {
        return new RunResult(ExitCode.SETUP_FAILED.code(), List.of(), List.of("error: " + why), List.of());
    }

    private void trySend(Message message, int id, Object value) {
        try {
            send(message, id, value);
        } catch (IOException e) {
            // The helper is gone; its end reaches the run as a lost event.
        }
    }

    private void send(Message message, int id, Object value) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        HelperProtocol.write(new DataOutputStream(buf), message, id, value);
        synchronized (requests) {
            buf.writeTo(requests);
            requests.flush();
        }
    }

    private void readReplies(DataInputStream in) {
        String why = "the sandbox helper JVM ended";
        try {
            while (true) {
                HelperProtocol.Frame frame = HelperProtocol.read(in);
                BlockingQueue<Event> q = pending.get(frame.id());
                Message message = frame.message();
                Consumer<String> forkLog = forkLogs.get(frame.id());
                if (message == Message.LOG && forkLog != null) {
                    forkLog.accept(String.valueOf(frame.value()));
                } else if (q != null && message != null) {
                    q.add(new Event(message, frame.value(), null));
                }
            }
        } catch (EOFException e) {
            why = "the sandbox helper JVM ended (exit " + exitValue() + ")";
        } catch (IOException e) {
            why = "lost the sandbox helper JVM: " + e.getMessage();
        }
        dead = true;
        for (BlockingQueue<Event> q : pending.values()) {
            q.add(new Event(null, null, why));
        }
    }

    private String exitValue() {
        try {
            return Integer.toString(process.waitFor());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static void pumpErrors(InputStream err, Deque<String> last) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                System.err.println(l);
                synchronized (last) {
                    last.addLast(l);
                    if (last.size() > 20) {
                        last.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // The helper is gone.
        }
    }

    /**
     * The class path of the helper: the jars this engine was loaded from (a Maven plugin's
     * class realm is a URLClassLoader), else this JVM's class path. {@code nsbox.server.classpath}
     * overrides both.
     */
    static String classPath() {
        String override = System.getProperty("nsbox.server.classpath");
        if (override != null && !override.isBlank()) {
            return override;
        }
        ClassLoader cl = SandboxServer.class.getClassLoader();
        if (cl instanceof URLClassLoader u) {
            Set<String> entries = new LinkedHashSet<>();
            for (URL url : u.getURLs()) {
                if ("file".equals(url.getProtocol())) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // Not a file we can name.
                    }
                }
            }
            if (!entries.isEmpty()) {
                return String.join(java.io.File.pathSeparator, entries);
            }
        }
        return System.getProperty("java.class.path");
    }
}
