package dev.nsbox.exec;

/**
 * The thread that called {@link Sandbox#run()}, while the run's worker does the work: the
 * worker hands it the listener's calls one at a time ({@link #call}) and finally the result
 * ({@link #finish}); the caller runs those calls, in order, and returns the result
 * ({@link #serve}).
 *
 * <p>Why two threads: the caller can be interrupted at any moment (Maven's {@code -T} and
 * timeouts use {@code Future.cancel(true)}), and an interrupt closes any NIO channel the thread
 * is reading (a {@code ClosedByInterruptException}) and cuts every interruptible wait short. The
 * worker is never interrupted (no one else holds it), so the run's descriptors are released in
 * one order only, after the sandbox's own thread is done with them. An interrupt of the caller
 * becomes a cancellation of the run, which the caller then waits for: interrupted, not
 * abandoned (issue #18).
 *
 * <p>Thread-safe: {@link #call} and {@link #finish} on the worker, {@link #serve} on the caller.
 */
final class CallerRelay {

    private Runnable pending;
    private boolean finished;
    private RunResult result;
    private Throwable failure;

    /**
     * Has the caller run {@code call} and returns once it has: the run goes on only after the
     * listener heard (a step's header comes before its output).
     */
    void call(Runnable call) {
        boolean interrupted = false;
        synchronized (this) {
            while (pending != null) {
                interrupted |= await();
            }
            pending = call;
            notifyAll();
            while (pending == call) {
                interrupted |= await();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The run is over: {@code r} is its result, or {@code thrown} what its worker threw. */
    synchronized void finish(RunResult r, Throwable thrown) {
        result = r;
        failure = thrown;
        finished = true;
        notifyAll();
    }

    /**
     * Runs the worker's calls on this thread until the run is over and returns its result. An
     * interrupt runs {@code cancel} once and the wait goes on; the interrupt status is set again
     * before this returns. A call that throws cancels the run too, and is thrown once the run is
     * over; later calls are dropped.
     */
    RunResult serve(Runnable cancel) {
        boolean interrupted = false;
        boolean cancelled = false;
        Throwable thrown = null;
        while (true) {
            Runnable call;
            boolean interrupt = false;
            synchronized (this) {
                while (pending == null && !finished && !interrupt) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupt = true;
                    }
                }
                if (!interrupt && pending == null) {
                    break;
                }
                call = pending;
            }
            if (interrupt) {
                interrupted = true;
            }
            if (call != null && thrown == null) {
                try {
                    call.run();
                } catch (RuntimeException | Error e) {
                    thrown = e;
                }
            }
            if ((interrupted || thrown != null) && !cancelled) {
                cancelled = true;
                cancel.run();
            }
            if (call != null) {
                synchronized (this) {
                    pending = null;
                    notifyAll();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t;
        RunResult r;
        synchronized (this) {
            t = thrown != null ? thrown : failure;
            r = result;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t instanceof Error e) {
            throw e;
        }
        return r;
    }

    /** Object.wait that reports an interrupt rather than throwing it. */
    private boolean await() {
        try {
            wait();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
