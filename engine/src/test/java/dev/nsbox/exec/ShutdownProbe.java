package dev.nsbox.exec;

import java.time.Duration;

/**
 * A JVM that runs a sandbox and exits in the middle of its step (as Maven does on Ctrl-C), for
 * {@link SandboxShutdownTest}. Arguments: the marker of the step's background sleep, and the
 * file the step's SIGTERM trap writes.
 */
public final class ShutdownProbe {

    private ShutdownProbe() {
    }

    public static void main(String[] args) throws Exception {
        String marker = args[0];
        String file = args[1];
        var plan = TestPlans.allNamespaces().proc("/proc", 0)
                .shell("trap 'echo term > " + file + "; exit 0' TERM; sleep " + marker + " & echo ready; wait").build();
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        Sandbox box = new Sandbox(plan, StepIO.lines(line -> {
            System.out.println(line);
            ready.countDown();
        }, System.err::println), Listener.NONE, new Sandbox.Options(Duration.ofSeconds(5), true));
        Thread t = new Thread(box::run, "run");
        t.start();
        ready.await();
        System.exit(0);
    }
}
