package dev.nsbox.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Measurement 6, run in a fresh JVM by the harness (as root, and as an ordinary user, both at
 * once): for each line read on standard input, applies SPEC once through the in-process API
 * and prints {@code first MS} for the first sandbox, {@code next MS} for each following one.
 * The harness alternates its two probes line by line, so that root's and the ordinary user's
 * sandboxes are measured in the same rounds, under the same load. Ends at end of input; exits
 * with the sandbox's exit code when one fails, having printed nsbox's messages.
 */
public final class RootlessProbe {

    private RootlessProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean first = true;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            long t0 = System.nanoTime();
            int code = InProcess.prepareAndRun(spec);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (code != 0) {
                System.out.flush();
                System.exit(code);
            }
            System.out.println((first ? "first " : "next ") + ms);
            System.out.flush();
            first = false;
        }
    }
}
