package dev.nsbox.cgroups;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A sandbox's own cgroup, made by {@link Cgroups#create}: processes go in, its memory limit's
 * kills can be read, and {@link #close()} kills whatever is left and removes it. On cgroup v1 it
 * is one directory per hierarchy, on v2 one directory.
 *
 * <p>Not thread-safe; closing twice is harmless.
 */
public final class SandboxCgroup implements AutoCloseable {

    /** How long {@link #remove()} and {@link #killAll()} wait for the kernel to empty the cgroup. */
    static final long SETTLE_MILLIS = 2_000;

    private final CgroupFs fs;
    private final CgroupPlan plan;
    private final List<String> directories;
    private boolean closed;

    SandboxCgroup(CgroupFs fs, CgroupPlan plan, List<String> directories) {
        this.fs = fs;
        this.plan = plan;
        this.directories = List.copyOf(directories);
    }

    /** The plan it was made from. */
    public CgroupPlan plan() {
        return plan;
    }

    /** Its directories, one per v1 hierarchy or the one on v2, in the order they were made. */
    public List<String> directories() {
        return directories;
    }

    /** Per controller ({@code memory}, {@code pids}, {@code cpu}), its directory. */
    public Map<String, String> byController() {
        return plan.directories();
    }

    /**
     * Moves the process {@code pid} (all its threads) into this cgroup, in every hierarchy: one
     * write to each directory's {@code cgroup.procs}. Its children forked afterwards start here.
     */
    public void addProcess(long pid) throws IOException {
        for (String d : directories) {
            String call = "write(\"" + d + "/cgroup.procs\", \"" + pid + "\")";
            try {
                fs.write(d + "/cgroup.procs", Long.toString(pid));
            } catch (IOException e) {
                throw new CgroupException(call, e);
            }
        }
    }

    /** The pids in it now, in every hierarchy. */
    public Set<Long> pids() throws IOException {
        Set<Long> all = new LinkedHashSet<>();
        for (String d : directories) {
            all.addAll(pids(fs, d + "/cgroup.procs"));
        }
        return all;
    }

    /**
     * How many processes the memory limit has killed, where the kernel counts them: cgroup v2
     * {@code memory.events} {@code oom_kill}, cgroup v1 {@code memory.oom_control}
     * {@code oom_kill} (Linux 4.13 and later). Empty when there is no memory limit or no count.
     */
    public OptionalLong oomKills() throws IOException {
        String dir = plan.directories().get("memory");
        if (dir == null) {
            return OptionalLong.empty();
        }
        String file = plan.mode().v1() ? dir + "/memory.oom_control" : dir + "/memory.events";
        if (!fs.exists(file)) {
            return OptionalLong.empty();
        }
        return field(fs.read(file), "oom_kill");
    }

    /**
     * Whether the memory limit killed a process here. Where the kernel counts the kills
     * ({@link #oomKills()}) that count decides; an older v1 kernel only tells that the limit was
     * hit ({@code memory.failcnt} above 0) or that the cgroup is out of memory now
     * ({@code memory.oom_control} {@code under_oom 1}), and either counts as a kill then, since
     * the OOM killer is what acts on a v1 cgroup at its limit.
     */
    public boolean killedByMemoryLimit() throws IOException {
        OptionalLong kills = oomKills();
        if (kills.isPresent()) {
            return kills.getAsLong() > 0;
        }
        String dir = plan.directories().get("memory");
        if (dir == null || !plan.mode().v1()) {
            return false;
        }
        if (fs.exists(dir + "/memory.oom_control")
                && field(fs.read(dir + "/memory.oom_control"), "under_oom").orElse(0) > 0) {
            return true;
        }
        return fs.exists(dir + "/memory.failcnt") && Long.parseLong(fs.read(dir + "/memory.failcnt").trim()) > 0;
    }

    /**
     * Kills every process in it and waits until it is empty. cgroup v2 with {@code cgroup.kill}
     * (Linux 5.14) kills them all at once, forks in flight included; elsewhere each pid listed
     * gets SIGKILL, round after round, until none is left, since a process may fork between the
     * read and the kill.
     *
     * @throws CgroupException when processes remain after {@link #SETTLE_MILLIS}
     */
    public void killAll() throws IOException {
        if (!plan.mode().v1()) {
            for (String d : directories) {
                if (fs.exists(d + "/cgroup.kill")) {
                    try {
                        fs.write(d + "/cgroup.kill", "1");
                    } catch (IOException e) {
                        throw new CgroupException("write(\"" + d + "/cgroup.kill\", \"1\")", e);
                    }
                }
            }
        }
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        while (true) {
            Set<Long> left = pids();
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new CgroupException("kill(PID, SIGKILL) for each PID in " + directories,
                        "processes remain: " + left);
            }
            for (long pid : left) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            sleep();
        }
    }

    /**
     * Removes its directories, deepest hierarchy last made first. rmdir(2) answers EBUSY while a
     * process that was killed has not been reaped yet, so each is retried for
     * {@link #SETTLE_MILLIS}.
     */
    public void remove() throws IOException {
        List<String> order = new ArrayList<>(directories);
        java.util.Collections.reverse(order);
        IOException first = null;
        for (String d : order) {
            long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
            while (fs.exists(d)) {
                try {
                    fs.rmdir(d);
                } catch (java.nio.file.NoSuchFileException gone) {
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        CgroupException c = new CgroupException("rmdir(\"" + d + "\")", e);
                        if (first == null) {
                            first = c;
                        } else {
                            first.addSuppressed(c);
                        }
                        break;
                    }
                    sleep();
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@link #killAll()}, then {@link #remove()}; does nothing the second time. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            killAll();
        } catch (IOException e) {
            failure = e;
        }
        try {
            remove();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static List<Long> pids(CgroupFs fs, String procsFile) throws IOException {
        List<Long> pids = new ArrayList<>();
        String text;
        try {
            text = fs.read(procsFile);
        } catch (java.nio.file.NoSuchFileException e) {
            return pids;
        }
        for (String l : text.split("\n")) {
            if (!l.isBlank()) {
                pids.add(Long.parseLong(l.trim()));
            }
        }
        return pids;
    }

    /** The number after {@code key} in a flat keyed file ({@code oom_kill 3}). */
    static OptionalLong field(String text, String key) {
        for (String l : text.split("\n")) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 2 && f[0].equals(key)) {
                return OptionalLong.of(Long.parseLong(f[1]));
            }
        }
        return OptionalLong.empty();
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while a cgroup empties");
        }
    }
}
