package dev.nsbox.spec;

import java.util.List;
import java.util.Objects;

/**
 * {@code process.seccomp}: the system-call filter nsbox-init installs as its last act before
 * each step's execve(2).
 *
 * <p>Immutable. Names are checked by the parser against the tables of {@code dev.nsbox.seccomp};
 * here they are words ({@code mount}, {@code @keyring}).
 *
 * @param mode  {@link Mode#DEFAULT} (Docker's baseline, namespace creation refused), {@link Mode#UNCONFINED}
 *              (no filter), or {@link Mode#CUSTOM} (the default with {@code allow} added, then
 *              {@code deny} removed)
 * @param allow calls and {@code @groups} added to the default's allow-list (custom only)
 * @param deny  calls and {@code @groups} refused with EPERM, whatever else allows them (custom only)
 */
public record SeccompSpec(Mode mode, List<String> allow, List<String> deny, Origins origins) {

    /** How the filter is chosen. */
    public enum Mode {
        DEFAULT("default"),
        UNCONFINED("unconfined"),
        CUSTOM("custom");

        private final String word;

        Mode(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public SeccompSpec {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(origins, "origins");
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** The default filter, as when the spec says nothing. */
    public static SeccompSpec defaults(Origin origin) {
        return new SeccompSpec(Mode.DEFAULT, List.of(), List.of(), Origins.of(origin));
    }

    /** Whether a filter is installed at all. */
    public boolean filtered() {
        return mode != Mode.UNCONFINED;
    }
}
