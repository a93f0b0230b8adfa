package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One step's pseudo-terminal, made in the sandbox's own devpts and relayed to this process's
 * terminal (docs/decisions/0020-shell-a-terminal-of-the-sandbox.md).
 *
 * <p>The master is opened through the supervisor's root, {@code /proc/PID/root/dev/pts/ptmx}:
 * the devpts the spec has on {@code /dev/pts} (the minimal {@code /dev} mounts a new instance),
 * so the pair exists only there and its slave is {@code /dev/pts/N} inside. The supervisor's
 * step child opens that slave itself and makes it its controlling terminal ({@code 'T'} of
 * {@link InitProtocol}): no descriptor of the caller's terminal ever enters the sandbox, so a
 * {@code TIOCSTI} from inside can only push input into this pty.
 *
 * <p>Before the step starts the slave gets the caller's terminal settings and window size;
 * once it runs ({@link #relay()}) the caller's terminal is put in raw mode and two threads copy
 * bytes: the caller's input to the master (so ^C, ^Z and ^\ reach the pty's line discipline,
 * which signals the step's foreground job only), and the master's output to this process's
 * standard output. The input thread also copies the caller's window size to the master when it
 * changes (TIOCSWINSZ on a master signals the slave's foreground process group with SIGWINCH,
 * ioctl_tty(2)). {@link #close()} waits for the last output, then puts the caller's settings
 * back; a shutdown hook does the same if the JVM ends first.
 *
 * <p>{@link #relay()} and {@link #close()} are called on one thread.
 */
final class Pty implements AutoCloseable {

    // ioctl_tty(2) and ioctl_list: the same numbers in asm-generic/ioctls.h (aarch64) and x86's.
    static final long TCGETS = 0x5401;
    static final long TCSETS = 0x5402;
    static final long TCSETSW = 0x5403;
    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;
    static final long TIOCGPTN = 0x80045430L;
    static final long TIOCSPTLCK = 0x40045431L;
    /** The kernel's struct termios (asm-generic/termbits.h): 4 tcflag_t, c_line, c_cc[19]. */
    static final int TERMIOS_BYTES = 36;
    /** struct winsize: four unsigned short. */
    static final int WINSIZE_BYTES = 8;
    private static final int EIO = 5;
    /** How long the last output may take to arrive once the step has ended. */
    private static final long DRAIN_MS = 5000;

    private final Sys sys;
    private final int in;
    private final int out;
    private final int master;
    private final String slave;
    private final byte[] saved;
    private final Object lock = new Object();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    private boolean raw;
    private boolean closed;
    private Thread hook;

    private Pty(Sys sys, int in, int out, int master, String slave, byte[] saved) {
        this.sys = sys;
        this.in = in;
        this.out = out;
        this.master = master;
        this.slave = slave;
        this.saved = saved;
    }

    /** Whether {@code fd} is a terminal: {@code TCGETS} succeeds on it (isatty(3) asks the same). */
    static boolean isTerminal(Sys sys, int fd) {
        try {
            sys.ioctl(fd, TCGETS, new byte[TERMIOS_BYTES], "ioctl(" + fd + ", TCGETS)");
            return true;
        } catch (SyscallException e) {
            return false;
        }
    }

    /**
     * Makes a pseudo-terminal in the devpts of the sandbox whose supervisor is {@code supervisorPid}
     * (numbered in this JVM's PID namespace), with the settings and window size of the terminal
     * on {@code in}; {@code out} gets its output.
     */
    static Pty open(Sys sys, int supervisorPid, int in, int out, StepLaunch step) throws SyscallException {
        try {
            return open(sys, supervisorPid, in, out);
        } catch (SyscallException e) {
            throw e.at(step.origin(), "cannot make a terminal for " + step.name() + " in the sandbox's devpts "
                    + "(/dev/pts/ptmx: the default /dev has one; a spec's own /dev needs a devpts mount on /dev/pts)");
        }
    }

    private static Pty open(Sys sys, int supervisorPid, int in, int out) throws SyscallException {
        byte[] saved = new byte[TERMIOS_BYTES];
        sys.ioctl(in, TCGETS, saved, "ioctl(" + in + ", TCGETS)");
        String pts = "/proc/" + supervisorPid + "/root/dev/pts/";
        int master = sys.open(pts + "ptmx", Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0,
                "open(\"" + pts + "ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC)");
        try {
            // unlockpt(3) and ptsname(3), as ioctls on the master.
            sys.ioctl(master, TIOCSPTLCK, new byte[4], "ioctl(ptmx, TIOCSPTLCK, &0)");
            byte[] n = new byte[4];
            sys.ioctl(master, TIOCGPTN, n, "ioctl(ptmx, TIOCGPTN)");
            int number = (n[0] & 0xff) | (n[1] & 0xff) << 8 | (n[2] & 0xff) << 16 | (n[3] & 0xff) << 24;
            // The caller's settings (erase character, UTF-8 input...) on the slave, as ssh(1) and
            // script(1) give their ptys; the slave is closed again before the step opens it.
            int s = sys.open(pts + number, Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0,
                    "open(\"" + pts + number + "\", O_RDWR|O_NOCTTY|O_CLOEXEC)");
            try {
                sys.ioctl(s, TCSETS, saved.clone(), "ioctl(pts, TCSETS)");
            } finally {
                sys.close(s);
            }
            Pty pty = new Pty(sys, in, out, master, "/dev/pts/" + number, saved);
            pty.copyWindowSize(null);
            return pty;
        } catch (SyscallException | RuntimeException e) {
            sys.close(master);
            throw e;
        }
    }

    /** The slave's path inside the sandbox. */
    String slave() {
        return slave;
    }

    /**
     * {@code step} with {@code TERM=term} added when its environment has no {@code TERM}: the
     * pty's bytes reach the caller's terminal unchanged, so its type is the caller's (what
     * ssh(1) sends with a pty request).
     */
    static StepLaunch withTerm(StepLaunch step, String term) {
        if (term == null || term.isEmpty() || step.env().stream().anyMatch(e -> e.startsWith("TERM="))) {
            return step;
        }
        List<String> env = new ArrayList<>(step.env());
        env.add("TERM=" + term);
        return new StepLaunch(step.name(), step.argv(), env, step.cwd(), step.timeout(), step.origin());
    }

    /**
     * The raw settings of cfmakeraw(3) (termios(3)), except that a read returns after at most
     * 0.1 s without input ({@code VMIN} 0, {@code VTIME} 1): the input thread wakes to check
     * the window size and whether to stop, without a poll(2) of its own.
     */
    static byte[] raw(byte[] termios) {
        byte[] t = termios.clone();
        int iflag = u32(t, 0) & ~(0x1 /* IGNBRK */ | 0x2 /* BRKINT */ | 0x8 /* PARMRK */ | 0x20 /* ISTRIP */
                | 0x40 /* INLCR */ | 0x80 /* IGNCR */ | 0x100 /* ICRNL */ | 0x400 /* IXON */);
        int oflag = u32(t, 4) & ~0x1 /* OPOST */;
        int cflag = (u32(t, 8) & ~(0x30 /* CSIZE */ | 0x100 /* PARENB */)) | 0x30 /* CS8 */;
        int lflag = u32(t, 12) & ~(0x8 /* ECHO */ | 0x40 /* ECHONL */ | 0x2 /* ICANON */ | 0x1 /* ISIG */
                | 0x8000 /* IEXTEN */);
        put(t, 0, iflag);
        put(t, 4, oflag);
        put(t, 8, cflag);
        put(t, 12, lflag);
        // c_cc starts after c_line at offset 17; VTIME is 5, VMIN 6.
        t[17 + 5] = 1;
        t[17 + 6] = 0;
        return t;
    }

    /** The step runs: the caller's terminal goes raw and the relay starts. */
    void relay() throws SyscallException {
        synchronized (lock) {
            if (raw || closed) {
                return;
            }
            Thread h = new Thread(this::restore, "nsbox-terminal-restore");
            try {
                Runtime.getRuntime().addShutdownHook(h);
            } catch (IllegalStateException e) {
                // The JVM is ending (its shutdown cancels the run): leave the terminal alone.
                return;
            }
            hook = h;
            sys.ioctl(in, TCSETSW, raw(saved), "ioctl(" + in + ", TCSETSW, raw)");
            raw = true;
        }
        // The output thread reads a copy of the master that it alone closes: a number closed
        // under a blocked read(2) could be given to another file meanwhile (close(2)).
        int copy = sys.dupAtLeast(master, 3);
        threads.add(start("nsbox-terminal-out", () -> output(copy)));
        threads.add(start("nsbox-terminal-in", this::input));
    }

    private Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Master to caller until the slave has no holder left (read(2) on the master gives EIO). */
    private void output(int copy) {
        byte[] buf = new byte[8192];
        boolean writing = true;
        try {
            for (int n = sys.read(copy, buf, "read(ptmx)"); n > 0; n = sys.read(copy, buf, "read(ptmx)")) {
                if (writing) {
                    try {
                        sys.writeFully(out, Arrays.copyOf(buf, n), "write(" + out + ")");
                    } catch (SyscallException e) {
                        // The caller's output is gone: keep reading, so that the step never
                        // blocks on a full pty.
                        writing = false;
                    }
                }
            }
        } catch (SyscallException e) {
            // EIO: every holder of the slave has closed it; the step and its jobs are gone.
        } finally {
            sys.close(copy);
        }
    }

    /** Caller to master, and the window size, until told to stop. */
    private void input() {
        byte[] buf = new byte[4096];
        byte[] last = new byte[WINSIZE_BYTES];
        copyWindowSize(last);
        int eofs = 0;
        while (!stop) {
            int n;
            long t0 = System.nanoTime();
            try {
                n = sys.read(in, buf, "read(" + in + ")");
            } catch (SyscallException e) {
                return;
            }
            // With VTIME a read without input returns 0 after 0.1 s; one that returns 0 at once,
            // again and again, is the end of file of a terminal that hung up: stop reading it.
            eofs = n == 0 && System.nanoTime() - t0 < 20_000_000L ? eofs + 1 : 0;
            if (eofs >= 3) {
                return;
            }
            if (n > 0 && !stop) {
                try {
                    sys.writeFully(master, Arrays.copyOf(buf, n), "write(ptmx)");
                } catch (SyscallException e) {
                    return;
                }
            }
            copyWindowSize(last);
        }
    }

    /**
     * Copies the caller's window size to the master when it differs from {@code last} (then
     * updated); always when {@code last} is null. A caller without a size (0x0) is left alone.
     */
    private void copyWindowSize(byte[] last) {
        byte[] now = new byte[WINSIZE_BYTES];
        try {
            sys.ioctl(in, TIOCGWINSZ, now, "ioctl(" + in + ", TIOCGWINSZ)");
            if (last != null && Arrays.equals(now, last)) {
                return;
            }
            if (last != null) {
                System.arraycopy(now, 0, last, 0, now.length);
            }
            sys.ioctl(master, TIOCSWINSZ, now, "ioctl(ptmx, TIOCSWINSZ)");
        } catch (SyscallException e) {
            // Not a window, or the pty is gone: nothing to follow.
        }
    }

    /** Puts the caller's settings back, once; any thread. */
    private void restore() {
        synchronized (lock) {
            if (raw) {
                raw = false;
                try {
                    sys.ioctl(in, TCSETSW, saved.clone(), "ioctl(" + in + ", TCSETSW, saved)");
                } catch (SyscallException e) {
                    // The terminal is gone: nothing to restore.
                }
            }
        }
    }

    /**
     * The step has ended and everything it started is dead: waits for its last output (up to
     * {@value #DRAIN_MS} ms), stops the input thread, restores the caller's terminal and closes
     * the master. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            if (!threads.isEmpty()) {
                threads.get(0).join(DRAIN_MS);
            }
            stop = true;
            for (Thread t : threads) {
                t.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        restore();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook runs, and restores nothing twice.
            }
        }
        // The input thread may still be in write(2) to the master (a step that stopped reading):
        // then the master stays open until the JVM ends rather than be closed under it.
        if (threads.size() < 2 || !threads.get(1).isAlive()) {
            sys.close(master);
        }
    }

    private static int u32(byte[] b, int off) {
        return java.nio.ByteBuffer.wrap(b, off, 4).order(java.nio.ByteOrder.nativeOrder()).getInt();
    }

    private static void put(byte[] b, int off, int v) {
        java.nio.ByteBuffer.wrap(b, off, 4).order(java.nio.ByteOrder.nativeOrder()).putInt(v);
    }
}
