package dev.nsbox.cli;

import java.io.PrintStream;

/**
 * Where a command writes: standard output for results, standard error for diagnostics, and
 * whether {@code --debug} asked for stack traces and a trace of every system call.
 */
public record Console(PrintStream out, PrintStream err, boolean debug) {

    public void debug(String message) {
        if (debug) {
            err.println("debug: " + message);
        }
    }
}
