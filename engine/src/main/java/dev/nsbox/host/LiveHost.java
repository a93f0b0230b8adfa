package dev.nsbox.host;

import dev.nsbox.mounts.MountTable;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.HostView;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The machine as the planner sees it: file kinds read with {@code lstat(2)}, the process's
 * environment and working directory, and {@code CAP_SYS_ADMIN} read from the effective
 * capability set in {@code /proc/self/status}.
 */
public final class LiveHost implements HostView {

    /** Bit of {@code CAP_SYS_ADMIN} in the capability sets (linux/capability.h). */
    private static final int CAP_SYS_ADMIN = 21;

    private final Map<String, String> environment;
    private final String cwd;
    private final boolean privileged;
    private final String userNamespace;
    private List<HostMount> mounts;

    public LiveHost(Map<String, String> environment, String cwd) {
        // nsbox's own relaunch markers describe its processes, not the caller: a step that
        // inherits the environment must see what it would have seen without the relaunch.
        Map<String, String> callers = new java.util.HashMap<>(environment);
        callers.keySet().removeAll(UserNamespaces.INTERNAL_VARIABLES);
        this.environment = Map.copyOf(callers);
        this.cwd = cwd;
        this.privileged = hasCapSysAdmin();
        this.userNamespace = UserNamespaces.entered(environment).map(Object::toString).orElse(null);
    }

    /** This process: its environment and working directory. */
    public static LiveHost current() {
        return new LiveHost(System.getenv(), Path.of("").toAbsolutePath().toString());
    }

    /**
     * The mount table of this process's mount namespace, from {@code /proc/self/mountinfo}
     * (proc(5)).
     *
     * @throws IOException              when it cannot be read
     * @throws IllegalArgumentException when a line of it cannot be parsed
     */
    public static MountTable mountTable() throws IOException {
        return MountTable.parse(Files.readString(Path.of("/proc/self/mountinfo")));
    }

    /**
     * The mounts of this process's namespace, read once: a procfs or sysfs anywhere in it is
     * guarded in a host root. Empty when the table cannot be read or parsed, as the default.
     */
    @Override
    public synchronized List<HostMount> mounts() {
        if (mounts == null) {
            try {
                mounts = mountTable().mounts().stream().map(m -> new HostMount(m.mountPoint(), m.fsType())).toList();
            } catch (IOException | IllegalArgumentException e) {
                mounts = List.of();
            }
        }
        return mounts;
    }

    @Override
    public Kind kind(String absolutePath) {
        try {
            BasicFileAttributes a = Files.readAttributes(Path.of(absolutePath), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return Kind.SYMLINK;
            }
            if (a.isDirectory()) {
                return Kind.DIRECTORY;
            }
            return a.isRegularFile() ? Kind.FILE : Kind.OTHER;
        } catch (IOException | SecurityException e) {
            return Kind.MISSING;
        }
    }

    /**
     * Looks through a detached clone of the mount alone (open_tree(2) with OPEN_TREE_CLONE and
     * without AT_RECURSIVE: no submounts), reached by its descriptor's /proc/self/fd link. The
     * clone is never attached anywhere and goes with the descriptor. An unbindable mount cannot
     * be cloned (__do_loopback: EINVAL); then the clone is made in a mount namespace of a thread
     * of its own, where that namespace's copy of the mount is first made private (MS_PRIVATE
     * clears the unbindable mark of that copy alone and propagates nothing), and the namespace
     * goes with the thread. Needs CAP_SYS_ADMIN; without it, or if the calls fail, it cannot tell.
     */
    @Override
    public Optional<Kind> kindBeneath(String mountPoint, String rest) {
        if (!privileged) {
            return Optional.empty();
        }
        Sys sys;
        try {
            sys = Sys.get();
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
        try {
            return Optional.of(kindInClone(sys, mountPoint, rest));
        } catch (SyscallException e) {
            if (!"EINVAL".equals(e.errnoName())) {
                return Optional.empty();
            }
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
        return inScratchNamespace(sys, mountPoint, rest);
    }

    private Optional<Kind> inScratchNamespace(Sys sys, String mountPoint, String rest) {
        AtomicReference<Kind> found = new AtomicReference<>();
        // A thread of its own: unshare(CLONE_NEWNS) gives it a namespace (and fs_struct) of its
        // own, which no other thread of the JVM sees and which ends with the thread.
        Thread t = new Thread(() -> {
            try {
                sys.unshare(Flags.CLONE_NEWNS, "unshare(CLONE_NEWNS)");
                sys.mount("none", mountPoint, null, Flags.MS_PRIVATE,
                        null, "mount(\"none\", \"" + mountPoint + "\", NULL, MS_PRIVATE, NULL)");
                found.set(kindInClone(sys, mountPoint, rest));
            } catch (SyscallException | RuntimeException | LinkageError e) {
                found.set(null);
            }
        }, "nsbox-kind-beneath");
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return Optional.ofNullable(found.get());
    }

    private Kind kindInClone(Sys sys, String mountPoint, String rest) throws SyscallException {
        int fd = sys.openTree(Flags.AT_FDCWD, mountPoint, Flags.OPEN_TREE_CLONE | Flags.OPEN_TREE_CLOEXEC,
                "open_tree(AT_FDCWD, \"" + mountPoint + "\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)");
        try {
            return kind("/proc/self/fd/" + fd + (rest.isEmpty() || rest.startsWith("/") ? rest : "/" + rest));
        } finally {
            sys.close(fd);
        }
    }

    @Override
    public Optional<String> resolve(String absolutePath) {
        try {
            return Optional.of(Path.of(absolutePath).toRealPath().toString());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public String cwd() {
        return cwd;
    }

    @Override
    public boolean privileged() {
        return privileged;
    }

    @Override
    public String launcherUserNamespace() {
        return userNamespace;
    }

    /** Whether this process holds CAP_SYS_ADMIN in its effective set. */
    public static boolean hasCapSysAdmin() {
        return (HostConfinement.ownCapabilitySet("CapEff").orElse(0) & (1L << CAP_SYS_ADMIN)) != 0;
    }
}
