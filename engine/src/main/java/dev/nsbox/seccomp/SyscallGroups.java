package dev.nsbox.seccomp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Named sets of system calls, systemd-style ({@code @mount}, {@code @privileged}, ...): the
 * groups of systemd's {@code SystemCallFilter=} (systemd.exec(5)), read from this package's
 * {@code groups.txt}. A group may name other groups; {@link #members} expands them.
 *
 * <p>Immutable. Reads only its own resource.
 */
public final class SyscallGroups {

    private record Group(String help, List<String> entries) {
    }

    private static final Map<String, Group> GROUPS = load();

    private SyscallGroups() {
    }

    private static Map<String, Group> load() {
        Map<String, String> help = new LinkedHashMap<>();
        Map<String, List<String>> entries = new LinkedHashMap<>();
        String current = null;
        for (String line : Resources.lines("groups.txt")) {
            if (line.startsWith("@")) {
                String[] f = line.split("\\s+", 2);
                current = f[0];
                if (help.put(current, f.length > 1 ? f[1] : "") != null) {
                    throw new IllegalStateException("groups.txt: group " + current + " defined twice");
                }
                entries.put(current, new ArrayList<>());
            } else if (current == null) {
                throw new IllegalStateException("groups.txt: members before the first group: " + line);
            } else {
                entries.get(current).addAll(List.of(Resources.words(line)));
            }
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        help.forEach((name, text) -> groups.put(name, new Group(text, List.copyOf(entries.get(name)))));
        for (Group g : groups.values()) {
            for (String e : g.entries()) {
                if (e.startsWith("@") && !groups.containsKey(e)) {
                    throw new IllegalStateException("groups.txt: unknown group " + e);
                }
            }
        }
        return Collections.unmodifiableMap(groups);
    }

    /** Every group name, with its {@code @}. */
    public static SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(GROUPS.keySet()));
    }

    /** Whether {@code name} (with its {@code @}) is a group. */
    public static boolean exists(String name) {
        return GROUPS.containsKey(name);
    }

    /** The one-line description systemd gives the group. */
    public static Optional<String> help(String name) {
        return Optional.ofNullable(GROUPS.get(name)).map(Group::help);
    }

    /**
     * The call names of group {@code name} with nested groups expanded, including names some
     * ABIs lack (the caller keeps the ones its table has).
     *
     * @throws IllegalArgumentException when there is no such group
     */
    public static SortedSet<String> members(String name) {
        if (!GROUPS.containsKey(name)) {
            throw new IllegalArgumentException("unknown system-call group \"" + name + "\"");
        }
        SortedSet<String> calls = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(name));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String g = todo.pop();
            if (!seen.add(g)) {
                continue;
            }
            for (String e : GROUPS.get(g).entries()) {
                if (e.startsWith("@")) {
                    todo.push(e);
                } else {
                    calls.add(e);
                }
            }
        }
        return Collections.unmodifiableSortedSet(calls);
    }

    /** The call names {@code entry} stands for: a group's members, or the call itself. */
    static SortedSet<String> expand(String entry) {
        return entry.startsWith("@") ? members(entry) : new TreeSet<>(List.of(entry));
    }
}
