package dev.nsbox.cli;

import dev.nsbox.sys.NativeSignals;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Sends SIGINT, SIGTERM, SIGHUP and SIGQUIT that reach nsbox on to what it runs, for as long as
 * it is open (docs/spec.md, "Namespaces": they "sent to nsbox reach the step"). Without it the
 * JVM would start shutting down on the first three, and print a thread dump on the fourth.
 *
 * <p>The first three go through {@code sun.misc.Signal}. HotSpot refuses SIGQUIT to it, so a
 * native handler ({@link NativeSignals}) writes it to a pipe that a thread of this class reads;
 * where that library cannot be loaded, SIGQUIT keeps the JVM's meaning and {@code debug} says
 * why. Closing puts every previous handler back.
 */
final class SignalForwarding implements AutoCloseable {

    private static final List<String> JAVA_SIGNALS = List.of("INT", "TERM", "HUP");

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final Sys sys;
    private int[] quitPipe;

    private SignalForwarding(Sys sys) {
        this.sys = sys;
    }

    /** Forwards each of the four signals to {@code to}, by number, until {@link #close()}. */
    static SignalForwarding start(IntConsumer to, Consumer<String> debug) {
        Sys sys = null;
        try {
            sys = Sys.get();
        } catch (LinkageError | RuntimeException e) {
            // No native layer (another architecture, a tmpdir without exec): the run itself
            // refuses the machine and says why, with exit code 3.
            debug.accept("SIGQUIT keeps the JVM's meaning (a thread dump), no native layer: " + e.getMessage());
        }
        SignalForwarding f = new SignalForwarding(sys);
        for (String name : JAVA_SIGNALS) {
            Signal s = new Signal(name);
            f.previous.add(Signal.handle(s, sig -> to.accept(sig.getNumber())));
            f.signals.add(s);
        }
        if (sys == null) {
            return f;
        }
        try {
            f.forwardQuit(to);
        } catch (IOException | SyscallException e) {
            debug.accept("SIGQUIT keeps the JVM's meaning (a thread dump), it cannot be forwarded: " + e.getMessage());
        }
        return f;
    }

    private void forwardQuit(IntConsumer to) throws IOException, SyscallException {
        int[] p = sys.pipe2(Sys.O_CLOEXEC, "pipe2(O_CLOEXEC)");
        try {
            NativeSignals.toPipe(sys, Sys.SIGQUIT, p[1]);
        } catch (IOException e) {
            sys.close(p[0]);
            sys.close(p[1]);
            throw e;
        }
        quitPipe = p;
        Thread t = new Thread(() -> {
            byte[] b = new byte[16];
            try {
                for (int n = sys.read(p[0], b, "read(signal pipe)"); n > 0; n = sys.read(p[0], b, "read(signal pipe)")) {
                    for (int i = 0; i < n; i++) {
                        to.accept(b[i]);
                    }
                }
            } catch (SyscallException e) {
                // The pipe is gone: nothing more to forward.
            } finally {
                sys.close(p[0]);
            }
        }, "nsbox-sigquit");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
        if (quitPipe != null) {
            NativeSignals.restore(sys, Sys.SIGQUIT);
            // The handler is the JVM's again: closing the write end ends the reader.
            sys.close(quitPipe[1]);
            quitPipe = null;
        }
    }
}
