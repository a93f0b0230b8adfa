package dev.nsbox.exec;

import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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

/**
 * A helper JVM that runs sandboxes for a JVM that cannot: one started inside a user namespace
 * ({@code unshare --user --map-user=U --map-group=G --keep-caps}), where it holds every
 * capability and applies plans with {@link Sandbox} exactly as nsbox does as root. See
 * {@link Sandboxes} for who starts it and when.
 *
 * <p>Protocol, over the helper's standard input (requests) and standard output (replies): one
 * message after another, each {@code byte type, int id, value} with the value in
 * {@link RecordCodec}'s form. The helper first says {@code H} (a description of itself).
 * Requests: {@code P} run a plan (value: list of the {@code Plan}, the grace {@code Duration},
 * the shutdown-hook flag); {@code K} send a signal to that run's step (value: the signal
 * number); {@code C} cancel that run. Replies for a run: {@code O} / {@code E} a line of
 * standard output / error, {@code T} a trace line, {@code S} step N started, {@code F} a
 * {@code StepResult}, and last {@code R} the {@code RunResult}. Runs proceed concurrently,
 * each on a thread of its own (a fresh thread starts in the helper's own namespaces).
 *
 * <p>End of file on standard input (the caller ended, however it ended) cancels every run
 * (SIGTERM, the grace period, then the supervisor kills everything) and ends the helper. The
 * helper's standard error is the caller's, line by line, for what goes wrong in it.
 */
public final class SandboxServer {

    private final DataOutputStream out;
    private final Map<Integer, Sandbox> running = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

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
        send('H', 0, "nsbox sandbox server, pid " + ProcessHandle.current().pid() + ", user namespace "
                + (m == null ? "none" : "mapping the caller to " + m));
        while (true) {
            byte type;
            int id;
            Object value;
            try {
                type = in.readByte();
                id = in.readInt();
                value = RecordCodec.read(in);
            } catch (EOFException e) {
                break;
            } catch (IOException e) {
                System.err.println("nsbox sandbox server: bad request: " + e.getMessage());
                break;
            }
            switch (type) {
                case 'P' -> start(id, (List<?>) value);
                case 'K' -> {
                    Sandbox s = running.get(id);
                    if (s != null) {
                        s.signal((Integer) value);
                    }
                }
                case 'C' -> {
                    Sandbox s = running.get(id);
                    if (s != null) {
                        s.cancel();
                    }
                }
                default -> System.err.println("nsbox sandbox server: unknown request " + (char) type);
            }
        }
        // The caller is gone: nothing it started may outlive it.
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
                send('T', id, line);
            }

            @Override
            public void stepStarted(int index, StepLaunch step) {
                send('S', id, index);
            }

            @Override
            public void stepFinished(StepResult result) {
                send('F', id, result);
            }
        };
        Sandbox box = new Sandbox(plan, StepIO.lines(l -> send('O', id, l), l -> send('E', id, l)), listener, options);
        running.put(id, box);
        Thread t = new Thread(() -> {
            RunResult r;
            try {
                r = box.run();
            } catch (RuntimeException | Error e) {
                r = new RunResult(125, List.of(), List.of("error: internal error in the sandbox server: " + e), List.of());
            }
            running.remove(id);
            send('R', id, r);
        }, "nsbox-server-run-" + id);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    private void send(char type, int id, Object value) {
        synchronized (out) {
            try {
                out.writeByte(type);
                out.writeInt(id);
                RecordCodec.write(out, value);
                out.flush();
            } catch (IOException e) {
                // The caller is gone; end of file on standard input ends everything.
            }
        }
    }

    /**
     * The caller's side: a started helper, shared by every run with its mapping. Thread-safe.
     */
    static final class Client {

        private final Process process;
        private final DataOutputStream requests;
        private final Map<Integer, BlockingQueue<Object[]>> pending = new ConcurrentHashMap<>();
        private final Map<Integer, Long> graces = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final String description;
        private volatile boolean dead;

        private Client(Process process, String description) {
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
        static Client start(Mapping mapping) throws UserNamespaces.Unavailable {
            List<String> java = new ArrayList<>();
            java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            java.addAll(JvmFlags.LEAN);
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
                byte type = in.readByte();
                in.readInt();
                Object v = RecordCodec.read(in);
                if (type != 'H' || !(v instanceof String s)) {
                    throw new IOException("unexpected greeting " + (char) type);
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
            Client c = new Client(p, hello);
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
                trySend('C', id, 0);
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
            BlockingQueue<Object[]> events = new LinkedBlockingQueue<>();
            pending.put(id, events);
            if (options.shutdownHook()) {
                graces.put(id, options.grace().toMillis());
            }
            try {
                try {
                    send('P', id, List.of(plan, options.grace(), options.shutdownHook()));
                } catch (IOException e) {
                    return lost("cannot send the plan to the sandbox helper: " + e.getMessage());
                }
                while (true) {
                    Object[] ev;
                    try {
                        ev = events.take();
                    } catch (InterruptedException e) {
                        // The caller gives up: cancel the run and keep waiting for its end.
                        Thread.currentThread().interrupt();
                        trySend('C', id, 0);
                        try {
                            ev = events.take();
                        } catch (InterruptedException again) {
                            return lost("interrupted");
                        }
                    }
                    char type = (char) ev[0];
                    Object v = ev[1];
                    switch (type) {
                        case 'O' -> (io.inherits() ? (java.util.function.Consumer<String>) System.out::println
                                : io.out()).accept((String) v);
                        case 'E' -> (io.inherits() ? (java.util.function.Consumer<String>) System.err::println
                                : io.err()).accept((String) v);
                        case 'T' -> listener.trace((String) v);
                        case 'S' -> {
                            int i = (Integer) v;
                            listener.stepStarted(i, plan.launch().steps().get(i));
                        }
                        case 'F' -> listener.stepFinished((StepResult) v);
                        case 'R' -> {
                            return (RunResult) v;
                        }
                        case 'X' -> {
                            return lost((String) v);
                        }
                        default -> {
                        }
                    }
                }
            } finally {
                pending.remove(id);
                graces.remove(id);
            }
        }

        private static RunResult lost(String why) {
            return new RunResult(125, List.of(), List.of("error: " + why), List.of());
        }

        private void trySend(char type, int id, Object value) {
            try {
                send(type, id, value);
            } catch (IOException e) {
                // The helper is gone; its end reaches the run as 'X'.
            }
        }

        private void send(char type, int id, Object value) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(buf);
            d.writeByte(type);
            d.writeInt(id);
            RecordCodec.write(d, value);
            synchronized (requests) {
                buf.writeTo(requests);
                requests.flush();
            }
        }

        private void readReplies(DataInputStream in) {
            String why = "the sandbox helper JVM ended";
            try {
                while (true) {
                    byte type = in.readByte();
                    int id = in.readInt();
                    Object v = RecordCodec.read(in);
                    BlockingQueue<Object[]> q = pending.get(id);
                    if (q != null) {
                        q.add(new Object[] {(char) type, v});
                    }
                }
            } catch (EOFException e) {
                why = "the sandbox helper JVM ended (exit " + exitValue() + ")";
            } catch (IOException e) {
                why = "lost the sandbox helper JVM: " + e.getMessage();
            }
            dead = true;
            for (BlockingQueue<Object[]> q : pending.values()) {
                q.add(new Object[] {'X', why});
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
}
