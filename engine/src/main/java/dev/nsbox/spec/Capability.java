package dev.nsbox.spec;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Linux capabilities, numbered as in {@code <linux/capability.h>} (capabilities(7)), up to
 * {@code CAP_CHECKPOINT_RESTORE} (Linux 5.9). A spec names them with or without the
 * {@code CAP_} prefix, in any case; the number is the capability's bit in a mask.
 *
 * <p>The one table of capability names: lookups and the list of accepted names in error
 * messages both come from it.
 */
public enum Capability {
    CAP_CHOWN(0),
    CAP_DAC_OVERRIDE(1),
    CAP_DAC_READ_SEARCH(2),
    CAP_FOWNER(3),
    CAP_FSETID(4),
    CAP_KILL(5),
    CAP_SETGID(6),
    CAP_SETUID(7),
    CAP_SETPCAP(8),
    CAP_LINUX_IMMUTABLE(9),
    CAP_NET_BIND_SERVICE(10),
    CAP_NET_BROADCAST(11),
    CAP_NET_ADMIN(12),
    CAP_NET_RAW(13),
    CAP_IPC_LOCK(14),
    CAP_IPC_OWNER(15),
    CAP_SYS_MODULE(16),
    CAP_SYS_RAWIO(17),
    CAP_SYS_CHROOT(18),
    CAP_SYS_PTRACE(19),
    CAP_SYS_PACCT(20),
    CAP_SYS_ADMIN(21),
    CAP_SYS_BOOT(22),
    CAP_SYS_NICE(23),
    CAP_SYS_RESOURCE(24),
    CAP_SYS_TIME(25),
    CAP_SYS_TTY_CONFIG(26),
    CAP_MKNOD(27),
    CAP_LEASE(28),
    CAP_AUDIT_WRITE(29),
    CAP_AUDIT_CONTROL(30),
    CAP_SETFCAP(31),
    CAP_MAC_OVERRIDE(32),
    CAP_MAC_ADMIN(33),
    CAP_SYSLOG(34),
    CAP_WAKE_ALARM(35),
    CAP_BLOCK_SUSPEND(36),
    CAP_AUDIT_READ(37),
    CAP_PERFMON(38),
    CAP_BPF(39),
    CAP_CHECKPOINT_RESTORE(40);

    private final int number;

    Capability(int number) {
        this.number = number;
    }

    /** The capability's number, its bit in a mask. */
    public int number() {
        return number;
    }

    /** This capability's bit: {@code 1L << number()}. */
    public long mask() {
        return 1L << number;
    }

    /** The name without the {@code CAP_} prefix, in lower case, as a spec may write it. */
    public String word() {
        return name().substring(4).toLowerCase(Locale.ROOT);
    }

    /**
     * The capability a spec means by {@code name}: {@code CAP_NET_RAW}, {@code NET_RAW} and
     * {@code net_raw} all name the same one.
     */
    public static Optional<Capability> byName(String name) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        for (Capability c : values()) {
            if (c.name().equals(full)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The capability numbered {@code number}, if this table knows it. */
    public static Optional<Capability> byNumber(int number) {
        Capability[] all = values();
        return number >= 0 && number < all.length ? Optional.of(all[number]) : Optional.empty();
    }

    /** The mask of a set of capabilities: bit N set for each capability numbered N. */
    public static long mask(Collection<Capability> capabilities) {
        long m = 0;
        for (Capability c : capabilities) {
            m |= c.mask();
        }
        return m;
    }

    /** The capabilities of a mask; bits this table has no name for are left out. */
    public static Set<Capability> fromMask(long mask) {
        Set<Capability> s = EnumSet.noneOf(Capability.class);
        for (Capability c : values()) {
            if ((mask & c.mask()) != 0) {
                s.add(c);
            }
        }
        return s;
    }

    /** Every name, with its prefix, in number order: the accepted values for error messages. */
    public static List<String> names() {
        return EnumSet.allOf(Capability.class).stream().map(Enum::name).toList();
    }
}
