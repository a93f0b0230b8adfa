package dev.nsbox.cgroups;

import java.io.IOException;

/**
 * Every file access of this package, by the path the kernel knows ({@code /sys/fs/cgroup/...},
 * {@code /proc/self/cgroup}), so that tests can answer it from a directory tree and check which
 * file got which value. {@link #live()} is the machine itself.
 */
public interface CgroupFs {

    /** The whole text of {@code path}. */
    String read(String path) throws IOException;

    /**
     * Writes {@code value} to the existing file {@code path} in one write(2) call, without
     * creating it: a cgroup interface file that is missing means the kernel lacks the feature.
     */
    void write(String path, String value) throws IOException;

    /** mkdir(2) with mode 0755; the kernel fills a new cgroup directory with its interface files. */
    void mkdir(String path) throws IOException;

    /** rmdir(2); a cgroup directory goes away with its interface files, and only when empty of processes. */
    void rmdir(String path) throws IOException;

    /** Whether {@code path} exists. */
    boolean exists(String path);

    /** The uid that owns {@code path}. */
    int owner(String path) throws IOException;

    /** Whether this process may write {@code path} (access(2) with W_OK). */
    boolean writable(String path);

    /** The uid this process acts as (its effective uid). */
    int uid();

    /** The files of this machine. */
    static CgroupFs live() {
        return LiveCgroupFs.INSTANCE;
    }
}
