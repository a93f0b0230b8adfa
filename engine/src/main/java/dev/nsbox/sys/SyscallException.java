package dev.nsbox.sys;

import dev.nsbox.spec.ExitCode;
import dev.nsbox.spec.Origin;
import jnr.constants.platform.Errno;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A system call that failed, as data: the {@link Call} it was, the arguments it was given,
 * its {@code errno}, the call as printed (C syntax, flags by name) and, once the executor knows
 * them, the spec value it came from and what was being done. {@link Hints} classifies it by
 * these values, never by the printed text. Prints itself in the compiler form of
 * docs/spec-reference.md ("Diagnostics"):
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

    private final Call function;
    private final String call;
    private final transient Object[] args;
    private final int errno;
    private final transient Origin origin;
    private final String doing;

    /**
     * @param function the function that failed
     * @param call     the call as it is printed: {@code umount2("/x", MNT_DETACH)}
     * @param errno    the errno it set (or, for posix_spawn(3), returned)
     * @param args     the arguments it was given, in the C order: a number as {@link Long} or
     *                 {@link Integer}, a string, or {@code null} for a NULL or an argument not
     *                 kept (a buffer, a descriptor array)
     */
    public SyscallException(Call function, String call, int errno, Object... args) {
        this(function, call, errno, args, null, null);
    }

    private SyscallException(Call function, String call, int errno, Object[] args, Origin origin, String doing) {
        super(call + ": " + Errnos.describe(errno));
        this.function = Objects.requireNonNull(function, "function");
        this.call = call;
        this.errno = errno;
        this.args = args;
        this.origin = origin;
        this.doing = doing;
    }

    /** The same failure, placed: the spec value it came from and what was being done. */
    public SyscallException at(Origin newOrigin, String newDoing) {
        SyscallException e = new SyscallException(function, call, errno, args, newOrigin, newDoing);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /**
     * The same failure of the same call, printed as {@code newCall}: the executor drops what a
     * plan names a call's result ({@code = tree0}) before it shows the call to a user.
     */
    public SyscallException printedAs(String newCall) {
        SyscallException e = new SyscallException(function, newCall, errno, args, origin, doing);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The function that failed. */
    public Call function() {
        return function;
    }

    /** The call in C syntax, flags by name, for people: never parsed. */
    public String call() {
        return call;
    }

    /** The arguments the function was given, in the C order (see the constructor). */
    public List<Object> args() {
        return args == null ? List.of() : Collections.unmodifiableList(Arrays.asList(args));
    }

    /** Argument {@code i} when it is a number, else {@code 0}. */
    public long numberArg(int i) {
        return args != null && i < args.length && args[i] instanceof Number n ? n.longValue() : 0;
    }

    /** Argument {@code i} when it is a string, else {@code null}. */
    public String stringArg(int i) {
        return args != null && i < args.length && args[i] instanceof String s ? s : null;
    }

    /** The errno as a number: {@code 1} for {@code EPERM}. */
    public int errno() {
        return errno;
    }

    /** The errno as jnr-constants names it; {@code __UNKNOWN_CONSTANT__} for a number it does not. */
    public Errno errnoConstant() {
        return Errno.valueOf(errno);
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
     * {@link ExitCode#UNSUPPORTED} when the failure shows that this machine cannot provide what
     * the spec needs (no privilege, a kernel without the feature), else
     * {@link ExitCode#SETUP_FAILED}: the sandbox could not be set up.
     */
    public ExitCode exitCode() {
        return Hints.find(this).map(Hints.Hint::exitCode).orElse(ExitCode.SETUP_FAILED);
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
