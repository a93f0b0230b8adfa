package dev.nsbox.seccomp;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The system-call table of one ABI: every call the kernel headers define for it, name to number.
 * The tables are generated once from the kernel's uapi headers into this package's resources
 * ({@code x86_64.syscalls}, {@code aarch64.syscalls}); their headers say how.
 *
 * <p>Immutable. Reads only its own resources.
 */
public final class Syscalls {

    private static final Map<SeccompArch, Syscalls> TABLES = new EnumMap<>(SeccompArch.class);

    private final SeccompArch arch;
    private final SortedMap<String, Integer> byName;
    private final NavigableMap<Integer, String> byNumber;

    private Syscalls(SeccompArch arch) {
        this.arch = arch;
        SortedMap<String, Integer> names = new TreeMap<>();
        NavigableMap<Integer, String> numbers = new TreeMap<>();
        for (String line : Resources.lines(arch.id() + ".syscalls")) {
            String[] f = Resources.words(line);
            if (f.length != 2) {
                throw new IllegalStateException(arch + ".syscalls: malformed line: " + line);
            }
            int nr = Integer.parseInt(f[1]);
            if (names.put(f[0], nr) != null || numbers.put(nr, f[0]) != null) {
                throw new IllegalStateException(arch + ".syscalls: duplicate entry: " + line);
            }
        }
        this.byName = Collections.unmodifiableSortedMap(names);
        this.byNumber = Collections.unmodifiableNavigableMap(numbers);
    }

    /** The table of {@code arch}. */
    public static Syscalls of(SeccompArch arch) {
        synchronized (TABLES) {
            return TABLES.computeIfAbsent(arch, Syscalls::new);
        }
    }

    /** Whether {@code name} is a call of any ABI nsbox supports. */
    public static boolean isKnown(String name) {
        for (SeccompArch a : SeccompArch.values()) {
            if (of(a).number(name).isPresent()) {
                return true;
            }
        }
        return false;
    }

    public SeccompArch arch() {
        return arch;
    }

    /** The number of call {@code name}, empty when this ABI has no such call. */
    public OptionalInt number(String name) {
        Integer nr = byName.get(name);
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /** The name of call number {@code nr}, empty when this ABI assigns none. */
    public Optional<String> name(int nr) {
        return Optional.ofNullable(byNumber.get(nr));
    }

    /** Every call, name to number, sorted by name. */
    public SortedMap<String, Integer> all() {
        return byName;
    }

    /** The highest number the table defines; calls above it are newer than the table. */
    public int highest() {
        return byNumber.lastKey();
    }
}
