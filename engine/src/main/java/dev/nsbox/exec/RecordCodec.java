package dev.nsbox.exec;

import dev.nsbox.seccomp.BpfProgram;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.seccomp.SeccompFilter;
import dev.nsbox.seccomp.SeccompPolicy;
import dev.nsbox.seccomp.SockFilter;
import dev.nsbox.spec.Origin;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Writes and reads the engine's immutable records ({@code Plan} with its {@code Spec},
 * operations and steps; {@code StepResult}, {@code RunResult}) as a compact binary form, so
 * that a {@link SandboxServer} in another JVM runs exactly the plan its caller made.
 *
 * <p>Records are written component by component (each component's field), in declaration
 * order, and rebuilt through their canonical constructors, so every check a constructor makes
 * runs again on the other side. Only records and enums of {@code dev.nsbox} are accepted, and
 * only these values inside them: {@code null}, {@code String}, the boxed and primitive integers, {@code Boolean},
 * {@code Duration}, {@code List}, {@code Set}, {@code Map}, {@code Optional}, {@code OptionalLong},
 * {@code BigDecimal}, and a step's {@code SeccompFilter} (sent as its policy, ABI and kept
 * capabilities, and compiled again on the other side, where its program is made). Anything else
 * is an {@link IllegalArgumentException} naming the type: a field added to a record with a new
 * kind of value fails the codec's test, not a run.
 *
 * <p>{@link #writeWithPrograms} and {@link #readWithPrograms} write and read a filter with its
 * compiled program and its summary line as well, and read it back without compiling it again
 * ({@link SeccompFilter#compiled}): for a reader that trusts the writer as itself (the plan
 * cache, whose entries are the user's own and read back when stored). The helper JVM's protocol
 * sends policies, and {@link #read} refuses a program.
 */
public final class RecordCodec {

    private static final String PACKAGE = "dev.nsbox.";

    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte INT = 2;
    private static final byte LONG = 3;
    private static final byte BOOLEAN = 4;
    private static final byte DURATION = 5;
    private static final byte LIST = 6;
    private static final byte SET = 7;
    private static final byte MAP = 8;
    private static final byte OPTIONAL = 9;
    private static final byte ENUM = 10;
    private static final byte RECORD = 11;
    private static final byte OPTIONAL_LONG = 12;
    private static final byte BIG_DECIMAL = 13;
    private static final byte SECCOMP_FILTER = 14;
    private static final byte COMPILED_SECCOMP_FILTER = 15;
    private static final byte ORIGIN = 16;

    /** How {@link #write} writes: with programs ({@link #writeWithPrograms}), and canonical ({@link #canonicalForm}). */
    private static final int POLICIES = 0;
    private static final int PROGRAMS = 1;
    private static final int CANONICAL = 3;

    private RecordCodec() {
    }

    public static void write(DataOutputStream out, Object v) throws IOException {
        write(out, v, POLICIES);
    }

    /** {@link #write}, with each seccomp filter's compiled program; see the class comment. */
    public static void writeWithPrograms(DataOutputStream out, Object v) throws IOException {
        write(out, v, PROGRAMS);
    }

    /**
     * {@code v} as {@link #writeWithPrograms} writes it, but with the elements of every set and
     * the entries of every map in a fixed order: two values have the same form exactly when
     * they have the same components all the way down (sets and maps compared as sets and maps,
     * lists in order, each filter with its program). For comparing values cheaply in a cold JVM,
     * where a record's {@code equals} bootstraps through {@code ObjectMethods}; never read.
     */
    public static byte[] canonicalForm(Object v) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(16384);
        DataOutputStream d = new DataOutputStream(b);
        write(d, v, CANONICAL);
        d.flush();
        return b.toByteArray();
    }

    public static Object read(DataInputStream in) throws IOException {
        return read(in, false);
    }

    /** {@link #read} of what {@link #writeWithPrograms} wrote; see the class comment. */
    public static Object readWithPrograms(DataInputStream in) throws IOException {
        return read(in, true);
    }

    private static void write(DataOutputStream out, Object v, int mode) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (v instanceof Duration d) {
            out.writeByte(DURATION);
            out.writeLong(d.getSeconds());
            out.writeInt(d.getNano());
        } else if (v instanceof List<?> l) {
            out.writeByte(LIST);
            out.writeInt(l.size());
            for (Object e : l) {
                write(out, e, mode);
            }
        } else if (v instanceof Set<?> s) {
            out.writeByte(SET);
            out.writeInt(s.size());
            if (mode == CANONICAL) {
                writeSorted(out, s, false);
            } else {
                for (Object e : s) {
                    write(out, e, mode);
                }
            }
        } else if (v instanceof Map<?, ?> m) {
            out.writeByte(MAP);
            out.writeInt(m.size());
            if (mode == CANONICAL) {
                writeSorted(out, m.entrySet(), true);
            } else {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    write(out, e.getKey(), mode);
                    write(out, e.getValue(), mode);
                }
            }
        } else if (v instanceof Optional<?> o) {
            out.writeByte(OPTIONAL);
            write(out, o.orElse(null), mode);
        } else if (v instanceof OptionalLong o) {
            out.writeByte(OPTIONAL_LONG);
            out.writeBoolean(o.isPresent());
            out.writeLong(o.orElse(0));
        } else if (v instanceof BigDecimal d) {
            out.writeByte(BIG_DECIMAL);
            writeString(out, d.toString());
        } else if (v instanceof SeccompFilter f) {
            boolean programs = (mode & PROGRAMS) != 0;
            out.writeByte(programs ? COMPILED_SECCOMP_FILTER : SECCOMP_FILTER);
            write(out, f.policy(), mode);
            write(out, f.arch(), mode);
            write(out, f.keptCapabilities(), mode);
            if (programs) {
                byte[] b = f.program().bytes();
                out.writeInt(b.length);
                out.write(b);
                writeString(out, f.summary());
            }
        } else if (v instanceof Origin o) {
            // The most frequent record of a plan (every value of the spec has one), written and
            // made directly: through reflection its canonical constructor is called often enough
            // for the JDK to spin an accessor class (inflation), a cold JVM's cost on every hit.
            out.writeByte(ORIGIN);
            writeString(out, o.file());
            out.writeInt(o.line());
            out.writeInt(o.column());
            writeString(out, o.path());
        } else if (v instanceof Enum<?> e) {
            out.writeByte(ENUM);
            writeString(out, accepted(e.getDeclaringClass()).getName());
            writeString(out, e.name());
        } else if (v instanceof Record r) {
            out.writeByte(RECORD);
            Class<?> c = accepted(r.getClass());
            writeString(out, c.getName());
            Field[] fields = FIELDS.get(c);
            out.writeShort(fields.length);
            for (Field f : fields) {
                try {
                    write(out, f.get(r), mode);
                } catch (IllegalAccessException e) {
                    throw new IllegalArgumentException("cannot read " + c.getName() + "." + f.getName(), e);
                }
            }
        } else {
            throw new IllegalArgumentException("cannot encode a " + v.getClass().getName());
        }
    }

    /**
     * The elements of a set (or the entries of a map) in the order of their own canonical forms,
     * so that equal sets and maps have the same form whatever their iteration order ({@code Set.of}
     * and {@code Map.of} iterate in an order drawn at random for each JVM).
     */
    private static void writeSorted(DataOutputStream out, java.util.Collection<?> items, boolean entries)
            throws IOException {
        List<byte[]> forms = new ArrayList<>(items.size());
        for (Object item : items) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(b);
            if (entries) {
                write(d, ((Map.Entry<?, ?>) item).getKey(), CANONICAL);
                write(d, ((Map.Entry<?, ?>) item).getValue(), CANONICAL);
            } else {
                write(d, item, CANONICAL);
            }
            d.flush();
            forms.add(b.toByteArray());
        }
        forms.sort(java.util.Arrays::compareUnsigned);
        for (byte[] f : forms) {
            out.write(f);
        }
    }

    private static Object read(DataInputStream in, boolean programs) throws IOException {
        byte tag = in.readByte();
        switch (tag) {
            case NULL:
                return null;
            case STRING:
                return readString(in);
            case INT:
                return in.readInt();
            case LONG:
                return in.readLong();
            case BOOLEAN:
                return in.readBoolean();
            case DURATION:
                return Duration.ofSeconds(in.readLong(), in.readInt());
            case LIST: {
                int n = in.readInt();
                List<Object> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    l.add(read(in, programs));
                }
                return l;
            }
            case SET: {
                int n = in.readInt();
                Set<Object> s = new LinkedHashSet<>();
                for (int i = 0; i < n; i++) {
                    s.add(read(in, programs));
                }
                return s;
            }
            case MAP: {
                int n = in.readInt();
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read(in, programs);
                    m.put(k, read(in, programs));
                }
                return m;
            }
            case OPTIONAL:
                return Optional.ofNullable(read(in, programs));
            case OPTIONAL_LONG: {
                boolean present = in.readBoolean();
                long value = in.readLong();
                return present ? OptionalLong.of(value) : OptionalLong.empty();
            }
            case BIG_DECIMAL:
                try {
                    return new BigDecimal(readString(in));
                } catch (NumberFormatException e) {
                    throw new IOException("not a decimal number", e);
                }
            case SECCOMP_FILTER:
            case COMPILED_SECCOMP_FILTER: {
                if (tag == COMPILED_SECCOMP_FILTER && !programs) {
                    throw new IOException("a compiled seccomp program where a policy is expected");
                }
                Object policy = read(in, programs);
                Object arch = read(in, programs);
                Object kept = read(in, programs);
                if (!(policy instanceof SeccompPolicy p) || !(arch instanceof SeccompArch a) || !(kept instanceof Set<?> k)) {
                    throw new IOException("a seccomp filter is a policy, an ABI and a set of capability names");
                }
                Set<String> names = new LinkedHashSet<>();
                for (Object o : k) {
                    names.add((String) o);
                }
                if (tag == COMPILED_SECCOMP_FILTER) {
                    int n = in.readInt();
                    if (n < 0 || n > BpfProgram.MAX_INSTRUCTIONS * SockFilter.SIZE) {
                        throw new IOException("a seccomp program of " + n + " bytes");
                    }
                    byte[] b = new byte[n];
                    in.readFully(b);
                    return SeccompFilter.compiled(p, names, a, BpfProgram.ofBytes(a, b), readString(in));
                }
                return SeccompFilter.of(p, names, a).orElseThrow(
                        () -> new IOException("an unconfined policy has no filter"));
            }
            case ORIGIN:
                return new Origin(readString(in), in.readInt(), in.readInt(), readString(in));
            case ENUM: {
                Class<?> c = load(readString(in));
                String name = readString(in);
                for (Object e : c.getEnumConstants()) {
                    if (((Enum<?>) e).name().equals(name)) {
                        return e;
                    }
                }
                throw new IOException("no constant " + name + " in " + c.getName());
            }
            case RECORD: {
                Class<?> c = load(readString(in));
                if (!c.isRecord()) {
                    throw new IOException(c.getName() + " is not a record");
                }
                Constructor<?> constructor;
                try {
                    constructor = CONSTRUCTORS.get(c);
                } catch (IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
                int n = in.readShort();
                if (n != constructor.getParameterCount()) {
                    throw new IOException(c.getName() + " has " + constructor.getParameterCount() + " components, got " + n
                            + " (the two JVMs run different versions of nsbox)");
                }
                Object[] args = new Object[n];
                for (int i = 0; i < n; i++) {
                    args[i] = read(in, programs);
                }
                try {
                    return constructor.newInstance(args);
                } catch (ReflectiveOperationException | IllegalArgumentException e) {
                    throw new IOException("cannot rebuild " + c.getName() + ": " + e, e);
                }
            }
            default:
                throw new IOException("unknown tag " + tag);
        }
    }

    private static Class<?> accepted(Class<?> c) {
        if (!c.getName().startsWith(PACKAGE)) {
            throw new IllegalArgumentException("cannot encode a " + c.getName());
        }
        return c;
    }

    private static Class<?> load(String name) throws IOException {
        if (!name.startsWith(PACKAGE)) {
            throw new IOException("refusing to load " + name);
        }
        Class<?> c = LOADED.get(name);
        if (c != null) {
            return c;
        }
        try {
            c = Class.forName(name, false, RecordCodec.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IOException("unknown type " + name, e);
        }
        LOADED.put(name, c);
        return c;
    }

    /**
     * A record class's component fields, in declaration order, looked up once per class. A
     * record's state is its components' private fields, which its canonical constructor makes
     * (no record of the engine overrides an accessor); they are read directly, not through the
     * accessors: {@code Method.invoke} spins an accessor class for each method called more than
     * 15 times (the JDK's reflection inflation), about 30 classes for one plan encoded three
     * times by the plan cache's store, where a field read through {@code Field.get} spins none.
     */
    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> c) {
            RecordComponent[] parts = components(c);
            Field[] fields = new Field[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    fields[i] = c.getDeclaredField(parts[i].getName());
                } catch (NoSuchFieldException e) {
                    throw new IllegalArgumentException(c.getName() + " has no field " + parts[i].getName(), e);
                }
                fields[i].setAccessible(true);
            }
            return fields;
        }
    };

    /**
     * A record class's canonical constructor, looked up once per class: {@code
     * Class.getRecordComponents()} parses the class file's Record attribute on every call, which
     * made the codec cost as much as planning the spec again on each rootless run.
     */
    private static final ClassValue<Constructor<?>> CONSTRUCTORS = new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> c) {
            RecordComponent[] parts = components(c);
            Class<?>[] types = new Class<?>[parts.length];
            for (int i = 0; i < parts.length; i++) {
                types[i] = parts[i].getType();
            }
            try {
                Constructor<?> k = c.getDeclaredConstructor(types);
                k.setAccessible(true);
                return k;
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(c.getName() + " has no canonical constructor", e);
            }
        }
    };

    private static RecordComponent[] components(Class<?> c) {
        RecordComponent[] parts = c.getRecordComponents();
        if (parts == null) {
            throw new IllegalArgumentException(c.getName() + " is not a record");
        }
        return parts;
    }

    /** Classes by name, loaded once: every record of a plan names its class. Only {@code dev.nsbox} names get here. */
    private static final Map<String, Class<?>> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * UTF-8 with an int length: {@code writeUTF} stops at 64 KiB, and a step's line may not.
     *
     * @throws IllegalArgumentException for a string with a lone surrogate, which UTF-8 cannot
     *         hold ({@code getBytes} would write {@code ?}): two different strings never have
     *         the same form, so that the plan cache may compare plans by their bytes
     */
    public static void writeString(DataOutputStream out, String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw new IllegalArgumentException("cannot encode a string with a lone surrogate at " + i);
                }
                i++;
            }
        }
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    public static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative string length");
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new java.io.EOFException();
        }
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
