package dev.nsbox.cgroups;

import java.io.IOException;

/**
 * A cgroup file access failed: carries the call in C syntax and the kernel's answer, e.g.
 * {@code write("/sys/fs/cgroup/nsbox/cgroup.subtree_control", "+memory"): Device or resource busy}.
 */
public final class CgroupException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;

    public CgroupException(String call, IOException cause) {
        super(call + ": " + reason(cause), cause);
        this.call = call;
    }

    public CgroupException(String call, String reason) {
        super(call + ": " + reason);
        this.call = call;
    }

    /** The call that failed, in C syntax. */
    public String call() {
        return call;
    }

    private static String reason(IOException e) {
        // FileSystemException prefixes the path, which the call already names.
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        return String.valueOf(e.getMessage());
    }
}
