package dev.nsbox.exec;

import dev.nsbox.host.LiveHost;
import dev.nsbox.host.Rootless;
import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.ExitCode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The runner a front end should use: it runs each plan where it can run.
 *
 * <ul>
 *   <li>A plan without a user namespace, or any plan when this JVM already runs in the user
 *       namespace it needs (the CLI relaunched in one): in this JVM, {@link Sandbox} as is.</li>
 *   <li>A plan that needs a user namespace (the caller lacks CAP_SYS_ADMIN, or the spec lists
 *       {@code user}): in a {@link SandboxServer}, a helper JVM started once per mapping
 *       ({@code user.uid}:{@code user.gid}) under {@code unshare --user}, and reused for every
 *       later sandbox with that mapping for as long as this JVM lives (a Maven build). The first
 *       such sandbox pays one JVM start; the following ones cost what they cost in-process plus
 *       a few messages over a pipe.</li>
 * </ul>
 *
 * <p>Before a helper is started, {@link Rootless#limits} is checked: what a user namespace
 * cannot do on this machine comes back as a {@link RunResult} with exit code 3 and the fix,
 * never as a run with weaker isolation. Front ends reach this class through
 * {@code dev.nsbox.engine.NsboxEngine#run}.
 *
 * <pre>{@code
 * RunResult r = Sandboxes.forCaller().run(plan, StepIO.lines(log::info, log::warn), listener,
 *         new Sandbox.Options(grace, true));
 * }</pre>
 *
 * <p>Helpers end when this JVM ends: they read end of file on their standard input, cancel
 * what runs (SIGTERM, the grace period, then everything killed) and exit.
 */
public final class Sandboxes implements SandboxRunner {

    private static final Sandboxes CALLER = new Sandboxes();

    private final Map<Mapping, HelperClient> servers = new HashMap<>();

    private Sandboxes() {
    }

    /** The runner for plans made by this process (see the class comment). */
    public static Sandboxes forCaller() {
        return CALLER;
    }

    /** Whether {@code plan} runs in a helper JVM rather than in this one. */
    public static boolean needsHelper(Plan plan) {
        return Rootless.needsUserNamespace(plan)
                && !UserNamespaces.entered().map(mapping(plan)::equals).orElse(false);
    }

    static Mapping mapping(Plan plan) {
        return new Mapping(plan.spec().user().uid(), plan.spec().user().gid());
    }

    @Override
    public RunResult run(Plan plan, StepIO io, Listener listener, Sandbox.Options options) {
        if (!needsHelper(plan)) {
            return new Sandbox(plan, io, listener, options).run();
        }
        Helper helper;
        try {
            helper = server(plan);
        } catch (Refused e) {
            return new RunResult(ExitCode.UNSUPPORTED.code(), List.of(), e.messages, List.of());
        }
        if (helper.took() != null) {
            listener.helperStarted(helper.client().description(), helper.took());
        }
        return helper.client().run(plan, io, listener, options);
    }

    /**
     * Serves test forks of {@code plan} on {@code directory/socket} where the plan can run, for
     * as long as that JVM lives: a {@link ForkServer} in this JVM, or one in the helper JVM of
     * the plan's mapping (started now when it is not running; {@code listener} is told, as for a
     * run). Either way the socket is owner-only, each peer's {@code SO_PEERCRED} is checked, and
     * {@code log} gets the server's refusals and failures.
     *
     * @return the socket
     * @throws IOException when no server listens: the machine refuses the user namespace (the
     *                     message says why and the fix), the helper cannot serve forks, or the
     *                     socket cannot be made; no fork may then be run
     */
    public Path serveForks(Path directory, Plan plan, ForkServer.Command command, Duration grace,
                           Listener listener, Consumer<String> log) throws IOException {
        if (!needsHelper(plan)) {
            return ForkServer.start(directory, plan, command, grace, log).socket();
        }
        Helper helper;
        try {
            helper = server(plan);
        } catch (Refused e) {
            throw new IOException(String.join("\n", e.messages));
        }
        if (helper.took() != null) {
            listener.helperStarted(helper.client().description(), helper.took());
        }
        return helper.client().serveForks(directory, plan, command, grace, log);
    }

    /**
     * Why test forks of {@code plan} cannot go through a fork server, or null when they can:
     * only a helper whose user namespace maps the caller to the overflow uid cannot check its
     * peers ({@link SandboxServer#peerCheckRefused}). Such forks need another way in (a cold
     * engine per fork), never an unchecked socket.
     */
    public static String forksUnservable(Plan plan) {
        return needsHelper(plan) ? SandboxServer.peerCheckRefused(mapping(plan), SandboxServer.overflowUid()) : null;
    }

    @Override
    public String where(Plan plan) {
        if (!needsHelper(plan)) {
            return "in this JVM";
        }
        synchronized (servers) {
            HelperClient c = servers.get(mapping(plan));
            return c != null && c.alive() ? c.toString()
                    : "in a helper JVM to be started in a user namespace (mapping " + mapping(plan) + ")";
        }
    }

    /** The helper a run goes to; {@code took} is how long starting it took, null when it was running. */
    private record Helper(HelperClient client, Duration took) {
    }

    private Helper server(Plan plan) throws Refused {
        Mapping m = mapping(plan);
        synchronized (servers) {
            HelperClient c = servers.get(m);
            boolean running = c != null && c.alive();
            // Every plan is checked; whether the machine allows a user namespace at all only
            // before a helper is started (it forks unshare).
            List<String> messages = new ArrayList<>();
            try {
                MountTable table = LiveHost.mountTable();
                for (Diagnostic d : Rootless.limits(plan, table, System.getenv(), !running)) {
                    messages.add(d.format());
                }
            } catch (IOException | IllegalArgumentException e) {
                messages.add("error: cannot read this process's mount table (/proc/self/mountinfo): " + e.getMessage());
            }
            if (!messages.isEmpty()) {
                throw new Refused(messages);
            }
            if (running) {
                return new Helper(c, null);
            }
            long start = System.nanoTime();
            try {
                c = HelperClient.start(m);
            } catch (UserNamespaces.Unavailable e) {
                throw new Refused(List.of("error: " + e.getMessage()));
            }
            servers.put(m, c);
            return new Helper(c, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** The machine cannot give this plan its user namespace. */
    private static final class Refused extends Exception {
        final List<String> messages;

        Refused(List<String> messages) {
            super(String.join("\n", messages));
            this.messages = List.copyOf(messages);
        }
    }
}
