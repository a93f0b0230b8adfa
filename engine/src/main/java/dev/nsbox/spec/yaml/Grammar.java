package dev.nsbox.spec.yaml;

import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of the spec language, their value types, the words each enumeration accepts and the
 * keys each mount type accepts: the one table that the parser checks against, that error
 * messages list accepted words from, and that {@link SpecSchema} turns into a JSON Schema.
 *
 * <p>Immutable.
 */
public final class Grammar {

    private Grammar() {
    }

    /** The kind of value a key takes; each has one reader in {@code NodeReader} and one schema. */
    public enum Type {
        /** Any string. */
        STRING,
        /** The spec's name: {@code [a-z0-9][a-z0-9-]*}. */
        NAME,
        /** A step's name: {@code [A-Za-z0-9][A-Za-z0-9._-]*}. */
        STEP_NAME,
        /** An RFC 1123 host name of at most 64 bytes. */
        HOSTNAME,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** The format version; only 1. */
        VERSION,
        /** A user or group id, 0 to 2147483647. */
        ID,
        /** {@code 64k}, {@code 64m}, {@code 2g} or bytes. */
        SIZE,
        /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or a combination such as {@code 1m30s}. */
        DURATION,
        /** Permission bits in octal, as chmod(1) reads them: {@code "1777"}, {@code 0755}. */
        MODE,
        /** A path of the host: absolute, or relative to the spec file's folder. */
        HOST_PATH,
        /** A list of {@link #HOST_PATH}, at least one. */
        HOST_PATH_LIST,
        /** An absolute path inside the sandbox. */
        SANDBOX_PATH,
        /** One word of {@link Key#words()}. */
        WORD,
        /** A list of words of {@link Key#words()}, each at most once. */
        WORD_LIST,
        /** A list of environment variable names. */
        ENV_NAMES,
        /** A map of environment variable names to values. */
        ENV_MAP,
        /** An argv: a non-empty list of strings (numbers and booleans are taken as written). */
        ARGV,
        /** A whole number of at least 1, such as a count of processes. */
        COUNT,
        /** A decimal number greater than 0, such as {@code 1.5} CPUs. */
        DECIMAL,
        /** Capability names ({@code CAP_NET_BIND_SERVICE}), each at most once. */
        CAPABILITIES,
        /** {@code default}, {@code unconfined}, or a map {@code {allow: [...], deny: [...]}} of call names and groups. */
        SECCOMP,
        /** A list of system-call names and {@code @groups}. */
        SYSCALLS,
        /** A nested map, described by {@link Key#section()}. */
        OBJECT,
        /** A list of nested maps, each described by {@link Key#section()}. */
        OBJECT_LIST
    }

    /**
     * One key of a map.
     *
     * @param words   the accepted words of a {@link Type#WORD} or {@link Type#WORD_LIST}, in the
     *                order messages list them; empty otherwise
     * @param section the keys of an {@link Type#OBJECT} or {@link Type#OBJECT_LIST}, else null
     * @param doc     one sentence for the schema's {@code description}
     */
    public record Key(String name, Type type, boolean required, List<String> words, Section section, String doc) {
        public Key {
            words = List.copyOf(words);
        }
    }

    /** The keys of one kind of map ({@code root}, a mount, a step), in document order. */
    public record Section(String name, String doc, List<Key> keys) {
        public Section {
            keys = List.copyOf(keys);
        }

        public Key key(String name) {
            for (Key k : keys) {
                if (k.name().equals(name)) {
                    return k;
                }
            }
            return null;
        }

        public List<String> names() {
            return keys.stream().map(Key::name).toList();
        }
    }

    public static final List<String> NAMESPACES = words(Namespace.values(), Namespace::word);
    /** The tree accepts every propagation, {@code unchanged} included. */
    public static final List<String> TREE_PROPAGATIONS = words(Propagation.values(), Propagation::word);
    /** A mount accepts every propagation but {@code unchanged}, which only means "leave it". */
    public static final List<String> MOUNT_PROPAGATIONS = TREE_PROPAGATIONS.stream()
            .filter(w -> !w.equals(Propagation.UNCHANGED.word())).toList();
    public static final List<String> HOST_EFFECTS = words(HostEffectsPolicy.values(), HostEffectsPolicy::word);
    public static final List<String> ROOT_TYPES = words(RootType.values(), RootType::word);
    public static final List<String> MOUNT_TYPES = words(MountType.values(), MountType::word);

    public static final Section USER = new Section("user", "The ids the caller is mapped to inside a user namespace.",
            List.of(
                    key("uid", Type.ID, "The user id inside the user namespace (default 0)."),
                    key("gid", Type.ID, "The group id inside the user namespace (default 0).")));

    public static final Section ROOT = new Section("root", "What / is inside the sandbox (default {type: host}).",
            List.of(
                    word("type", ROOT_TYPES, "host: the host's tree; tmpfs: an empty tmpfs; dir: a host directory."),
                    key("readOnly", Type.BOOLEAN, "Make the root read-only (for host: the whole tree, recursively)."),
                    key("path", Type.HOST_PATH, "dir only: the directory that becomes /.")));

    public static final Section MOUNT = new Section("mount", "One mount, applied in order after propagation and root.",
            List.of(
                    new Key("type", Type.WORD, true, MOUNT_TYPES, null, "The kind of mount."),
                    key("source", Type.HOST_PATH, "bind: the host path to bind, as the host sees it before the sandbox."),
                    key("target", Type.SANDBOX_PATH, "Where the mount goes: an absolute path inside the sandbox."),
                    key("readOnly", Type.BOOLEAN, "Make the mount read-only (a recursive bind: every submount)."),
                    key("recursive", Type.BOOLEAN, "bind: include submounts (rbind, default true); remount: change submounts too."),
                    word("propagation", MOUNT_PROPAGATIONS, "Propagation of this mount, applied after it is made."),
                    key("optional", Type.BOOLEAN, "bind: skip the mount when the source does not exist."),
                    key("size", Type.SIZE, "tmpfs: the size limit (64k, 64m, 2g or bytes)."),
                    key("mode", Type.MODE, "tmpfs: permission bits of the root directory in octal, such as \"1777\"."),
                    key("uid", Type.ID, "tmpfs: owner of the root directory."),
                    key("gid", Type.ID, "tmpfs: group of the root directory."),
                    key("lower", Type.HOST_PATH_LIST, "overlay: the lower directories, top-most first."),
                    key("upper", Type.HOST_PATH, "overlay: the upper directory; without it writes go to a tmpfs and vanish."),
                    key("nosuid", Type.BOOLEAN, "Ignore set-user-id and set-group-id bits (MS_NOSUID)."),
                    key("nodev", Type.BOOLEAN, "Refuse access to device files (MS_NODEV)."),
                    key("noexec", Type.BOOLEAN, "Refuse to execute programs (MS_NOEXEC)."),
                    key("replace", Type.BOOLEAN, "With extends: take the place of an earlier file's mount on the "
                            + "same target instead of being an error.")));

    /** The keys each mount type accepts (besides {@code type}), in the order messages list them. */
    public static final Map<MountType, List<String>> MOUNT_KEYS;
    /** The keys each mount type needs (besides {@code type}). */
    public static final Map<MountType, List<String>> MOUNT_REQUIRED;

    static {
        List<String> flags = List.of("nosuid", "nodev", "noexec");
        Map<MountType, List<String>> keys = new EnumMap<>(MountType.class);
        Map<MountType, List<String>> required = new EnumMap<>(MountType.class);
        keys.put(MountType.BIND, concat(List.of("source", "target", "readOnly", "recursive", "propagation", "optional"), flags));
        keys.put(MountType.TMPFS, concat(List.of("target", "size", "mode", "uid", "gid", "readOnly"), flags));
        keys.put(MountType.PROC, concat(List.of("target"), flags));
        keys.put(MountType.SYSFS, concat(List.of("target"), flags));
        keys.put(MountType.DEV, concat(List.of("target"), flags));
        keys.put(MountType.DEVPTS, concat(List.of("target"), flags));
        keys.put(MountType.MQUEUE, concat(List.of("target"), flags));
        keys.put(MountType.OVERLAY, concat(List.of("target", "lower", "upper", "readOnly"), flags));
        keys.put(MountType.HIDE, concat(List.of("target"), flags));
        keys.put(MountType.REMOUNT, concat(List.of("target", "readOnly"), concat(flags, List.of("propagation", "recursive"))));
        // Every type may take an earlier file's place when specs are composed (extends).
        keys.replaceAll((t, l) -> concat(l, List.of("replace")));
        for (MountType t : MountType.values()) {
            required.put(t, t == MountType.BIND ? List.of("source", "target")
                    : t == MountType.OVERLAY ? List.of("target", "lower") : List.of("target"));
        }
        MOUNT_KEYS = Collections.unmodifiableMap(keys);
        MOUNT_REQUIRED = Collections.unmodifiableMap(required);
    }

    public static final Section ENV = new Section("env", "How the steps' environment is built.",
            List.of(
                    key("clear", Type.BOOLEAN, "Start from an empty environment instead of the caller's (default false)."),
                    key("keep", Type.ENV_NAMES, "Variables of the caller's environment to keep when clear is set."),
                    key("set", Type.ENV_MAP, "Variables to set, applied last.")));

    public static final Section PROCESS = new Section("process", "How every step runs.",
            List.of(
                    key("cwd", Type.SANDBOX_PATH, "The working directory: an absolute path inside the sandbox."),
                    new Key("env", Type.OBJECT, false, List.of(), ENV, ENV.doc()),
                    key("timeout", Type.DURATION, "Per step, unless the step says otherwise (500ms, 30s, 10m, 1h)."),
                    key("noNewPrivileges", Type.BOOLEAN, "Set PR_SET_NO_NEW_PRIVS before each step (default true)."),
                    key("capabilities", Type.CAPABILITIES, "The capabilities every step keeps (default none: every "
                            + "set empty, securebits locked)."),
                    key("seccomp", Type.SECCOMP, "The system-call filter: default (Docker's baseline, namespace "
                            + "creation refused), unconfined, or {allow: [...], deny: [...]} of calls and @groups.")));

    /** The words {@code process.seccomp} takes as a scalar. */
    public static final List<String> SECCOMP_WORDS = List.of("default", "unconfined");

    public static final Section SECCOMP = new Section("seccomp", "Changes to the default system-call filter.",
            List.of(
                    key("allow", Type.SYSCALLS, "Calls and @groups added to the default's allow-list."),
                    key("deny", Type.SYSCALLS, "Calls and @groups refused with EPERM, whatever allows them.")));

    public static final Section LIMITS = new Section("limits", "What the sandbox may consume (default: no limit).",
            List.of(
                    key("memory", Type.SIZE, "Memory of the whole sandbox, without swap (cgroup; 256m, 2g or bytes)."),
                    key("pids", Type.COUNT, "Processes and threads of the whole sandbox (cgroup)."),
                    key("cpu", Type.DECIMAL, "CPUs the sandbox may use, such as 1.5 (cgroup CPU quota)."),
                    key("openFiles", Type.COUNT, "Open descriptors per process (RLIMIT_NOFILE, soft and hard)."),
                    key("fileSize", Type.SIZE, "Bytes a process may write to a file (RLIMIT_FSIZE, soft and hard).")));

    public static final Section STEP = new Section("step", "One step: run (argv, no shell) or shell (/bin/sh -c).",
            List.of(
                    key("name", Type.STEP_NAME, "The step's name (default step-N, 1-based)."),
                    key("run", Type.ARGV, "The command and its arguments, executed without a shell."),
                    key("shell", Type.STRING, "A command line for /bin/sh -c."),
                    key("timeout", Type.DURATION, "This step's timeout (500ms, 30s, 10m, 1h)."),
                    key("env", Type.ENV_MAP, "Variables to set for this step, on top of process.env."),
                    key("cwd", Type.SANDBOX_PATH, "This step's working directory: an absolute path inside the sandbox.")));

    public static final Section TOP = new Section("spec", "An nsbox isolation spec, version 1.",
            List.of(
                    new Key("version", Type.VERSION, true, List.of(), null, "The format version; 1 is the only one."),
                    key("extends", Type.HOST_PATH_LIST, "Base specs applied in order before this one, relative to "
                            + "this file: maps merge, mounts and steps append, a later value wins."),
                    key("name", Type.NAME, "The spec's name: lower-case letters, digits and hyphens."),
                    key("description", Type.STRING, "What the sandbox is for."),
                    new Key("namespaces", Type.WORD_LIST, false, NAMESPACES, null, "The namespaces to create."),
                    new Key("user", Type.OBJECT, false, List.of(), USER, USER.doc()),
                    key("hostname", Type.HOSTNAME, "The host name inside the sandbox (needs the uts namespace)."),
                    word("propagation", TREE_PROPAGATIONS,
                            "Applied to / of the new mount namespace before any mount (default rprivate)."),
                    word("hostEffects", HOST_EFFECTS, "deny (default): refuse a spec that would change the host's mounts."),
                    new Key("root", Type.OBJECT, false, List.of(), ROOT, ROOT.doc()),
                    new Key("mounts", Type.OBJECT_LIST, false, List.of(), MOUNT, "The mounts, applied in order."),
                    new Key("process", Type.OBJECT, false, List.of(), PROCESS, PROCESS.doc()),
                    new Key("limits", Type.OBJECT, false, List.of(), LIMITS, LIMITS.doc()),
                    new Key("steps", Type.OBJECT_LIST, false, List.of(), STEP, "What run executes, in order, in one sandbox.")));

    private static Key key(String name, Type type, String doc) {
        return new Key(name, type, false, List.of(), null, doc);
    }

    private static Key word(String name, List<String> words, String doc) {
        return new Key(name, Type.WORD, false, words, null, doc);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static <E> List<String> words(E[] values, java.util.function.Function<E, String> word) {
        return Arrays.stream(values).map(word).toList();
    }

    /** Every key some mount type accepts, {@code type} first. */
    static Set<String> allMountKeys() {
        Set<String> all = new LinkedHashSet<>();
        all.add("type");
        MOUNT_KEYS.values().forEach(all::addAll);
        return all;
    }

    /** The mount types that accept {@code key}, for "only bind takes source". */
    static List<String> typesAccepting(String key) {
        Map<MountType, List<String>> m = new LinkedHashMap<>(MOUNT_KEYS);
        return m.entrySet().stream().filter(e -> e.getValue().contains(key)).map(e -> e.getKey().word()).toList();
    }
}
