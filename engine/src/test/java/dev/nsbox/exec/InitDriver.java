package dev.nsbox.exec;

import dev.nsbox.plan.StepLaunch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A running {@code nsbox-init} spoken to with the {@link InitProtocol} bytes the executor sends:
 * its descriptor 3 reads this driver's pipe to its stdin, 4 writes to the pipe from its stdout,
 * and its steps' stdout and stderr go to a file. The command that starts the binary is the
 * caller's: the binary itself, a wrapper in front of it (setpriv, unshare), or qemu-user.
 */
final class InitDriver implements AutoCloseable {

    /** One step's reports (the number after "started" dropped) and everything it printed. */
    record Step(List<String> reports, String output) {
        /** The {@code Name:\tvalue} lines of what the step printed, as /proc/PID/status has them. */
        Map<String, String> status() {
            return parseStatus(output);
        }

        static Map<String, String> parseStatus(String text) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String l : text.split("\n")) {
                int colon = l.indexOf(":\t");
                if (colon > 0) {
                    m.put(l.substring(0, colon), l.substring(colon + 2).trim());
                }
            }
            return m;
        }
    }

    private final Process process;
    private final OutputStream commands;
    private final BufferedReader reports;
    private final Path output;
    private long read;

    /**
     * Starts {@code command} (whose last word is the binary) with the pipes on descriptors 3 and
     * 4, its stdin on /dev/null and its stdout on the output file in {@code dir}.
     */
    InitDriver(List<String> command, Path dir) throws IOException {
        output = Files.createTempFile(dir, "out", "");
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 3<&0 4>&1 0</dev/null 1>&2", "sh"));
        cmd.addAll(command);
        process = new ProcessBuilder(cmd).redirectError(output.toFile()).start();
        commands = process.getOutputStream();
        reports = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The process started: the shell execs the command, so this is the command's (or its wrapper's) PID. */
    Process process() {
        return process;
    }

    void send(byte[] command) throws IOException {
        commands.write(command);
        commands.flush();
    }

    /** The next report line, null at end of file. */
    String readReport() throws IOException {
        return reports.readLine();
    }

    /** Closes the command pipe: nsbox-init reads end of file on descriptor 3. */
    void closeCommands() throws IOException {
        commands.close();
    }

    /** Sends one 'R' command and reads reports until the step's result (anything but started or timeout). */
    Step run(StepLaunch launch, StepSecurity security, Duration grace) throws IOException {
        send(InitProtocol.run(launch, security, grace));
        List<String> got = new ArrayList<>();
        for (;;) {
            String line = reports.readLine();
            if (line == null) {
                got.add("EOF");
                break;
            }
            got.add(line.startsWith("started ") ? "started" : line);
            if (!line.startsWith("started ") && !line.equals("timeout")) {
                break;
            }
        }
        // The result is reported once the step and all it left are reaped: its output is complete.
        byte[] all = Files.readAllBytes(output);
        String text = new String(all, (int) read, all.length - (int) read, StandardCharsets.UTF_8);
        read = all.length;
        return new Step(got, text);
    }

    /** Sends 'Q' and expects nsbox-init to exit with status 0 within 30 seconds. */
    @Override
    public void close() throws Exception {
        try {
            send(InitProtocol.quit());
            commands.close();
        } catch (IOException e) {
            // it has exited already
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("nsbox-init did not exit after 'Q'");
        }
        assertEquals(0, process.exitValue(), "nsbox-init's exit status after 'Q'");
    }
}
