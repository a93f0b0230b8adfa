package dev.nsbox.spec;

/** What to do with a predicted host effect: refuse the spec (the default) or allow it. */
public enum HostEffectsPolicy {
    DENY("deny"),
    ALLOW("allow");

    private final String word;

    HostEffectsPolicy(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}
