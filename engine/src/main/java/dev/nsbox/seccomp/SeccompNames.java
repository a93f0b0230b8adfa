package dev.nsbox.seccomp;

import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Checks the words of {@code process.seccomp}'s {@code allow} and {@code deny}: a system-call
 * name of a supported ABI, or a group name starting with {@code @}. Gives the nearest known
 * word for a misspelt one, so the spec layer can report it at its line.
 *
 * <p>Stateless. Never touches the host.
 */
public final class SeccompNames {

    private SeccompNames() {
    }

    /** Whether {@code word} is a group ({@code @mount}) or a call of x86_64 or aarch64. */
    public static boolean isKnown(String word) {
        return word.startsWith("@") ? SyscallGroups.exists(word) : Syscalls.isKnown(word);
    }

    /**
     * The problem with {@code word}, empty when it is known; for example
     * {@code unknown system call "mout"; did you mean "mount"?}.
     */
    public static Optional<String> problem(String word) {
        if (isKnown(word)) {
            return Optional.empty();
        }
        String what = word.startsWith("@") ? "unknown system-call group \"" : "unknown system call \"";
        String hint = closest(word).map(c -> "; did you mean \"" + c + "\"?")
                .orElse(word.startsWith("@") ? "; expected one of " + String.join(", ", SyscallGroups.names()) : "");
        return Optional.of(what + word + "\"" + hint);
    }

    /**
     * The known word nearest to {@code word} by edit distance, when it is near enough to be a
     * likely misspelling (at most a third of the word's length, and at least 1, apart). A group is
     * suggested for a word starting with {@code @} and a call otherwise, unless the word without
     * or with the {@code @} is known ({@code mount} for {@code @mounts} is no help, {@code @mount} is).
     */
    public static Optional<String> closest(String word) {
        if (!word.startsWith("@") && SyscallGroups.exists("@" + word)) {
            return Optional.of("@" + word);
        }
        SortedSet<String> candidates = new TreeSet<>();
        if (word.startsWith("@")) {
            candidates.addAll(SyscallGroups.names());
        } else {
            for (SeccompArch a : SeccompArch.values()) {
                candidates.addAll(Syscalls.of(a).all().keySet());
            }
        }
        int limit = Math.max(1, word.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word.toLowerCase(Locale.ROOT), c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
