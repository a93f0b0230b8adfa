package dev.nsbox.rootless;

import dev.nsbox.exec.Listener;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.Sandbox;
import dev.nsbox.exec.SandboxRunner;
import dev.nsbox.exec.Sandboxes;
import dev.nsbox.exec.StepIO;
import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.Overrides;
import dev.nsbox.engine.Preparation;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.yaml.Variables;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the Maven plugin does, as a small program a test runs as an ordinary user: prepares
 * SPEC against the live host and runs it N times through {@link Sandboxes#forCaller()},
 * printing each line of the steps' output ({@code out: }, {@code err: }), where it ran, and
 * each run's exit code and duration ({@code run I exit E ms M}), and each start of a helper JVM
 * ({@code helper started: ...}).
 */
public final class ServerDriver {

    private ServerDriver() {
    }

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]);
        int n = args[1].startsWith("parallel:") ? 0 : Integer.parseInt(args[1]);
        List<String> command = args.length > 2 ? List.of(args).subList(2, args.length) : null;
        Preparation p = NsboxEngine.prepare(new SpecSource(spec, spec.toString(),
                Variables.forCli(spec, java.util.Map.of())), Overrides.command(command), NsboxEngine.host());
        if (p.hasErrors()) {
            p.errors().forEach(d -> System.out.println("error: " + d.format()));
            System.exit(1);
        }
        Plan plan = p.plan();
        SandboxRunner runner = Sandboxes.forCaller();
        System.out.println("where: " + runner.where(plan));
        if (args[1].startsWith("parallel:")) {
            parallel(runner, plan, Integer.parseInt(args[1].substring("parallel:".length())));
            return;
        }
        int last = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            RunResult r = runner.run(plan, StepIO.lines(l -> System.out.println("out: " + l),
                    l -> System.out.println("err: " + l)), new Listener() {
                        @Override
                        public void helperStarted(String helper, Duration took) {
                            System.out.println("helper started: " + helper);
                        }

                        @Override
                        public void stepStarted(int index, dev.nsbox.plan.StepLaunch step) {
                            System.out.println("step " + index + " " + step.name());
                        }
                    }, new Sandbox.Options(Duration.ofSeconds(5), true));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            r.messages().forEach(m -> System.out.println("message: " + m));
            System.out.println("run " + i + " exit " + r.exitCode() + " ms " + ms);
            last = r.exitCode();
        }
        System.out.println("where: " + runner.where(plan));
        System.out.flush();
        System.exit(last);
    }

    /** N runs at once, as Maven -T runs modules: each its own sandbox in the one helper. */
    private static void parallel(SandboxRunner runner, Plan plan, int n) throws InterruptedException {
        List<Thread> threads = new java.util.ArrayList<>();
        int[] exits = new int[n];
        for (int i = 0; i < n; i++) {
            int k = i;
            Thread t = new Thread(() -> {
                RunResult r = runner.run(plan, StepIO.lines(l -> System.out.println("out " + k + ": " + l),
                        l -> System.out.println("err " + k + ": " + l)), new Listener() {
                            @Override
                            public void helperStarted(String helper, Duration took) {
                                System.out.println("helper started: " + helper);
                            }
                        },
                        new Sandbox.Options(Duration.ofSeconds(5), true));
                exits[k] = r.exitCode();
                System.out.println("run " + k + " exit " + r.exitCode());
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("where: " + runner.where(plan));
        System.out.flush();
        System.exit(java.util.Arrays.stream(exits).max().orElse(0));
    }
}
