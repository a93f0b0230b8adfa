package dev.nsbox.spec;

/** The mount types of the spec language (docs/spec.md, "Mount types"). */
public enum MountType {
    BIND("bind"),
    TMPFS("tmpfs"),
    PROC("proc"),
    SYSFS("sysfs"),
    DEV("dev"),
    DEVPTS("devpts"),
    MQUEUE("mqueue"),
    OVERLAY("overlay"),
    HIDE("hide"),
    REMOUNT("remount");

    private final String word;

    MountType(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}
