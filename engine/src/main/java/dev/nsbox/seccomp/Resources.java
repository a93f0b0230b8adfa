package dev.nsbox.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads this package's own text resources; a missing one is a broken build, not a user error. */
final class Resources {

    private Resources() {
    }

    /** The lines of resource {@code name} with comments ({@code #} to the end) and blank lines removed. */
    static List<String> lines(String name) {
        try (InputStream in = Resources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource dev/nsbox/seccomp/" + name + " is missing from the build");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int hash = line.indexOf('#');
                String kept = (hash >= 0 ? line.substring(0, hash) : line).stripTrailing();
                if (!kept.isBlank()) {
                    lines.add(kept);
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource dev/nsbox/seccomp/" + name, e);
        }
    }

    /**
     * The words of {@code line}, split at runs of white space, leading white space ignored: what
     * {@code line.trim().split("\\s+")} gives, without compiling a pattern per line (these
     * tables are read on every cold start).
     */
    static String[] words(String line) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(line.substring(start, i));
            }
        }
        return words.toArray(String[]::new);
    }
}
