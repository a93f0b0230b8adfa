package dev.nsbox.sys;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * A scripted fake of {@link LibC}: every call succeeds (returns 0, or a small descriptor for
 * calls that return one, for {@code fcntl(F_DUPFD_CLOEXEC)} one at least the number asked)
 * except those told to fail, which return -1 and set the fake errno. Records every call by
 * name. Needs no privilege and touches nothing.
 */
public final class FakeLibC {

    private record Failure(String function, int errno, int times, Object arg) {
    }

    private final List<Failure> failures = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private int errno;
    private int nextFd = 20;

    /** Makes {@code function} fail with {@code errno} (every time). */
    public FakeLibC fail(String function, int errnoValue) {
        return fail(function, errnoValue, Integer.MAX_VALUE);
    }

    /** Makes {@code function} fail with {@code errno} the next {@code times} calls. */
    public FakeLibC fail(String function, int errnoValue, int times) {
        failures.add(new Failure(function, errnoValue, times, null));
        return this;
    }

    /** Makes {@code function} fail with {@code errno} whenever one of its arguments equals {@code arg}. */
    public FakeLibC failWith(String function, Object arg, int errnoValue) {
        failures.add(new Failure(function, errnoValue, Integer.MAX_VALUE, arg));
        return this;
    }

    public List<String> calls() {
        return calls;
    }

    public Sys sys() {
        LibC libc = (LibC) Proxy.newProxyInstance(LibC.class.getClassLoader(), new Class<?>[] {LibC.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.equals("syscall")) {
                        name = syscallName(((Number) args[0]).longValue());
                    }
                    calls.add(name);
                    for (int i = 0; i < failures.size(); i++) {
                        Failure f = failures.get(i);
                        if (f.function().equals(name) && f.times() > 0
                                && (f.arg() == null || java.util.Arrays.asList(args).contains(f.arg()))) {
                            failures.set(i, new Failure(f.function(), f.errno(), f.times() - 1, f.arg()));
                            errno = f.errno();
                            return ret(method.getReturnType(), -1);
                        }
                    }
                    if (name.equals("fcntl") && ((Number) args[1]).intValue() == Sys.F_DUPFD_CLOEXEC) {
                        return ret(method.getReturnType(), Math.max(nextFd++, ((Number) args[2]).intValue()));
                    }
                    if (name.equals("read") && args[1] instanceof byte[] b && b.length > 0) {
                        b[0] = 'x';
                        return ret(method.getReturnType(), 1);
                    }
                    boolean returnsFd = name.equals("open") || name.equals("openat") || name.equals("open_tree")
                            || name.equals("socket") || name.equals("memfd_create");
                    return ret(method.getReturnType(), returnsFd ? nextFd++ : 0);
                });
        return Sys.over(libc, () -> errno);
    }

    private static Object ret(Class<?> type, long value) {
        if (type == long.class) {
            return value;
        }
        if (type == int.class) {
            return (int) value;
        }
        if (type == short.class) {
            return (short) value;
        }
        return null;
    }

    private static String syscallName(long number) {
        if (number == LibC.SYS_OPEN_TREE) {
            return "open_tree";
        } else if (number == LibC.SYS_MOVE_MOUNT) {
            return "move_mount";
        } else if (number == LibC.SYS_MOUNT_SETATTR) {
            return "mount_setattr";
        } else if (number == LibC.SYS_PIVOT_ROOT) {
            return "pivot_root";
        } else if (number == LibC.SYS_OPENAT2) {
            return "openat2";
        } else if (number == LibC.SYS_CLOSE_RANGE) {
            return "close_range";
        } else if (number == LibC.SYS_FSOPEN) {
            return "fsopen";
        } else if (number == LibC.SYS_FSCONFIG) {
            return "fsconfig";
        } else if (number == LibC.SYS_FSMOUNT) {
            return "fsmount";
        }
        return "syscall" + number;
    }
}
