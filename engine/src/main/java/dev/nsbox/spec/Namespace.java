package dev.nsbox.spec;

import java.util.Optional;

/**
 * The namespace types a spec may ask for, by the words of the spec language
 * ({@code namespaces: [mount, pid, net]}). The clone flags live with the plan, which is
 * where words become flags.
 */
public enum Namespace {
    MOUNT("mount"),
    PID("pid"),
    NET("net"),
    UTS("uts"),
    IPC("ipc"),
    CGROUP("cgroup"),
    USER("user"),
    TIME("time");

    private final String word;

    Namespace(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static Optional<Namespace> fromWord(String word) {
        for (Namespace n : values()) {
            if (n.word.equals(word)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }
}
