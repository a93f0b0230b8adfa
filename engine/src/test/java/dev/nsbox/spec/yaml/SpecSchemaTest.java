package dev.nsbox.spec.yaml;

import dev.nsbox.spec.MountType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecSchemaTest {

    /** The committed copy, {@code specs/nsbox.schema.json} at the project's root. */
    static final Path COMMITTED = Path.of(System.getProperty("user.dir")).getParent().resolve("specs/nsbox.schema.json");

    @Test
    void theCommittedSchemaIsCurrent() throws IOException {
        String committed = Files.exists(COMMITTED) ? Files.readString(COMMITTED, StandardCharsets.UTF_8) : "";
        assertEquals(SpecSchema.json(), committed, "specs/nsbox.schema.json is out of date; regenerate it from the "
                + "project's root with:\n  mvn -q -o -pl engine package -DskipTests && "
                + "java -jar engine/target/nsbox.jar schema > specs/nsbox.schema.json");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyKeyOfTheGrammarIsInTheSchema() {
        Map<String, Object> schema = SpecSchema.schema();
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema"));
        assertEquals(Grammar.TOP.names(), List.copyOf(((Map<String, Object>) schema.get("properties")).keySet()));
        assertEquals(List.of("version"), schema.get("required"));
        assertEquals(false, schema.get("additionalProperties"));
        Map<String, Object> defs = (Map<String, Object>) schema.get("$defs");
        for (Grammar.Section s : List.of(Grammar.USER, Grammar.ROOT, Grammar.MOUNT, Grammar.PROCESS, Grammar.ENV,
                Grammar.STEP)) {
            Map<String, Object> def = (Map<String, Object>) defs.get(s.name());
            assertEquals(s.names(), List.copyOf(((Map<String, Object>) def.get("properties")).keySet()), s.name());
            assertEquals(false, def.get("additionalProperties"), s.name());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachMountTypeAcceptsExactlyTheKeysTheParserAccepts() {
        Map<String, Object> mount = (Map<String, Object>) ((Map<String, Object>) SpecSchema.schema().get("$defs"))
                .get("mount");
        List<Map<String, Object>> rules = (List<Map<String, Object>>) mount.get("allOf");
        assertEquals(MountType.values().length, rules.size());
        for (int i = 0; i < rules.size(); i++) {
            MountType t = MountType.values()[i];
            Map<String, Object> then = (Map<String, Object>) rules.get(i).get("then");
            List<String> accepted = (List<String>) ((Map<String, Object>) then.get("propertyNames")).get("enum");
            assertEquals("type", accepted.get(0));
            assertEquals(Grammar.MOUNT_KEYS.get(t), accepted.subList(1, accepted.size()), t.word());
            assertEquals(Grammar.MOUNT_REQUIRED.get(t), then.get("required"), t.word());
        }
        assertTrue(SpecSchema.json().endsWith("}\n"));
    }
}
