package dev.nsbox.plan;

import dev.nsbox.host.Rootless;
import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.yaml.LoadedSpec;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a caller without CAP_SYS_ADMIN gets: the examples planned in a user namespace, and each
 * limit of a user namespace found before anything runs ({@link Rootless#limits}, without the
 * machine probe, so that these tests need no privilege and no particular machine).
 */
class RootlessPlanTest {

    private static final Kernel KERNEL = Kernel.of(6, 18);
    private static final String HOST = """
            20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            21 20 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw
            22 20 0:6 / /sys rw,nosuid,nodev,noexec,relatime shared:3 - sysfs sysfs rw
            23 22 0:7 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw
            24 20 0:8 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw
            25 20 8:2 / /opt ro,nosuid,relatime shared:6 - ext4 /dev/sda2 ro
            """;

    private static LoadedSpec spec(String yaml) throws Exception {
        return SpecLoader.load(yaml, "t.yaml", Path.of("/work/project"), Map.of("basedir", "/work/project",
                "user.home", "/home/dev", "cwd", "/work/project"));
    }

    private static List<String> limits(String yaml, String table) throws Exception {
        Plan plan = Planner.plan(spec(yaml).spec(), new FakeHost().dir("/opt").unprivileged());
        return Rootless.limits(plan, MountTable.parse(table), Map.of(), false).stream().map(Diagnostic::format).toList();
    }

    @Test
    void procWithoutPidIsRefusedWithTheFix() throws Exception {
        List<String> l = limits("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: proc, target: /proc}\n", HOST);
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).startsWith("t.yaml:4:5: error: mounts[0] (proc on /proc): in a user namespace"), l.get(0));
        assertTrue(l.get(0).contains("add pid to namespaces"), l.get(0));
    }

    @Test
    void sysfsWithoutNetIsRefusedWithTheFix() throws Exception {
        List<String> l = limits("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: sysfs, target: /sys}\n", HOST);
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).contains("add net to namespaces"), l.get(0));
    }

    @Test
    void procAndSysfsWithTheirNamespacesAreFine() throws Exception {
        assertEquals(List.of(), limits("version: 1\nnamespaces: [mount, pid, net]\nmounts:\n"
                + "  - {type: proc, target: /proc}\n  - {type: sysfs, target: /sys}\n", HOST));
    }

    @Test
    void aProcOverMountedByAContainerIsRefused() throws Exception {
        String container = HOST + "30 21 0:9 /null /proc/kcore rw,nosuid - devtmpfs udev rw\n"
                + "31 21 0:5 /sys /proc/sys ro,nosuid,nodev,noexec - proc proc rw\n";
        List<String> l = limits("version: 1\nnamespaces: [mount, pid]\nmounts:\n  - {type: proc, target: /proc}\n",
                container);
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).contains("the host's /proc is partly covered (devtmpfs on /proc/kcore)"), l.get(0));
    }

    @Test
    void aMountOnAPermanentlyEmptyDirectoryDoesNotHideProc() throws Exception {
        String binfmt = HOST + "30 21 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n";
        assertEquals(List.of(), limits("version: 1\nnamespaces: [mount, pid]\nmounts:\n"
                + "  - {type: proc, target: /proc}\n", binfmt));
    }

    @Test
    void aRemountThatClearsAFlagTheHostSetIsRefused() throws Exception {
        List<String> l = limits("version: 1\nnamespaces: [mount]\nmounts:\n"
                + "  - {type: remount, target: /opt, readOnly: false, nosuid: false}\n", HOST);
        assertEquals(1, l.size(), l.toString());
        assertTrue(l.get(0).contains("readOnly: false (the host mounted it ro), nosuid: false would clear a flag of /opt"),
                l.get(0));
    }

    @Test
    void aPrivilegedCallerHasNoneOfTheseLimits() throws Exception {
        Plan plan = Planner.plan(spec("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: proc, target: /proc}\n")
                .spec(), new FakeHost());
        assertEquals(List.of(), Rootless.limits(plan, MountTable.parse(HOST), Map.of(), false));
    }

    /**
     * In a user namespace every example, the pitfall included, is sealed: mounts copied from the
     * host into a mount namespace owned by a new user namespace become slaves.
     */
    @TestFactory
    Stream<DynamicTest> everyExamplePlannedRootlessIsSealedAndWithinTheLimits() throws IOException {
        return ExampleSpecsTest.examples().stream().map(spec -> DynamicTest.dynamicTest(spec.getFileName().toString(),
                () -> {
                    Plan plan = HostEffectPredictor.predict(Planner.plan(ExampleSpecsTest.load(spec).spec(),
                            ExampleSpecsTest.host().unprivileged()), ExampleSpecsTest.systemdHost(), KERNEL);
                    assertTrue(Rootless.needsUserNamespace(plan));
                    assertEquals(List.of(), plan.hostEffects());
                    assertEquals(List.of(), Rootless.limits(plan, ExampleSpecsTest.systemdHost(), Map.of(), false));
                }));
    }
}
