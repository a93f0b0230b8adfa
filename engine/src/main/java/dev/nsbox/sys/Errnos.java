package dev.nsbox.sys;

import jnr.constants.platform.Errno;

/** Names and texts of {@code errno} values: {@code EPERM (Operation not permitted)}. */
public final class Errnos {

    private Errnos() {
    }

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ENOEXEC = 8;
    public static final int ENODEV = 19;
    public static final int EXDEV = 18;

    /** {@code EPERM}, or {@code errno N} for a number this platform does not name. */
    public static String name(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    /** {@code Operation not permitted}, as strerror(3) says it. */
    public static String text(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "Unknown error " + errno : e.description();
    }

    /** {@code EPERM (Operation not permitted)}. */
    public static String describe(int errno) {
        return name(errno) + " (" + text(errno) + ")";
    }
}
