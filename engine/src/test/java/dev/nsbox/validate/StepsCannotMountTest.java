package dev.nsbox.validate;

import dev.nsbox.testing.Privileges;
import dev.nsbox.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why the check {@code steps-may-mount-on-shared-tree} lets {@code propagation: unchanged}
 * with {@code hostEffects: deny} through when the spec keeps no capability: its steps cannot
 * mount. Run as root, in a mount namespace nested in this test JVM's scratch one with every
 * mount shared (as systemd makes a host's), which stands for the host here. The control keeps
 * CAP_SYS_ADMIN with host effects allowed, and shows that the same mount would reach it.
 */
@Timeout(120)
class StepsCannotMountTest {

    @TempDir
    Path dir;

    /**
     * Runs the spec with {@code process} in a nested shared namespace; the step mounts a tmpfs
     * named {@code source} on {@code dir/target}. Returns the result, whose output ends with the
     * number of mounts of that name the nested namespace ("the host") has afterwards.
     */
    private Processes.Result run(String process, String hostEffects, String source) throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        Path spec = Files.writeString(dir.resolve("nsbox.yaml"), "version: 1\n"
                + "namespaces: [mount, pid]\n"
                + "propagation: unchanged\n"
                + "hostEffects: " + hostEffects + "\n"
                + process
                + "steps:\n"
                + "  - shell: mount -t tmpfs " + source + " " + target + "; echo mount-exit=$?\n");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "shared", "--",
                "sh", "-c", "\"$@\"; echo nsbox-exit=$?; grep -c ' " + source + " ' /proc/self/mountinfo", "sh"));
        cmd.addAll(Processes.nsbox("run", spec.toString()));
        return Processes.Result.of(new ProcessBuilder(cmd).start());
    }

    private static String source() {
        return "nsbox-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    @Test
    void aStepWithoutCapabilitiesCannotMountOnASharedTree() throws Exception {
        Privileges.assumeScratchRoot();
        String source = source();
        Processes.Result r = run("", "deny", source);
        assertTrue(r.out().contains("mount-exit=") && !r.out().contains("mount-exit=0\n"), r.toString());
        assertTrue(r.out().contains("nsbox-exit=0\n"), r.toString());
        assertTrue(r.out().endsWith("\n0\n"), "the mount reached the host:\n" + r);
    }

    @Test
    void theSameMountWithCapSysAdminReachesTheHost() throws Exception {
        Privileges.assumeScratchRoot();
        String source = source();
        Processes.Result r = run("process: {capabilities: [CAP_SYS_ADMIN]}\n", "allow", source);
        assertTrue(r.out().contains("mount-exit=0\n"), r.toString());
        assertTrue(r.out().endsWith("\n1\n"), "the control's mount did not reach the host, so the test above "
                + "proves nothing:\n" + r);
    }

    @Test
    void withCapSysAdminAndHostEffectsDeniedTheSpecIsRefusedBeforeAnythingRuns() throws Exception {
        Privileges.assumeScratchRoot();
        String source = source();
        Processes.Result r = run("process: {capabilities: [CAP_SYS_ADMIN]}\n", "deny", source);
        assertTrue(r.out().contains("nsbox-exit=1\n") && !r.out().contains("mount-exit"), r.toString());
        assertTrue(r.err().contains(":3:14: error: propagation unchanged keeps the sandbox's mounts shared with the "
                + "host, and process.capabilities keeps CAP_SYS_ADMIN"), r.toString());
        assertEquals("0", r.out().strip().lines().reduce((a, b) -> b).orElse(""), r.toString());
    }
}
