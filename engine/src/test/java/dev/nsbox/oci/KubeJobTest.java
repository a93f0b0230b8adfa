package dev.nsbox.oci;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.engine.SpecSource;
import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Job and NetworkPolicy {@code nsbox kube} prints, field by field. */
class KubeJobTest {

    private static final Path CORPUS = Path.of("src", "test", "resources", "dev", "nsbox", "oci");

    private static Spec spec(String name) throws SpecException {
        return NsboxEngine.load(new SpecSource(CORPUS.resolve(name), name, Map.of())).spec();
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object o, Object... path) {
        for (Object p : path) {
            o = p instanceof Integer i ? ((List<Object>) o).get(i) : ((Map<String, Object>) o).get(p);
        }
        return (T) o;
    }

    @Test
    void theSealedSpecIsAJobWithItsConfinementAndADenyAllNetworkPolicy() throws Exception {
        KubeJob job = KubeJob.of(spec("sealed.yaml"), "debian:12", null, Map.of("/usr/share", "shared-docs"),
                SeccompArch.X86_64);
        Map<String, Object> doc = job.document();
        assertEquals("List", doc.get("kind"));
        assertEquals("batch/v1", at(doc, "items", 0, "apiVersion"));
        assertEquals("Job", at(doc, "items", 0, "kind"));
        assertEquals(0, (int) at(doc, "items", 0, "spec", "backoffLimit"));
        Map<String, Object> pod = at(doc, "items", 0, "spec", "template", "spec");
        assertEquals("sealed", pod.get("hostname"));
        assertEquals(false, pod.get("hostNetwork"));
        assertEquals("Never", pod.get("restartPolicy"));
        Map<String, Object> c = at(pod, "containers", 0);
        assertEquals("debian:12", c.get("image"));
        assertEquals(List.of("/bin/sh", "-c", "echo sealed"), c.get("command"));
        assertEquals(List.of("ALL"), at(c, "securityContext", "capabilities", "drop"));
        assertNull(at(c, "securityContext", "capabilities", "add"));
        assertEquals(false, at(c, "securityContext", "allowPrivilegeEscalation"));
        assertEquals(true, at(c, "securityContext", "readOnlyRootFilesystem"));
        assertEquals(0L, (long) at(c, "securityContext", "runAsUser"));
        assertEquals(0L, (long) at(c, "securityContext", "runAsGroup"));
        assertEquals("RuntimeDefault", at(c, "securityContext", "seccompProfile", "type"));
        assertEquals("268435456", at(c, "resources", "limits", "memory"));
        assertEquals("64", at(doc, "items", 0, "spec", "template", "metadata", "annotations", "nsbox.dev/pids-limit"));
        // tmpfs: a memory emptyDir of its size; the bind: the claim the caller named, read-only.
        assertEquals(Map.of("medium", "Memory", "sizeLimit", "16777216"), at(pod, "volumes", 0, "emptyDir"));
        assertEquals("shared-docs", at(pod, "volumes", 1, "persistentVolumeClaim", "claimName"));
        assertEquals(true, at(pod, "volumes", 1, "persistentVolumeClaim", "readOnly"));
        assertEquals("/mnt", at(c, "volumeMounts", 1, "mountPath"));
        assertEquals(true, at(c, "volumeMounts", 1, "readOnly"));
        // Read-only through its submounts, as nsbox makes it (rro), or the pod does not start.
        assertEquals("Enabled", at(c, "volumeMounts", 1, "recursiveReadOnly"));
        // The hidden folder and file: empty, read-only.
        assertEquals("/var/cache", at(c, "volumeMounts", 2, "mountPath"));
        assertEquals(true, at(c, "volumeMounts", 2, "readOnly"));
        assertEquals("Enabled", at(c, "volumeMounts", 2, "recursiveReadOnly"));
        // The tmpfs is writable: no recursiveReadOnly, which the API allows only with readOnly.
        assertEquals(false, at(c, "volumeMounts", 0, "readOnly"));
        assertNull(at(c, "volumeMounts", 0, "recursiveReadOnly"));
        assertEquals(List.of(Map.of("name", "GREETING", "value", "hello"), Map.of("name", "TZ", "value", "UTC")),
                c.get("env"));

        assertEquals("NetworkPolicy", at(doc, "items", 1, "kind"));
        assertEquals(List.of("Ingress", "Egress"), at(doc, "items", 1, "spec", "policyTypes"));
        assertNull(at(doc, "items", 1, "spec", "ingress"));
        assertNull(at(doc, "items", 1, "spec", "egress"));
        assertEquals(Map.of(KubeJob.LABEL, "sealed"), at(doc, "items", 1, "spec", "podSelector", "matchLabels"));
        assertEquals(Map.of(KubeJob.LABEL, "sealed"), at(doc, "items", 0, "spec", "template", "metadata", "labels"));
        assertTrue(job.seccompProfile().isEmpty());
    }

    @Test
    void keptCapabilitiesACustomFilterAndPropagationCarryOver() throws Exception {
        KubeJob job = KubeJob.of(spec("loose.yaml"), "debian:12", List.of("make", "test"), Map.of(), SeccompArch.X86_64);
        Map<String, Object> doc = job.document();
        assertEquals(1, ((List<?>) doc.get("items")).size(), "no network namespace, no NetworkPolicy");
        Map<String, Object> c = at(doc, "items", 0, "spec", "template", "spec", "containers", 0);
        assertEquals(List.of("make", "test"), c.get("command"));
        assertEquals(List.of("CHOWN", "NET_BIND_SERVICE"), at(c, "securityContext", "capabilities", "add"));
        assertEquals("Localhost", at(c, "securityContext", "seccompProfile", "type"));
        assertEquals("nsbox/loose.json", at(c, "securityContext", "seccompProfile", "localhostProfile"));
        assertEquals("nsbox/loose.json", job.profilePath());
        Map<String, Object> profile = job.seccompProfile().orElseThrow();
        assertEquals("SCMP_ACT_ERRNO", profile.get("defaultAction"));
        List<Map<String, Object>> rules = at(profile, "syscalls");
        assertFalse(rules.stream().anyMatch(r -> ((List<?>) r.get("names")).contains("chmod")
                && "SCMP_ACT_ALLOW".equals(r.get("action"))), "chmod is denied");
        assertEquals("0.5", at(c, "resources", "limits", "cpu"));
        assertEquals("None", at(c, "volumeMounts", 1, "mountPropagation"));
        assertEquals("Enabled", at(c, "volumeMounts", 1, "recursiveReadOnly"));
        assertEquals("etc", at(doc, "items", 0, "spec", "template", "spec", "volumes", 1, "persistentVolumeClaim", "claimName"));
        assertEquals(false, at(c, "securityContext", "readOnlyRootFilesystem"));
    }

    @Test
    void everyFieldTheIssueListsIsThere() throws Exception {
        KubeJob job = KubeJob.of(spec("kube/propagation.yaml"), "debian:12", null, Map.of("/srv/in", "inputs"),
                SeccompArch.X86_64);
        Map<String, Object> doc = job.document();
        Map<String, Object> pod = at(doc, "items", 0, "spec", "template", "spec");
        Map<String, Object> c = at(pod, "containers", 0);
        // rslave is HostToContainer, rprivate is None; a mount that says nothing has none.
        assertEquals("HostToContainer", at(c, "volumeMounts", 0, "mountPropagation"));
        assertNull(at(c, "volumeMounts", 0, "recursiveReadOnly"));
        assertEquals("None", at(c, "volumeMounts", 1, "mountPropagation"));
        assertEquals(true, at(c, "volumeMounts", 1, "readOnly"));
        assertEquals("Enabled", at(c, "volumeMounts", 1, "recursiveReadOnly"));
        assertNull(at(c, "volumeMounts", 2, "mountPropagation"));
        assertNull(at(c, "volumeMounts", 2, "recursiveReadOnly"));
        // Volumes: the claim the user named, else one named after the path; the tmpfs in memory.
        assertEquals("srv-cache", at(pod, "volumes", 0, "persistentVolumeClaim", "claimName"));
        assertEquals("inputs", at(pod, "volumes", 1, "persistentVolumeClaim", "claimName"));
        assertEquals(true, at(pod, "volumes", 1, "persistentVolumeClaim", "readOnly"));
        assertEquals(Map.of("medium", "Memory", "sizeLimit", "67108864"), at(pod, "volumes", 3, "emptyDir"));
        assertEquals("/scratch", at(c, "volumeMounts", 3, "mountPath"));
        // securityContext: capabilities, no escalation, the user, the filter as a Localhost profile.
        assertEquals(List.of("ALL"), at(c, "securityContext", "capabilities", "drop"));
        assertEquals(List.of("NET_BIND_SERVICE"), at(c, "securityContext", "capabilities", "add"));
        assertEquals(false, at(c, "securityContext", "allowPrivilegeEscalation"));
        assertEquals(true, at(c, "securityContext", "readOnlyRootFilesystem"));
        assertEquals(1000L, (long) at(c, "securityContext", "runAsUser"));
        assertEquals(1000L, (long) at(c, "securityContext", "runAsGroup"));
        assertEquals("Localhost", at(c, "securityContext", "seccompProfile", "type"));
        assertTrue(job.seccompProfile().isPresent());
        // Limits, hostname, no host network, a deny-all NetworkPolicy, the timeout.
        assertEquals(Map.of("cpu", "1.5", "memory", "1073741824"), at(c, "resources", "limits"));
        assertEquals("prop", pod.get("hostname"));
        assertEquals(false, pod.get("hostNetwork"));
        assertEquals(600L, ((Number) at(doc, "items", 0, "spec", "activeDeadlineSeconds")).longValue());
        assertEquals("NetworkPolicy", at(doc, "items", 1, "kind"));
        assertEquals(List.of("Ingress", "Egress"), at(doc, "items", 1, "spec", "policyTypes"));
        assertEquals("/out", c.get("workingDir"));
    }

    @Test
    void rsharedIsRefusedAsOnlyAPrivilegedContainerMayBeBidirectional() throws Exception {
        SpecException e = assertThrows(SpecException.class,
                () -> KubeJob.of(spec("kube/refused-shared.yaml"), "debian:12", null, Map.of(), SeccompArch.X86_64));
        List<String> lines = e.diagnostics().stream().map(d -> d.format()).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("kube/refused-shared.yaml:9:63: error: mounts[0].propagation: rshared "
                + "would be mountPropagation: Bidirectional"), lines.toString());
    }

    @Test
    void aReadOnlyMountThatReceivesTheHostsMountsIsRefusedAsItCannotBeRecursivelyReadOnly() throws Exception {
        SpecException e = assertThrows(SpecException.class, () -> KubeJob.of(spec("kube/refused-readonly-slave.yaml"),
                "debian:12", null, Map.of(), SeccompArch.X86_64));
        List<String> lines = e.diagnostics().stream().map(d -> d.format()).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("kube/refused-readonly-slave.yaml:9:77: error: mounts[0].propagation: "
                + "rslave would be mountPropagation: HostToContainer, which Kubernetes does not allow on a "
                + "recursively read-only mount"), lines.toString());
    }

    @Test
    void aRemountHasNoKubernetesForm() throws Exception {
        SpecException e = assertThrows(SpecException.class,
                () -> KubeJob.of(spec("refused.yaml"), "debian:12", null, Map.of(), SeccompArch.X86_64));
        assertEquals(List.of("refused.yaml:10:5: error: mounts[1]: remount has no Kubernetes form: a pod's volumes are new mounts of their own"),
                e.diagnostics().stream().map(d -> d.format()).toList());
    }

    @Test
    void namesAreRfc1123Labels() {
        assertEquals("srv-data", KubeJob.dnsLabel("/srv/data"));
        assertEquals("my-build", KubeJob.dnsLabel("My_Build!"));
        assertEquals(63, KubeJob.dnsLabel("a".repeat(80)).length());
    }
}
