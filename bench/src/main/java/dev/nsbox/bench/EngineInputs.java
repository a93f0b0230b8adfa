package dev.nsbox.bench;

import dev.nsbox.plan.HostView;

import java.util.Map;
import java.util.Optional;

/**
 * Synthetic inputs for the engine's own work (measurement 4): a spec with many read-only binds,
 * a mount table of many entries, and a host on which every path is a directory. Deterministic;
 * touches nothing.
 */
final class EngineInputs {

    private EngineInputs() {
    }

    /** A spec like the warm-start one, with {@code binds} read-only binds of /bench/src/dNNNN. */
    static String spec(int binds) {
        StringBuilder s = new StringBuilder(binds * 80 + 400);
        s.append("version: 1\nname: bench-engine\nnamespaces: [mount, pid, net, uts, ipc]\npropagation: rprivate\n")
                .append("mounts:\n");
        for (int i = 0; i < binds; i++) {
            String d = String.format("/bench/src/d%04d", i);
            s.append("  - {type: bind, source: ").append(d).append(", target: ").append(d).append(", readOnly: true}\n");
        }
        s.append("  - {type: tmpfs, target: /tmp}\n  - {type: proc, target: /proc}\n")
                .append("steps:\n  - {name: \"true\", run: [\"true\"], cwd: /}\n");
        return s.toString();
    }

    /**
     * A mountinfo text of {@code entries} lines shaped like a systemd host's: {@code /} shared,
     * {@code /proc}, {@code /tmp}, {@code /bench}, then mounts under {@code /mnt}, every tenth in
     * a peer group of its own and every seventh a slave, each under the previous one now and
     * then so that the tree has depth.
     */
    static String mountinfo(int entries) {
        StringBuilder s = new StringBuilder(entries * 90);
        s.append("1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
        s.append("2 1 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw\n");
        s.append("3 1 0:21 / /tmp rw,nosuid,nodev shared:3 - tmpfs tmpfs rw\n");
        s.append("4 1 8:2 / /bench rw,relatime shared:4 - ext4 /dev/sda2 rw\n");
        int parent = 1;
        String parentPath = "/mnt";
        for (int id = 5; id <= entries; id++) {
            String path;
            int p;
            if (id % 5 == 0 && id > 5) {
                p = parent;
                path = parentPath + "/sub" + id;
            } else {
                p = 1;
                path = "/mnt/m" + id;
                parent = id;
                parentPath = path;
            }
            String opt = id % 10 == 0 ? "shared:" + id : id % 7 == 0 ? "master:1" : "";
            s.append(id).append(' ').append(p).append(" 0:").append(100 + id).append(" / ").append(path)
                    .append(" rw,relatime ").append(opt).append(opt.isEmpty() ? "" : " ")
                    .append("- tmpfs tmpfs rw\n");
        }
        return s.toString();
    }

    /** A host on which every path is a directory and nothing is a symlink; privileged. */
    static HostView host() {
        return new HostView() {
            @Override
            public Kind kind(String absolutePath) {
                return Kind.DIRECTORY;
            }

            @Override
            public Optional<String> resolve(String absolutePath) {
                return Optional.of(absolutePath);
            }

            @Override
            public Map<String, String> environment() {
                return Map.of("PATH", "/usr/bin:/bin");
            }

            @Override
            public String cwd() {
                return "/bench";
            }

            @Override
            public boolean privileged() {
                return true;
            }
        };
    }
}
