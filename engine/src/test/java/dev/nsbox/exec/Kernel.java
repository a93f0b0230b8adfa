package dev.nsbox.exec;

import dev.nsbox.plan.Plan;
import dev.nsbox.plan.StepLaunch;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs plans against the real kernel for tests, capturing output and checking the host. */
final class Kernel {

    private Kernel() {
    }

    record Captured(RunResult result, List<String> out, List<String> err, List<String> events) {
        int exit() {
            return result.exitCode();
        }

        String text() {
            return String.join("\n", out);
        }

        @Override
        public String toString() {
            return result + "\nout: " + out + "\nerr: " + err;
        }
    }

    static Captured run(Plan plan) {
        return run(plan, Duration.ofSeconds(1));
    }

    static Captured run(Plan plan, Duration grace) {
        Captured c = runAllowingHostChanges(plan, grace, null);
        assertEquals(List.of(), c.result().hostChanges(), "the host's mount table must be unchanged");
        return c;
    }

    static Captured runAllowingHostChanges(Plan plan, Duration grace, java.util.function.Consumer<Sandbox> onStart) {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        List<String> err = Collections.synchronizedList(new ArrayList<>());
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        Sandbox[] box = new Sandbox[1];
        box[0] = new Sandbox(plan, StepIO.lines(out::add, err::add), new Listener() {
            @Override
            public void stepStarted(int index, StepLaunch step) {
                events.add("started " + index);
                if (onStart != null) {
                    onStart.accept(box[0]);
                }
            }

            @Override
            public void stepFinished(StepResult result) {
                events.add("finished " + result.index() + " " + result.exitCode());
            }
        }, new Sandbox.Options(grace, false));
        RunResult r = box[0].run();
        return new Captured(r, out, err, events);
    }

    /** Runs a shell command in this JVM's (scratch) mount namespace, for test set-up. */
    static void sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).inheritIO().start();
        assertEquals(0, p.waitFor(), script);
    }
}
