package dev.nsbox.fuzz;

import dev.nsbox.plan.Flags;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * One step of building a random "host" mount tree, as a shell command (for a reproduction by
 * hand under {@code unshare --mount --propagation private}) and as the system call the
 * differential test makes. Paths may contain {@code $B}, the scratch base directory.
 */
record HostSetup(String kind, String a, String b, boolean rec, String type) {

    /** Directories made in every new tmpfs of the host tree, and the file made beside them. */
    static final List<String> DIRS = List.of("a", "b", "c");
    static final String FILE = "f";

    static HostSetup rshareRoot() {
        return new HostSetup("rshare-root", "/", null, true, "shared");
    }

    static HostSetup tmpfs(String target) {
        return new HostSetup("tmpfs", target, null, false, null);
    }

    static HostSetup bind(String source, String target, boolean rec) {
        return new HostSetup("bind", source, target, rec, null);
    }

    static HostSetup make(String path, String type, boolean rec) {
        return new HostSetup("make", path, null, rec, type);
    }

    static HostSetup umount(String path) {
        return new HostSetup("umount", path, null, false, null);
    }

    String shell() {
        return switch (kind) {
            case "rshare-root" -> "mount --make-rshared /";
            case "tmpfs" -> "mount -t tmpfs tmpfs " + a + " && mkdir " + a + "/a " + a + "/b " + a + "/c && touch "
                    + a + "/f";
            case "bind" -> "mount " + (rec ? "--rbind " : "--bind ") + a + " " + b;
            case "make" -> "mount --make-" + (rec ? "r" : "") + type + " " + a;
            case "umount" -> "umount -l " + a;
            default -> throw new IllegalStateException(kind);
        };
    }

    /** Makes the call; false when the kernel refused it (the step is then simply absent). */
    boolean apply(Sys sys, String base) {
        String x = a.replace("$B", base);
        String y = b == null ? null : b.replace("$B", base);
        try {
            switch (kind) {
                case "rshare-root" -> sys.mount("none", "/", null, Flags.MS_REC | Flags.MS_SHARED, null, shell());
                case "tmpfs" -> {
                    sys.mount("tmpfs", x, "tmpfs", 0, "size=1m", shell());
                    for (String d : DIRS) {
                        Files.createDirectory(Path.of(x, d));
                    }
                    Files.createFile(Path.of(x, FILE));
                }
                case "bind" -> sys.mount(x, y, null, Flags.MS_BIND | (rec ? Flags.MS_REC : 0), null, shell());
                case "make" -> sys.mount("none", x, null, flag(type) | (rec ? Flags.MS_REC : 0), null, shell());
                case "umount" -> sys.umount2(x, 2 /* MNT_DETACH */, shell());
                default -> throw new IllegalStateException(kind);
            }
            return true;
        } catch (SyscallException | IOException e) {
            return false;
        }
    }

    static long flag(String type) {
        return switch (type) {
            case "shared" -> Flags.MS_SHARED;
            case "private" -> Flags.MS_PRIVATE;
            case "slave" -> Flags.MS_SLAVE;
            case "unbindable" -> Flags.MS_UNBINDABLE;
            default -> throw new IllegalArgumentException(type);
        };
    }

    static String randomType(Random r) {
        return List.of("shared", "private", "slave", "unbindable").get(r.nextInt(4));
    }
}
