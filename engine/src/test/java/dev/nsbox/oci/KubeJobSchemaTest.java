package dev.nsbox.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.json.Json;
import dev.nsbox.seccomp.SeccompArch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code nsbox kube} prints is a Job and a NetworkPolicy as the Kubernetes API of v1.35.0
 * defines them: each item is validated against the API's published definitions (the test
 * resource {@code kubernetes-1.35.0-definitions.json}, origin beside it), made strict (no field
 * the API does not define), as kubectl's server-side validation is.
 */
class KubeJobSchemaTest {

    private static final Path CORPUS = Path.of("src", "test", "resources", "dev", "nsbox", "oci");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonSchema schema(String definition) throws IOException {
        JsonNode defs;
        try (InputStream in = KubeJobSchemaTest.class.getResourceAsStream("kubernetes-1.35.0-definitions.json")) {
            defs = MAPPER.readTree(in).get("definitions");
        }
        strict(defs);
        ObjectNode root = MAPPER.createObjectNode();
        root.set("definitions", defs);
        root.putArray("allOf").addObject().put("$ref", "#/definitions/" + definition);
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(root);
    }

    /** Every object with listed properties refuses others, as the API server's strict decoding does. */
    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties") && !o.has("additionalProperties")) {
                o.put("additionalProperties", false);
            }
            for (Iterator<JsonNode> it = o.elements(); it.hasNext(); ) {
                strict(it.next());
            }
        } else if (node != null && node.isArray()) {
            node.forEach(KubeJobSchemaTest::strict);
        }
    }

    private static Set<ValidationMessage> validate(String definition, Object item) throws IOException {
        return schema(definition).validate(MAPPER.readTree(Json.write(item)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sealed.yaml", "loose.yaml", "unconfined.yaml", "rootless.yaml", "kube/propagation.yaml"})
    void everyItemIsValidAgainstTheKubernetesApi(String name) throws Exception {
        KubeJob job = KubeJob.of(NsboxEngine.load(new SpecSource(CORPUS.resolve(name), name, Map.of())).spec(),
                "debian:12", null, Map.of(), SeccompArch.X86_64);
        List<Map<String, Object>> items = KubeJobTest.at(job.document(), "items");
        for (Map<String, Object> item : items) {
            String definition = item.get("kind").equals("Job") ? "io.k8s.api.batch.v1.Job"
                    : "io.k8s.api.networking.v1.NetworkPolicy";
            Set<ValidationMessage> problems = validate(definition, item);
            assertTrue(problems.isEmpty(), name + " " + item.get("kind") + ": " + problems);
        }
        List<Map<String, Object>> mounts = KubeJobTest.at(items.get(0), "spec", "template", "spec", "containers", 0,
                "volumeMounts");
        for (Map<String, Object> m : mounts == null ? List.<Map<String, Object>>of() : mounts) {
            assertEquals(List.of(), recursiveReadOnlyProblems(m), name + " " + m);
            assertEquals(Boolean.TRUE.equals(m.get("readOnly")), "Enabled".equals(m.get("recursiveReadOnly")),
                    name + ": every read-only mount, and only those, is recursively read-only (Enabled) " + m);
        }
    }

    /**
     * What the published definitions leave to the API server (core/v1 validation,
     * {@code validateVolumeMounts}): {@code recursiveReadOnly} is Disabled, IfPossible or Enabled;
     * other than Disabled it needs {@code readOnly: true} and {@code mountPropagation} None or unset.
     */
    static List<String> recursiveReadOnlyProblems(Map<String, Object> mount) {
        Object rro = mount.get("recursiveReadOnly");
        if (rro == null || rro.equals("Disabled")) {
            return List.of();
        }
        if (!rro.equals("IfPossible") && !rro.equals("Enabled")) {
            return List.of("recursiveReadOnly: unsupported value " + rro);
        }
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        if (!Boolean.TRUE.equals(mount.get("readOnly"))) {
            out.add("recursiveReadOnly: " + rro + " needs readOnly: true");
        }
        Object propagation = mount.get("mountPropagation");
        if (propagation != null && !propagation.equals("None")) {
            out.add("recursiveReadOnly: " + rro + " needs mountPropagation None, not " + propagation);
        }
        return out;
    }

    @Test
    void theRecursiveReadOnlyRulesRefuseWhatTheApiServerRefuses() {
        // The check above could pass by accepting anything: each rule must fail on its own.
        assertEquals(List.of(), recursiveReadOnlyProblems(Map.of("readOnly", true, "recursiveReadOnly", "Enabled",
                "mountPropagation", "None")));
        assertEquals(1, recursiveReadOnlyProblems(Map.of("readOnly", false, "recursiveReadOnly", "Enabled")).size());
        assertEquals(1, recursiveReadOnlyProblems(Map.of("readOnly", true, "recursiveReadOnly", "Enabled",
                "mountPropagation", "HostToContainer")).size());
        assertEquals(1, recursiveReadOnlyProblems(Map.of("readOnly", true, "recursiveReadOnly", "Always")).size());
    }

    @Test
    void theSchemaRefusesAFieldTheApiDoesNotHave() throws Exception {
        // The check above could pass by accepting anything: a misspelt field must fail.
        Map<String, Object> job = Map.of("apiVersion", "batch/v1", "kind", "Job",
                "spec", Map.of("template", Map.of("spec", Map.of("containers",
                        List.of(Map.of("name", "x", "image", "y", "securityContext", Map.of("readOnlyRootFileSystem", true)))))));
        Set<ValidationMessage> problems = validate("io.k8s.api.batch.v1.Job", job);
        assertFalse(problems.isEmpty());
        assertEquals(1, problems.size(), problems.toString());
    }
}
