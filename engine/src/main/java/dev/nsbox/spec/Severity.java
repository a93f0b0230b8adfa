package dev.nsbox.spec;

/** How bad a {@link Diagnostic} is. Errors make a spec invalid; warnings do not. */
public enum Severity {
    ERROR("error"),
    WARNING("warning");

    private final String word;

    Severity(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}
