package dev.nsbox.bench;

import dev.nsbox.host.HostConfinement;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.seccomp.SeccompFilter;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.spec.Capability;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What each side of a comparison runs: nsbox's specs and the peers' command lines. One place,
 * so that the report and the measurement cannot disagree.
 */
final class Commands {

    private Commands() {
    }

    private static final List<String> BWRAP_NAMESPACES =
            List.of("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts");

    /** The warm-start spec: mount pid net uts ipc, rprivate, ro bind of src, tmpfs /tmp, proc. */
    static String warmSpec(Path src) {
        return "version: 1\n"
                + "name: bench-warm\n"
                + "namespaces: [mount, pid, net, uts, ipc]\n"
                + "propagation: rprivate\n"
                + "mounts:\n"
                + "  - {type: bind, source: \"" + src + "\", target: \"" + src + "\", readOnly: true}\n"
                + "  - {type: tmpfs, target: /tmp}\n"
                + "  - {type: proc, target: /proc}\n"
                + "steps:\n"
                + "  - {name: \"true\", run: [\"true\"], cwd: /}\n";
    }

    static List<String> bwrapWarm(Path src) {
        List<String> c = new ArrayList<>(List.of("bwrap", "--bind", "/", "/"));
        c.addAll(BWRAP_NAMESPACES);
        c.addAll(List.of("--ro-bind", src.toString(), src.toString(), "--tmpfs", "/tmp", "--proc", "/proc", "true"));
        return c;
    }

    static List<String> unshareWarm(Path src) {
        return List.of("unshare", "--mount", "--pid", "--net", "--uts", "--ipc", "--fork", "--propagation", "private",
                "--mount-proc", "sh", "-c",
                "mount --rbind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && mount -t tmpfs tmpfs /tmp && exec true",
                "sh", src.toString());
    }

    static List<String> unshareBare() {
        return List.of("unshare", "--mount", "--pid", "--net", "--uts", "--ipc", "--fork", "--mount-proc", "true");
    }

    static String scalingSpec(List<Path> dirs) {
        StringBuilder s = new StringBuilder("version: 1\nname: bench-scaling\nnamespaces: [mount, pid, net, uts, ipc]\n"
                + "propagation: rprivate\nmounts:\n");
        for (Path d : dirs) {
            s.append("  - {type: bind, source: \"").append(d).append("\", target: \"").append(d)
                    .append("\", readOnly: true}\n");
        }
        s.append("  - {type: proc, target: /proc}\nsteps:\n  - {name: \"true\", run: [\"true\"], cwd: /}\n");
        return s.toString();
    }

    static List<String> bwrapScaling(List<Path> dirs) {
        List<String> c = new ArrayList<>(List.of("bwrap", "--bind", "/", "/"));
        c.addAll(BWRAP_NAMESPACES);
        for (Path d : dirs) {
            c.addAll(List.of("--ro-bind", d.toString(), d.toString()));
        }
        c.addAll(List.of("--proc", "/proc", "true"));
        return c;
    }

    static final String BWRAP_SECURE = "bwrap, comparable security";

    /**
     * bwrap with the features closest to nsbox's defaults; the compiled filter comes on standard
     * input ({@code --seccomp 0}: bwrap reads the program from that descriptor).
     */
    static List<String> bwrapSecure() {
        return List.of("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
                "--proc", "/proc", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--seccomp", "0", "true");
    }

    /** nsbox's default system-call filter for this machine, for a step that keeps no capability. */
    static SeccompFilter defaultFilter() {
        SeccompArch arch = SeccompArch.current().orElseThrow(
                () -> new IllegalStateException("no seccomp table for " + System.getProperty("os.arch")));
        return SeccompFilter.of(new SeccompPolicy.Default(), Set.of(), arch).orElseThrow();
    }

    /** The capabilities this JVM holds (its effective set, /proc/self/status), as nsbox names them. */
    static List<String> heldCapabilities() throws IOException {
        long mask = HostConfinement.ownCapabilitySet("CapEff")
                .orElseThrow(() -> new IOException("/proc/self/status has no readable CapEff line"));
        return Capability.fromMask(mask).stream().map(Enum::name).sorted().toList();
    }

    static String shown(List<String> command) {
        StringBuilder s = new StringBuilder();
        for (String a : command) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(a.matches("[A-Za-z0-9_./=:,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return s.toString();
    }
}
