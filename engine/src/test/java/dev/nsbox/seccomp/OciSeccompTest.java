package dev.nsbox.seccomp;

import dev.nsbox.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciSeccompTest {

    private static Map<String, Object> oci(SeccompPolicy policy, String... caps) {
        return OciSeccomp.linuxSeccomp(policy, Set.of(caps), List.of(SeccompArch.X86_64, SeccompArch.AARCH64))
                .orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> syscalls(Map<String, Object> seccomp) {
        return (List<Map<String, Object>>) seccomp.get("syscalls");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rulesFor(Map<String, Object> seccomp, String name) {
        return syscalls(seccomp).stream().filter(r -> ((List<String>) r.get("names")).contains(name)).toList();
    }

    @Test
    void theDefaultInTheRuntimeSpecsTerms() {
        Map<String, Object> s = oci(SeccompPolicy.defaults());
        assertEquals("SCMP_ACT_ERRNO", s.get("defaultAction"));
        assertEquals(1, s.get("defaultErrnoRet"));
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"), s.get("architectures"));
        assertEquals(List.of(Map.of("names", List.of("clone"), "action", "SCMP_ACT_ALLOW",
                "args", List.of(Map.of("index", 0, "value", 0x7E020000L, "valueTwo", 0L, "op", "SCMP_CMP_MASKED_EQ")))),
                rulesFor(s, "clone"));
        assertEquals(List.of(Map.of("names", List.of("clone3"), "action", "SCMP_ACT_ERRNO", "errnoRet", 38)),
                rulesFor(s, "clone3"));
        assertEquals(5, rulesFor(s, "personality").size());
        assertEquals(List.of(List.of(Map.of("index", 0, "value", 38L, "op", "SCMP_CMP_LT")),
                List.of(Map.of("index", 0, "value", 39L, "op", "SCMP_CMP_EQ")),
                List.of(Map.of("index", 0, "value", 40L, "op", "SCMP_CMP_GT"))),
                rulesFor(s, "socket").stream().map(r -> r.get("args")).toList());
        // Refusals with EPERM are the default action's; unshare, mount and keyctl appear in no rule.
        for (String refused : List.of("unshare", "setns", "mount", "keyctl", "reboot")) {
            assertTrue(rulesFor(s, refused).isEmpty(), refused);
        }
        // Calls of either ABI are listed: open (x86_64 only) and openat (both).
        assertFalse(rulesFor(s, "open").isEmpty());
        assertFalse(rulesFor(s, "openat").isEmpty());
        String json = Json.write(s);
        assertTrue(json.startsWith("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 1,\n"), json);
    }

    @Test
    void capabilitiesAndCustomChangesCarryOver() {
        Map<String, Object> admin = oci(new SeccompPolicy.Custom(List.of(), List.of("umount2")), "CAP_SYS_ADMIN");
        assertEquals("SCMP_ACT_ALLOW", rulesFor(admin, "mount").get(0).get("action"));
        assertTrue(rulesFor(admin, "umount2").isEmpty());
        assertTrue(rulesFor(admin, "unshare").isEmpty());
    }

    @Test
    void unconfinedHasNoSeccompObject() {
        assertTrue(OciSeccomp.linuxSeccomp(new SeccompPolicy.Unconfined(), Set.of(), List.of(SeccompArch.X86_64))
                .isEmpty());
    }
}
