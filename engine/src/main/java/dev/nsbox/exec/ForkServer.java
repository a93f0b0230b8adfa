package dev.nsbox.exec;

import dev.nsbox.exec.ForkProtocol.BadRequest;
import dev.nsbox.exec.ForkProtocol.Request;
import dev.nsbox.plan.Plan;
import dev.nsbox.sys.NativeArch;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs test forks in sandboxes for a warm engine (the Maven JVM): it listens on a Unix socket,
 * {@code DIR/socket}, and for each connection of {@code nsbox-fork} (the fork's {@code bin/java},
 * see {@link ForkProtocol}) runs a prepared plan with the fork's command in this JVM,
 * the fork's standard streams as the step's, and answers the test JVM's exit status or signal.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Only this user's processes are served: {@code DIR} is mode 0700, the socket 0600, and a
 *       peer whose {@code SO_PEERCRED} uid is not this process's is refused before it is read.</li>
 *   <li>Every fork runs the plan given to {@link #start}, with its {@code argv[0]} replaced by
 *       {@link Command#prefix()} and the variables of {@link Command#environment()} set over
 *       its own; nothing is run outside that sandbox.</li>
 *   <li>A fork that ends or closes its connection before its test JVM (SIGKILL, a lost
 *       Surefire) cancels its sandbox: SIGTERM to the test JVM, then everything killed after the
 *       grace period.</li>
 * </ul>
 *
 * <p>Threads are daemons; the server lives until {@link #close()} or the end of this JVM. One
 * server per directory: starting another on the same one closes the first (its running forks
 * go on). Thread-safe.
 */
public final class ForkServer implements AutoCloseable {

    /** The folder of the socket, beside the wrapper's {@code bin/} (nsbox-fork.c looks there). */
    public static final String DIRECTORY = "forks";
    /** The executable in the jar, the fork's {@code bin/java}. */
    private static final String CLIENT = "nsbox-fork";
    private static final int REFUSED = 125;
    private static final Map<Path, ForkServer> SERVERS = new HashMap<>();
    private static final AtomicBoolean WARMING = new AtomicBoolean();

    /**
     * How a fork's command becomes the step's.
     *
     * @param prefix      replaces the fork's {@code argv[0]}: the real java and the arguments
     *                    every test JVM gets first
     * @param environment set over the fork's own environment
     * @param warmUp      run in the plan's sandbox when the first server of this JVM starts,
     *                    its output discarded (for example {@code java -version}); empty for none
     */
    public record Command(List<String> prefix, Map<String, String> environment, List<String> warmUp) {
        public Command {
            prefix = List.copyOf(prefix);
            environment = Map.copyOf(environment);
            warmUp = List.copyOf(warmUp);
        }

        /** A command without a warm-up. */
        public Command(List<String> prefix, Map<String, String> environment) {
            this(prefix, environment, List.of());
        }
    }

    private final Sys sys;
    private final Path directory;
    private final Plan plan;
    private final Command command;
    private final Sandbox.Options options;
    private final Consumer<String> log;
    private final int uid;
    private final Fd listener;
    private final CompletableFuture<RunResult> warmedUp = new CompletableFuture<>();
    private volatile boolean closed;

    private ForkServer(Sys sys, Path directory, Plan plan, Command command, Sandbox.Options options,
                       Consumer<String> log, Fd listener) {
        this.sys = sys;
        this.directory = directory;
        this.plan = plan;
        this.command = command;
        this.options = options;
        this.log = log;
        this.uid = sys.getuid();
        this.listener = listener;
    }

    /**
     * Listens on {@code directory/socket} (the folder made or narrowed to 0700, a stale socket
     * replaced) and serves every connection from now on.
     *
     * @param plan the sandbox of every fork; one that needs a user namespace cannot be served
     *             from this JVM ({@link Sandboxes#needsHelper})
     * @param log  where refusals and failures of the server are told (a build log)
     * @throws IOException when the socket cannot be made
     */
    public static ForkServer start(Path directory, Plan plan, Command command, Duration grace, Consumer<String> log)
            throws IOException {
        if (Sandboxes.needsHelper(plan)) {
            throw new IllegalArgumentException("a plan that needs a user namespace runs in a helper JVM, not here");
        }
        Path dir = directory.toAbsolutePath().normalize();
        synchronized (SERVERS) {
            ForkServer old = SERVERS.remove(dir);
            if (old != null) {
                old.close();
            }
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path socket = dir.resolve("socket");
            Files.deleteIfExists(socket);
            Sys sys = Sys.get();
            Fd listening;
            try (Fd dirFd = new Fd(sys, sys.open(dir.toString(), Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0,
                    "open(\"" + dir + "\", O_PATH|O_DIRECTORY|O_CLOEXEC)"))) {
                // Through the folder's descriptor: sun_path holds 107 bytes, a build directory may not (unix(7)).
                listening = new Fd(sys, sys.unixListen("/proc/self/fd/" + dirFd.number() + "/socket", 64));
            } catch (SyscallException e) {
                throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
            }
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            ForkServer server = new ForkServer(sys, dir, plan, command, new Sandbox.Options(grace, true), log,
                    listening);
            Thread t = new Thread(server::accept, "nsbox-forks-" + dir.getParent().getFileName());
            t.setDaemon(true);
            t.start();
            server.startWarmUp();
            SERVERS.put(dir, server);
            return server;
        }
    }

    /**
     * Runs {@link Command#warmUp} once in the plan's sandbox on a thread of its own, while the
     * build goes on towards its tests. The first sandbox of a JVM loads the executor's classes
     * and links its native methods: measured with perf's sched events on the bench's 20-fork
     * project, the first fork's {@code bin/java} waited 1.0 to 1.5 s for its test JVM to start,
     * every later fork 0.1 to 0.2 s (bench/analysis.md, issue #13). The warm-up is a sandbox
     * like any other (the same plan, checked the same way); it changes nothing of what a fork
     * runs, and a fork that comes before it ends runs on its own all the same. Once per JVM.
     */
    private void startWarmUp() {
        // Once per JVM: what it warms (classes, native methods, the JIT) is the JVM's, not the
        // server's; a reactor's next module starts its server warm already.
        if (command.warmUp().isEmpty() || !WARMING.compareAndSet(false, true)) {
            warmedUp.complete(null);
            return;
        }
        Thread t = new Thread(() -> {
            RunResult r = null;
            int[] nul = {-1, -1, -1};
            try {
                for (int i = 0; i < 3; i++) {
                    nul[i] = sys.open("/dev/null", Sys.O_RDWR | Sys.O_CLOEXEC, 0, "open(\"/dev/null\", O_RDWR|O_CLOEXEC)");
                }
                // The fork's own environment is Maven's (Surefire passes it on), then the command's.
                Map<String, String> env = new LinkedHashMap<>(System.getenv());
                env.putAll(command.environment());
                r = new Sandbox(plan.withCommand(command.warmUp(), env, "/"),
                        StepIO.descriptors(nul[0], nul[1], nul[2]), Listener.NONE, options).run();
            } catch (SyscallException | RuntimeException e) {
                // Each fork runs the full path and says what fails there; this only warns early.
                log.accept("nsbox: the fork server's warm-up (" + String.join(" ", command.warmUp()) + ") failed: "
                        + e.getMessage());
            } finally {
                for (int fd : nul) {
                    if (fd >= 0) {
                        sys.close(fd);
                    }
                }
                warmedUp.complete(r);
            }
        }, "nsbox-forks-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The warm-up's result once it ended; {@code null} when there was none (no command, or this
     * JVM warmed up already) or it could not start.
     */
    RunResult awaitWarmUp() throws InterruptedException, ExecutionException {
        return warmedUp.get();
    }

    /** Writes {@code nsbox-fork}, the client, to {@code file} (mode 0755), replacing it atomically. */
    public static void writeClient(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        String resource = NativeArch.resource(CLIENT);
        try (InputStream in = ForkServer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("dev/nsbox/exec/" + resource + " is missing from the classpath; the build"
                        + " compiles it from engine/src/main/c/nsbox-fork.c (src/main/c/build.sh)");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The socket's path. */
    public Path socket() {
        return directory.resolve("socket");
    }

    /** Stops accepting forks and removes the socket; forks already running go on. */
    @Override
    public void close() {
        closed = true;
        int fd = listener.number();
        if (fd >= 0) {
            sys.shutdown(fd);
        }
        listener.close();
        try {
            Files.deleteIfExists(socket());
        } catch (IOException e) {
            // A stale socket refuses connections as well (ECONNREFUSED).
        }
    }

    private void accept() {
        while (!closed) {
            int fd = listener.number();
            if (fd < 0) {
                return;
            }
            int conn;
            try {
                conn = sys.accept(fd);
            } catch (SyscallException e) {
                if (!closed) {
                    log.accept("nsbox: the fork server on " + socket() + " stops: " + e.getMessage());
                }
                return;
            }
            Fd connection = new Fd(sys, conn);
            Thread t = new Thread(() -> serve(connection), "nsbox-fork-" + conn);
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Fd connection) {
        int[] streams = {-1, -1, -1};
        try {
            int conn = connection.number();
            int[] peer = sys.peerCredentials(conn);
            if (peer[1] != uid) {
                String why = "nsbox: error: the fork server of this build serves uid " + uid + " only; process "
                        + peer[0] + " runs as uid " + peer[1];
                log.accept(why + " (refused)");
                reply(connection, ForkProtocol.message(why));
                reply(connection, ForkProtocol.frame(ForkProtocol.EXIT, REFUSED));
                return;
            }
            byte[] header = new byte[ForkProtocol.HEADER_BYTES];
            int n = sys.recvWithFds(conn, header, streams);
            readFully(conn, header, n);
            for (int s : streams) {
                if (s < 0) {
                    throw new BadRequest("a request without its three standard streams (SCM_RIGHTS)");
                }
            }
            byte[] body = new byte[ForkProtocol.bodyLength(header)];
            readFully(conn, body, 0);
            Request request = ForkProtocol.request(body);
            run(connection, request, streams);
        } catch (BadRequest e) {
            refuse(connection, "nsbox: error: the fork server got " + e.getMessage());
        } catch (SyscallException | RuntimeException e) {
            refuse(connection, "nsbox: error: the fork server failed: " + e.getMessage());
        } finally {
            for (int s : streams) {
                if (s >= 0) {
                    sys.close(s);
                }
            }
            connection.close();
        }
    }

    private void refuse(Fd connection, String why) {
        log.accept(why);
        try {
            reply(connection, ForkProtocol.message(why));
            reply(connection, ForkProtocol.frame(ForkProtocol.EXIT, REFUSED));
        } catch (SyscallException e) {
            // The fork is gone; it has nothing left to be told.
        }
    }

    /** Runs the fork's sandbox and answers its end (messages, then its status). */
    private void run(Fd connection, Request request, int[] streams) throws SyscallException {
        List<String> argv = new ArrayList<>(command.prefix());
        argv.addAll(request.argv().subList(1, request.argv().size()));
        Map<String, String> env = new LinkedHashMap<>(request.environment());
        env.putAll(command.environment());
        Sandbox box = new Sandbox(plan.withCommand(argv, env, request.cwd()),
                StepIO.descriptors(streams[0], streams[1], streams[2]), Listener.NONE, options);
        AtomicBoolean done = new AtomicBoolean();
        Thread signals = new Thread(() -> forwardSignals(connection, box, done), "nsbox-fork-signals");
        signals.setDaemon(true);
        signals.start();
        RunResult r = box.run();
        done.set(true);
        // The fork's pipes must see end of file when the test JVM ends: no copy stays here.
        for (int i = 0; i < 3; i++) {
            sys.close(streams[i]);
            streams[i] = -1;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        StepResult step = r.steps().isEmpty() ? null : r.steps().get(r.steps().size() - 1);
        boolean ran = step != null && (step.outcome() == StepResult.Outcome.EXITED
                || step.outcome() == StepResult.Outcome.SIGNALED);
        if (!ran || r.exitCode() != step.exitCode()) {
            r.messages().forEach(m -> out.writeBytes(ForkProtocol.message(m)));
        }
        if (ran && step.outcome() == StepResult.Outcome.SIGNALED && r.exitCode() == step.exitCode()) {
            out.writeBytes(ForkProtocol.frame(ForkProtocol.KILLED, step.signal()));
        } else {
            out.writeBytes(ForkProtocol.frame(ForkProtocol.EXIT, r.exitCode()));
        }
        try {
            reply(connection, out.toByteArray());
        } finally {
            // Wakes the signal reader (read(2) returns 0), which must be gone before the
            // connection's number is closed and may be reused.
            sys.shutdown(connection.number());
            try {
                signals.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reads the fork's signal frames until its connection ends: each is sent to the test JVM; an
     * end before the result (the fork died) cancels the run.
     */
    private void forwardSignals(Fd connection, Sandbox box, AtomicBoolean done) {
        byte[] frame = new byte[5];
        int fd = connection.number();
        while (true) {
            try {
                if (!readFully(fd, frame, 0)) {
                    if (!done.get()) {
                        box.cancel();
                    }
                    return;
                }
            } catch (SyscallException | BadRequest e) {
                if (!done.get()) {
                    box.cancel();
                }
                return;
            }
            int sig = ForkProtocol.signal(frame);
            if (sig > 0) {
                box.signal(sig);
            }
        }
    }

    /** Fills {@code buf} from {@code from}; false at end of file before the first byte. */
    private boolean readFully(int fd, byte[] buf, int from) throws SyscallException, BadRequest {
        int off = from;
        byte[] chunk = new byte[Math.min(buf.length, 1 << 16)];
        while (off < buf.length) {
            byte[] into = buf.length - off >= chunk.length ? chunk : new byte[buf.length - off];
            int n = sys.read(fd, into, "read(fork " + fd + ")");
            if (n == 0) {
                if (off == 0) {
                    return false;
                }
                throw new BadRequest("a request cut short after " + off + " of " + buf.length + " bytes");
            }
            System.arraycopy(into, 0, buf, off, n);
            off += n;
        }
        return true;
    }

    private void reply(Fd connection, byte[] bytes) throws SyscallException {
        connection.write(bytes, "write(fork, reply)");
    }
}
