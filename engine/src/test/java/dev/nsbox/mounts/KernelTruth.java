package dev.nsbox.mounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario on the real kernel and the same scenario in {@link PropagationModel}, so a
 * test can compare the two.
 *
 * <p>Everything happens in a nested mount namespace of its own, started from the test JVM's
 * scratch namespace: {@code unshare --mount --propagation private} (the "host": it makes
 * {@code /} rshared, as systemd does, mounts a scratch tmpfs at {@code $B} and runs the
 * scenario's set-up), and inside it {@code unshare --mount --propagation unchanged} (the
 * "sandbox", a bare CLONE_NEWNS copy) runs the scenario's operations. Both tables are dumped;
 * the model loads the host's table as it was before the sandbox, simulates the same
 * operations, and predicts both tables after. Nothing survives the outer namespace.
 */
final class KernelTruth {

    /** One operation, as a shell command for the kernel and as a call on the model. */
    interface Op {
        String shell(String base);

        void apply(PropagationModel model, MountNamespace ns, String base);
    }

    static Op fresh(String fsType, String source, String target) {
        return new Op() {
            public String shell(String b) {
                return "mount -t " + fsType + " " + source + " " + sub(target, b);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.mountFresh(ns, fsType, source, sub(target, b));
            }
        };
    }

    static Op bind(String source, String target, boolean recursive) {
        return new Op() {
            public String shell(String b) {
                return "mount " + (recursive ? "--rbind " : "--bind ") + sub(source, b) + " " + sub(target, b);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.bind(ns, sub(source, b), sub(target, b), recursive);
            }
        };
    }

    static Op make(String path, PropagationType type, boolean recursive) {
        return new Op() {
            public String shell(String b) {
                return "mount --make-" + (recursive ? "r" : "") + type.name().toLowerCase() + " " + sub(path, b);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.setPropagation(ns, sub(path, b), type, recursive);
            }
        };
    }

    static Op umount(String path, boolean detach) {
        return new Op() {
            public String shell(String b) {
                return "umount " + (detach ? "-l " : "") + sub(path, b);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.umount(ns, sub(path, b), detach);
            }
        };
    }

    /** open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]) + move_mount(2), the way the executor binds. */
    static Op cloneAndMove(String source, String target, boolean recursive) {
        return new Op() {
            public String shell(String b) {
                return PYTHON + " -c '" + OPEN_TREE_MOVE + "' " + sub(source, b) + " " + sub(target, b) + " "
                        + (recursive ? 1 : 0);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                MountNamespace tree = m.openTree(ns, sub(source, b), recursive, "tree");
                m.moveMount(tree, ns, sub(target, b));
            }
        };
    }

    /**
     * open_tree(2) + mount_setattr(2) with a propagation type on the detached tree (recursively
     * with {@code recursive}) + move_mount(2).
     */
    static Op cloneSetAndMove(String source, String target, boolean recursive, PropagationType type) {
        long flag = switch (type) {
            case SHARED -> 1L << 20;
            case SLAVE -> 1L << 19;
            case PRIVATE -> 1L << 18;
            case UNBINDABLE -> 1L << 17;
        };
        return new Op() {
            public String shell(String b) {
                return PYTHON + " -c '" + OPEN_TREE_SETATTR_MOVE + "' " + sub(source, b) + " " + sub(target, b) + " "
                        + (recursive ? 1 : 0) + " " + flag;
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                MountNamespace tree = m.openTree(ns, sub(source, b), recursive, "tree");
                m.setPropagation(m.treeRoot(tree), type, recursive);
                m.moveMount(tree, ns, sub(target, b));
            }
        };
    }

    static Op chdir(String path) {
        return new Op() {
            public String shell(String b) {
                return "cd " + sub(path, b);
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.chdir(ns, sub(path, b));
            }
        };
    }

    /** pivot_root(".", ".") from the current directory, the runc idiom. */
    static Op pivotRootDot() {
        return new Op() {
            public String shell(String b) {
                return "pivot_root . .";
            }

            public void apply(PropagationModel m, MountNamespace ns, String b) {
                m.pivotRoot(ns, ".", ".");
            }
        };
    }

    static final String PYTHON = "/usr/bin/python3";

    private static final String OPEN_TREE_SETATTR_MOVE = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "libc.syscall.restype = ctypes.c_long",
            "src, tgt, rec, prop = sys.argv[1], sys.argv[2], sys.argv[3] == \"1\", int(sys.argv[4])",
            "fd = libc.syscall(428, -100, src.encode(), 1 | 0x80000 | (0x8000 if rec else 0))",
            "if fd < 0: sys.exit(\"open_tree: \" + os.strerror(ctypes.get_errno()))",
            "attr = (ctypes.c_uint64 * 4)(0, 0, prop, 0)",
            "r = libc.syscall(442, fd, b\"\", 0x1000 | (0x8000 if rec else 0), ctypes.byref(attr), 32)",
            "if r < 0: sys.exit(\"mount_setattr: \" + os.strerror(ctypes.get_errno()))",
            "r = libc.syscall(429, fd, b\"\", -100, tgt.encode(), 4)",
            "if r < 0: sys.exit(\"move_mount: \" + os.strerror(ctypes.get_errno()))");

    private static final String OPEN_TREE_MOVE = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "libc.syscall.restype = ctypes.c_long",
            "src, tgt, rec = sys.argv[1], sys.argv[2], sys.argv[3] == \"1\"",
            "fd = libc.syscall(428, -100, src.encode(), 1 | 0x80000 | (0x8000 if rec else 0))",
            "if fd < 0: sys.exit(\"open_tree: \" + os.strerror(ctypes.get_errno()))",
            "r = libc.syscall(429, fd, b\"\", -100, tgt.encode(), 4)",
            "if r < 0: sys.exit(\"move_mount: \" + os.strerror(ctypes.get_errno()))");

    static String sub(String s, String base) {
        String dir = base.substring(0, base.lastIndexOf('/'));
        return s.replace("$B", base).replace("$D", dir);
    }

    /** What the kernel did, and what the model predicted. */
    record Outcome(MountTable hostBefore, MountTable hostAfter, MountTable sandboxAfter, List<Boolean> kernelOk,
                   MountTable predictedHost, MountTable predictedSandbox, List<Boolean> modelOk,
                   PropagationModel model, String base) {

        /** The host's mounts under {@code $B} (and on /proc), canonical, as the kernel left them. */
        List<String> kernelHost() {
            return canonical(hostAfter, hostBefore, base, List.of(hostAfter, sandboxAfter));
        }

        List<String> modelHost() {
            return canonical(predictedHost, hostBefore, base, List.of(predictedHost, predictedSandbox));
        }

        List<String> kernelSandbox() {
            return canonical(sandboxAfter, hostBefore, base, List.of(hostAfter, sandboxAfter));
        }

        List<String> canonicalBefore() {
            return canonical(hostBefore, hostBefore, base, List.of(hostBefore));
        }

        List<String> modelSandbox() {
            return canonical(predictedSandbox, hostBefore, base, List.of(predictedHost, predictedSandbox));
        }
    }

    /**
     * Runs {@code setup} in the host namespace (after {@code mount --make-rshared /} and a
     * tmpfs on {@code $B}), then {@code ops} in the sandbox namespace, each op allowed to fail.
     */
    static Outcome run(List<String> setup, List<Op> ops, boolean userNamespace) throws IOException, InterruptedException {
        return run(setup, ops, userNamespace, List.of());
    }

    /** The same, with {@code hostActivity} run in the host namespace after the sandbox's operations. */
    static Outcome run(List<String> setup, List<Op> ops, boolean userNamespace, List<String> hostActivity)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nsbox-truth");
        try {
            Path b = dir.resolve("b");
            Files.createDirectories(b);
            String base = b.toString();
            StringBuilder inner = new StringBuilder();
            for (Op op : ops) {
                inner.append("if ").append(op.shell(base)).append("; then echo ok; else echo fail; fi >> ")
                        .append(dir.resolve("status")).append("\n");
            }
            inner.append("cat /proc/self/mountinfo > ").append(dir.resolve("sandbox")).append("\n");
            // open_tree(2), mount_setattr(2) and move_mount(2) have no shell command: a few lines of
            // Python call them.
            org.junit.jupiter.api.Assumptions.assumeTrue(!inner.toString().contains(PYTHON)
                    || Files.isExecutable(Path.of(PYTHON)), "needs " + PYTHON + " to call open_tree(2) and move_mount(2)");
            Files.writeString(dir.resolve("inner.sh"), inner.toString());
            StringBuilder outer = new StringBuilder("set -e\nmount --make-rshared /\n");
            outer.append("mount -t tmpfs base ").append(base).append("\n");
            for (String s : setup) {
                outer.append(sub(s, base)).append("\n");
            }
            outer.append("cat /proc/self/mountinfo > ").append(dir.resolve("before")).append("\n");
            outer.append("unshare --mount --propagation unchanged ")
                    .append(userNamespace ? "--user --map-root-user " : "")
                    .append("sh ").append(dir.resolve("inner.sh")).append("\n");
            for (String s : hostActivity) {
                outer.append(sub(s, base)).append("\n");
            }
            outer.append("cat /proc/self/mountinfo > ").append(dir.resolve("after")).append("\n");
            Files.writeString(dir.resolve("outer.sh"), outer.toString());
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh",
                    dir.resolve("outer.sh").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("scenario failed: " + out + "\n" + outer + "\n" + inner);
            }
            MountTable before = MountTable.parse(Files.readString(dir.resolve("before")));
            MountTable after = MountTable.parse(Files.readString(dir.resolve("after")));
            MountTable sandbox = MountTable.parse(Files.readString(dir.resolve("sandbox")));
            List<Boolean> kernelOk = Files.exists(dir.resolve("status"))
                    ? Files.readAllLines(dir.resolve("status")).stream().map("ok"::equals).toList() : List.of();

            PropagationModel model = new PropagationModel(
                    Kernel.ofRelease(System.getProperty("os.version")));
            MountNamespace host = model.load("host", before);
            MountNamespace sbx = model.unshare(host, "sandbox", userNamespace);
            List<Boolean> modelOk = new ArrayList<>();
            for (Op op : ops) {
                try {
                    op.apply(model, sbx, base);
                    modelOk.add(true);
                } catch (Refused e) {
                    modelOk.add(false);
                }
            }
            return new Outcome(before, after, sandbox, kernelOk, model.table(host), model.table(sbx), modelOk, model,
                    base);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    /**
     * The mounts of {@code t} at or under {@code base} or on {@code /proc}, one line each,
     * sorted: mount point, parent's mount point, type, source, root, and propagation. Peer
     * groups that existed before keep their numbers; new ones (whose numbers the kernel and the
     * model choose differently) are named by their first member's mount point.
     */
    static List<String> canonical(MountTable t, MountTable before, String base, List<MountTable> all) {
        java.util.Set<Integer> old = new java.util.HashSet<>();
        for (MountInfo m : before.mounts()) {
            old.add(m.sharedGroup());
            old.add(m.masterGroup());
        }
        Map<Integer, String> names = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            for (MountInfo m : all.get(i).mounts()) {
                int g = m.sharedGroup();
                if (g != 0 && !old.contains(g)) {
                    String key = (i == 0 ? "host:" : "sandbox:") + m.mountPoint() + "#" + m.root();
                    names.merge(g, key, (a, c) -> a.compareTo(c) <= 0 ? a : c);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (MountInfo m : t.mounts()) {
            String dir = base.substring(0, base.lastIndexOf('/'));
            if (!MountTable.isPrefix(dir, m.mountPoint()) && !m.mountPoint().equals("/proc")) {
                continue;
            }
            String parent = t.byId(m.parentId()).map(MountInfo::mountPoint).orElse("?");
            String prop = "";
            if (m.sharedGroup() != 0) {
                prop += " shared:" + names.getOrDefault(m.sharedGroup(), String.valueOf(m.sharedGroup()));
            }
            if (m.masterGroup() != 0) {
                prop += " master:" + names.getOrDefault(m.masterGroup(),
                        old.contains(m.masterGroup()) ? String.valueOf(m.masterGroup()) : "gone");
            }
            if (m.unbindable()) {
                prop += " unbindable";
            }
            out.add(m.mountPoint() + " on " + parent + " " + m.fsType() + " " + m.source() + " "
                    + m.root() + (prop.isEmpty() ? " private" : prop));
        }
        String dir = base.substring(0, base.lastIndexOf('/'));
        out.replaceAll(s -> s.replace(base, "$B").replace(dir, "$D"));
        out.sort(null);
        return out;
    }
}
