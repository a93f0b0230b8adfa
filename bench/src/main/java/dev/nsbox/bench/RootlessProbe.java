package dev.nsbox.bench;

import java.nio.file.Path;

/**
 * Measurement 6, run in a fresh JVM by the harness (as root, and as an ordinary user): applies
 * SPEC {@code 1 + N} times through the in-process API, printing {@code first MS} and then
 * {@code next MS} for each following sandbox. Exits with the sandbox's exit code when one fails,
 * having printed nsbox's messages.
 */
public final class RootlessProbe {

    private RootlessProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]);
        int following = Integer.parseInt(args[1]);
        for (int i = 0; i <= following; i++) {
            long t0 = System.nanoTime();
            int code = InProcess.prepareAndRun(spec);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (code != 0) {
                System.exit(code);
            }
            System.out.println((i == 0 ? "first " : "next ") + ms);
        }
    }
}
