package dev.nsbox.spec.yaml;

import dev.nsbox.json.Json;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.yaml.Grammar.Key;
import dev.nsbox.spec.yaml.Grammar.Section;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema (draft 2020-12) of the spec format, for editors: point yaml-language-server
 * at it with {@code # yaml-language-server: $schema=.../nsbox.schema.json}. Built from
 * {@link Grammar}, the table the parser checks against, so the two cannot drift apart.
 *
 * <p>The schema is a little looser than nsbox where JSON Schema cannot say what nsbox checks
 * (a variable stands for any value; paths are not normalised; duplicate step names) and a
 * little stricter in one place: it flags an empty {@code mounts:} or {@code root:}, which
 * nsbox reads as "none".
 */
public final class SpecSchema {

    private SpecSchema() {
    }

    /** The schema, as indented JSON ending with a newline. */
    public static String json() {
        return Json.write(schema()) + "\n";
    }

    /** The schema as plain maps and lists ({@link Json}'s input). */
    public static Map<String, Object> schema() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        s.put("title", "nsbox isolation spec, version 1");
        s.putAll(section(Grammar.TOP));
        Map<String, Object> defs = new LinkedHashMap<>();
        defs.put("user", section(Grammar.USER));
        defs.put("root", root());
        defs.put("mount", mount());
        defs.put("process", section(Grammar.PROCESS));
        defs.put("seccomp", section(Grammar.SECCOMP));
        defs.put("limits", section(Grammar.LIMITS));
        defs.put("env", section(Grammar.ENV));
        defs.put("step", step());
        defs.put("variable", map("type", "string", "pattern", "\\$\\{",
                "description", "A value given by a variable, ${name} or ${name:-default}, checked once expanded."));
        s.put("$defs", defs);
        return s;
    }

    private static Map<String, Object> section(Section section) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("description", section.doc());
        s.put("type", "object");
        List<String> required = section.keys().stream().filter(Key::required).map(Key::name).toList();
        if (!required.isEmpty()) {
            s.put("required", required);
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Key k : section.keys()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("description", k.doc());
            p.putAll(value(k));
            properties.put(k.name(), p);
        }
        s.put("properties", properties);
        s.put("additionalProperties", false);
        return s;
    }

    private static Map<String, Object> root() {
        Map<String, Object> s = section(Grammar.ROOT);
        s.put("if", map("properties", map("type", map("const", "dir")), "required", List.of("type")));
        s.put("then", map("required", List.of("path")));
        s.put("else", map("not", map("required", List.of("path"))));
        return s;
    }

    /** Each mount type accepts exactly its keys of {@link Grammar#MOUNT_KEYS} and needs its required ones. */
    private static Map<String, Object> mount() {
        Map<String, Object> s = section(Grammar.MOUNT);
        List<Object> rules = new ArrayList<>();
        for (MountType t : MountType.values()) {
            List<String> accepted = new ArrayList<>();
            accepted.add("type");
            accepted.addAll(Grammar.MOUNT_KEYS.get(t));
            rules.add(map(
                    "if", map("properties", map("type", map("const", t.word())), "required", List.of("type")),
                    "then", map("required", Grammar.MOUNT_REQUIRED.get(t), "propertyNames", map("enum", accepted))));
        }
        s.put("allOf", rules);
        return s;
    }

    private static Map<String, Object> step() {
        Map<String, Object> s = section(Grammar.STEP);
        s.put("oneOf", List.of(map("required", List.of("run")), map("required", List.of("shell"))));
        return s;
    }

    private static final Map<String, Object> VARIABLE = map("$ref", "#/$defs/variable");

    /** The schema of one key's value. */
    private static Map<String, Object> value(Key k) {
        return switch (k.type()) {
            case STRING -> map("type", "string");
            case NAME -> orVariable(map("type", "string", "pattern", "^" + Values.NAME.pattern() + "$"));
            case STEP_NAME -> orVariable(map("type", "string", "pattern", "^" + Values.STEP_NAME.pattern() + "$"));
            case HOSTNAME -> orVariable(map("type", "string", "maxLength", Values.HOSTNAME_MAX,
                    "pattern", "^" + Values.HOSTNAME.pattern() + "$"));
            case BOOLEAN -> orVariable(map("type", "boolean"));
            case VERSION -> map("const", 1);
            case ID -> orVariable(map("type", "integer", "minimum", 0, "maximum", Integer.MAX_VALUE));
            case SIZE -> orVariable(map("type", "integer", "minimum", 1),
                    map("type", "string", "pattern", "^[0-9]+[kKmMgG]?$"));
            case DURATION -> orVariable(map("type", "string", "minLength", 2,
                    "pattern", "^([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$"));
            case MODE -> orVariable(map("type", "string", "pattern", "^(0o)?[0-7]{1,5}$"),
                    map("type", "integer", "minimum", 0, "maximum", 7777));
            case HOST_PATH -> map("type", "string", "minLength", 1);
            case HOST_PATH_LIST -> map("type", "array", "minItems", 1, "items", map("type", "string", "minLength", 1));
            case SANDBOX_PATH -> map("type", "string", "pattern", "^(/|\\$\\{)");
            case WORD -> orVariable(map("enum", k.words()));
            case WORD_LIST -> map("type", "array", "uniqueItems", true, "items", orVariable(map("enum", k.words())));
            case ENV_NAMES -> map("type", "array", "items", map("type", "string", "pattern", "^[^=]+$"));
            case ENV_MAP -> map("type", "object", "propertyNames", map("pattern", "^[^=]+$"),
                    "additionalProperties", map("type", List.of("string", "number", "boolean")));
            case ARGV -> map("type", "array", "minItems", 1,
                    "items", map("type", List.of("string", "number", "boolean")));
            case COUNT -> orVariable(map("type", "integer", "minimum", 1));
            case DECIMAL -> orVariable(map("type", "number", "exclusiveMinimum", 0),
                    map("type", "string", "pattern", "^[0-9]+(\\.[0-9]+)?$"));
            case CAPABILITIES -> map("type", "array", "uniqueItems", true,
                    "items", map("enum", dev.nsbox.spec.Capability.names()));
            case SECCOMP -> map("anyOf", List.of(map("enum", Grammar.SECCOMP_WORDS),
                    map("$ref", "#/$defs/" + Grammar.SECCOMP.name())));
            case SYSCALLS -> map("type", "array", "items", map("type", "string", "pattern", "^@?[a-z0-9_-]+$"));
            case OBJECT -> map("$ref", "#/$defs/" + k.section().name());
            case OBJECT_LIST -> map("type", "array", "items", map("$ref", "#/$defs/" + k.section().name()));
        };
    }

    private static Map<String, Object> orVariable(Object... schemas) {
        List<Object> any = new ArrayList<>(List.of(schemas));
        any.add(VARIABLE);
        return map("anyOf", any);
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
