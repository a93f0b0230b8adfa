package dev.nsbox.exec;

import dev.nsbox.plan.Op;
import dev.nsbox.sys.Call;
import dev.nsbox.sys.Errnos;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.util.List;
import java.util.Objects;

/**
 * The sandbox's own thread: unshares, spawns the supervisor, applies the operations, then
 * waits until the run is over. It must outlive the supervisor it spawned, which dies with
 * it (PR_SET_PDEATHSIG is per thread). Everything it needs is loaded before it unshares:
 * after unshare(CLONE_NEWPID) it can create no thread, after pivot_root(2) load no class.
 *
 * <p>What it opens ({@link #procFd}, the applier's trees) and the descriptors it spawns the
 * supervisor with are its own until the run has joined it: only then does the run close them
 * (issue #18: closed earlier, their numbers could name another thread's file by the time the
 * spawn dup2(2)s them).
 */
final class SandboxThread extends Thread {
    /**
     * Whether a sandbox thread of this JVM has loaded the classes a failure needs. A loaded class
     * stays loaded for the JVM's life (JLS 12.7: a class is unloaded only with its class loader),
     * so only the first sandbox of a JVM pays for it; {@link Sys#warm()} is per thread and stays.
     */
    private static volatile boolean classesLoaded;

    private final Sys sys;
    private final List<Op> ops;
    private final String[] calls;
    final Applier applier;
    private final Object lock = new Object();
    private boolean ready;
    private boolean released;
    volatile int applied;
    volatile int failedIndex = -1;
    volatile SyscallException failure;
    volatile Throwable crash;
    volatile int procFd = -1;

    /**
     * Loads the classes a sandbox thread needs once it can load none; the first call in a JVM
     * does the work, from any thread ({@link Preload} calls it ahead of the first run).
     */
    static void loadClasses() {
        if (!classesLoaded) {
            for (Class<?> c : Op.class.getPermittedSubclasses()) {
                Objects.requireNonNull(c.getName());
            }
            // A failure after pivot_root(2) must not need a class loaded: make one now.
            new SyscallException(Call.MOUNT, "warm", Errnos.EPERM, "warm", 0L).args().size();
            classesLoaded = true;
        }
    }

    SandboxThread(Sys sys, List<Op> ops, int[] initFds) {
        super("nsbox-sandbox");
        setDaemon(true);
        this.sys = sys;
        this.ops = ops;
        this.calls = new String[ops.size()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = ops.get(i).call();
        }
        this.applier = new Applier(sys, initFds, ops);
    }

    @Override
    public void run() {
        int current = -1;
        try {
            loadClasses();
            sys.warm();
            procFd = sys.open("/proc/thread-self", Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0,
                    "open(\"/proc/thread-self\", O_RDONLY|O_DIRECTORY|O_CLOEXEC)");
            applier.threadDir(procFd);
            for (current = 0; current < ops.size(); current++) {
                applier.apply(ops.get(current), calls[current]);
                applied = current + 1;
            }
        } catch (SyscallException e) {
            failure = e;
            failedIndex = Math.max(current, 0);
            if (current < 0) {
                crash = e;
            }
        } catch (Throwable t) {
            crash = t;
        }
        synchronized (lock) {
            ready = true;
            lock.notifyAll();
            while (!released) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    // Keep the supervisor alive until the run says otherwise.
                }
            }
        }
    }

    /** Waits until the operations are applied or one failed; an interrupt does not end the wait. */
    void awaitReady() {
        boolean interrupted = false;
        synchronized (lock) {
            while (!ready) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void release() {
        synchronized (lock) {
            released = true;
            lock.notifyAll();
        }
    }
}
