package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * What the first sandbox of a JVM needs before its thread can unshare, loaded ahead of it on a
 * daemon thread of its own: the native layer ({@link Sys#get()}), the supervisor's memfd
 * ({@link InitBinary}) and the classes the sandbox's thread loads first
 * ({@link SandboxThread#loadClasses()}).
 *
 * <p>A command line about to run a sandbox in this JVM starts it before it reads and plans the
 * spec, which in a cold JVM keeps the main thread busy for tens of milliseconds while a second
 * processor has little to do. Nothing here changes what a run does: each of these is made once
 * per JVM, on first use, by whichever thread comes first (a run waits for one in progress), and
 * a failure is left for the run to meet again and report (exit 3 or 125).
 *
 * <p>Close it before the JVM exits: until the native layer is loaded, its library is a file in
 * {@code java.io.tmpdir}, which an exit half-way would leave behind.
 */
public final class Preload implements AutoCloseable {

    private final Thread thread;

    private Preload(Thread thread) {
        this.thread = thread;
    }

    /** Starts the preload and returns at once. */
    public static Preload start() {
        Thread t = new Thread(() -> {
            try {
                Sys sys = Sys.get();
                InitBinary.memfd(sys);
                SandboxThread.loadClasses();
            } catch (IOException | SyscallException | RuntimeException | LinkageError e) {
                // The run loads the same things and reports what fails.
            }
        }, "nsbox-preload");
        t.setDaemon(true);
        t.start();
        return new Preload(t);
    }

    /**
     * Waits until the preload is over, at most ten seconds (it takes milliseconds; a file system
     * that made it hang would make the run hang as well), keeping an interrupt.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean interrupted = false;
        while (thread.isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
