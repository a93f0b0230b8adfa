package dev.nsbox.exec;

import dev.nsbox.plan.Op;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SandboxSmokeTest {

    @Test
    void smoke() {
        Privileges.assumeScratchRoot();
        List<String> out = new ArrayList<>();
        List<String> err = new ArrayList<>();
        var plan = TestPlans.allNamespaces().proc("/proc", 0)
                .op(new Op.SetHostname("box", TestPlans.at(5, "hostname")))
                .op(new Op.LoopbackUp(TestPlans.at(2, "namespaces")))
                .shell("echo pid=$$; hostname; ls /proc | grep -c '^[0-9]'; cat /sys/class/net/lo/operstate; ls /sys/class/net")
                .build();
        RunResult r = new Sandbox(plan, StepIO.lines(out::add, err::add), new Listener() {
            @Override
            public void trace(String line) {
                System.err.println("trace: " + line);
            }
        }, new Sandbox.Options(Duration.ofSeconds(1), false)).run();
        System.err.println(r);
        System.err.println(out);
        System.err.println(err);
        assertEquals(0, r.exitCode());
    }
}
