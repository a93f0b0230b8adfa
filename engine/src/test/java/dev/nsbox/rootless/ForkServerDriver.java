package dev.nsbox.rootless;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.exec.ForkServer;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.Sandboxes;
import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@code nsbox:prepare} does, as a small program a test runs as an ordinary user: prepares
 * SPEC, writes the fork client to {@code HOME/bin/java} and serves forks on
 * {@code HOME/forks/socket} through {@link Sandboxes#serveForks} (each fork runs {@code sh -c
 * ARG1} in the sandbox), then prints {@code helper started: ...}, {@code socket: PATH},
 * {@code where: ...} and {@code ready}, and keeps serving until its standard input ends. The
 * fork server's log lines are printed as {@code log: LINE}.
 */
public final class ForkServerDriver {

    private ForkServerDriver() {
    }

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]);
        Path home = Path.of(args[1]);
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, Map.of())),
                Overrides.command(List.of("/bin/sh")), NsboxEngine.host());
        if (p.hasErrors()) {
            p.errors().forEach(d -> System.out.println("error: " + d.format()));
            System.exit(1);
        }
        ForkServer.writeClient(Files.createDirectories(home.resolve("bin")).resolve("java"));
        Path socket = Sandboxes.forCaller().serveForks(home.resolve(ForkServer.DIRECTORY), p.plan(),
                new ForkServer.Command(List.of("/bin/sh", "-c"), Map.of("JAVA_HOME", "/the/real/jdk")),
                Duration.ofSeconds(2), new Listener() {
                    @Override
                    public void helperStarted(String helper, Duration took) {
                        System.out.println("helper started: " + helper);
                    }
                }, line -> System.out.println("log: " + line));
        System.out.println("socket: " + socket);
        System.out.println("where: " + NsboxEngine.where(p.plan()));
        System.out.println("ready");
        System.out.flush();
        System.in.transferTo(java.io.OutputStream.nullOutputStream());
        System.out.flush();
    }
}
