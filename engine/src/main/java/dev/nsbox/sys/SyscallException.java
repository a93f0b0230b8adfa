package dev.nsbox.sys;

import dev.nsbox.spec.Origin;

/**
 * A system call that failed: the call in C syntax with flags by name, its {@code errno}, and,
 * once the executor knows it, the spec value it came from and what was being done. Prints
 * itself in the form of SPEC.md ("Errors and warnings"):
 *
 * <pre>
 * specs/ci.yaml:21:5: error: mounts[3]: cannot mount proc on /proc: mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL): EPERM (Operation not permitted)
 *   hint: a fresh proc needs a new PID namespace; add "pid" to namespaces
 * </pre>
 *
 * <p>Immutable.
 */
public final class SyscallException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;
    private final transient Origin origin;
    private final String doing;

    public SyscallException(String call, int errno) {
        this(call, errno, null, null);
    }

    private SyscallException(String call, int errno, Origin origin, String doing) {
        super(call + ": " + Errnos.describe(errno));
        this.call = call;
        this.errno = errno;
        this.origin = origin;
        this.doing = doing;
    }

    /** The same failure, placed: the spec value it came from and what was being done. */
    public SyscallException at(Origin newOrigin, String newDoing) {
        SyscallException e = new SyscallException(call, errno, newOrigin, newDoing);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The call in C syntax, flags by name. */
    public String call() {
        return call;
    }

    /** The function's name: {@code mount} for {@code mount("proc", ...)}. */
    public String function() {
        int paren = call.indexOf('(');
        return paren < 0 ? call : call.substring(0, paren);
    }

    public int errno() {
        return errno;
    }

    /** {@code EPERM}. */
    public String errnoName() {
        return Errnos.name(errno);
    }

    /** {@code Operation not permitted}. */
    public String errnoText() {
        return Errnos.text(errno);
    }

    /** The spec value the call came from, or {@code null}. */
    public Origin origin() {
        return origin;
    }

    /** What was being done ({@code cannot mount proc on /proc}), or {@code null}. */
    public String doing() {
        return doing;
    }

    /** A hint for this call and errno, or {@code null} (see {@link Hints}). */
    public String hint() {
        return Hints.find(this).map(Hints.Hint::text).orElse(null);
    }

    /**
     * 3 when the failure shows that this machine cannot provide what the spec needs (no
     * privilege, a kernel without the feature), else 125: the sandbox could not be set up.
     */
    public int exitCode() {
        return Hints.find(this).map(Hints.Hint::exitCode).orElse(125);
    }

    /** The error line without position: {@code mounts[3]: cannot mount ...: mount(...): EPERM (...)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (origin != null && !origin.path().isEmpty()) {
            sb.append(origin.path()).append(": ");
        }
        if (doing != null) {
            sb.append(doing).append(": ");
        }
        return sb.append(getMessage()).toString();
    }

    /** The complete message: the compiler-form error line and, where one helps, a hint line. */
    public String format() {
        String where = origin != null ? origin.location() + ": " : "";
        String h = hint();
        return where + "error: " + describe() + (h == null ? "" : "\n  hint: " + h);
    }
}
