package dev.nsbox.mounts;

/** A refusal the kernel would give, with the errno name and the reason in a sentence. */
public final class Refused extends RuntimeException {
    private final String errno;

    public Refused(String errno, String reason) {
        super(reason);
        this.errno = errno;
    }

    /** {@code EINVAL}, {@code EBUSY}, {@code ENOENT}. */
    public String errno() {
        return errno;
    }
}
