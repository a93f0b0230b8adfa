package dev.nsbox.oci;

import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.spec.Capability;
import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A spec as a Kubernetes {@code batch/v1} Job, with a {@code networking.k8s.io/v1}
 * NetworkPolicy that denies all ingress and egress when the spec has its own network namespace,
 * both in one {@code v1} List (JSON, which is also YAML: {@code kubectl apply -f} reads it).
 *
 * <p>The root is the image's tree; binds of host paths become PersistentVolumeClaims, named by
 * the caller ({@code --volume SOURCE=CLAIM}) or after the path; tmpfs becomes a memory
 * {@code emptyDir}; a custom seccomp filter becomes a {@code Localhost} profile whose JSON is
 * {@link #seccompProfile()}. Every read-only volume mount is {@code recursiveReadOnly: Enabled}
 * (Kubernetes 1.31 or later), as nsbox makes a read-only mount's whole tree read-only.
 * docs/oci.md lists every key.
 *
 * <p>Immutable. Pure.
 *
 * @param document       the List to print
 * @param seccompProfile the profile to install on the nodes under {@link #profilePath()}, for a
 *                       custom filter; empty otherwise
 * @param profilePath    the profile's path relative to the kubelet's seccomp folder, or {@code null}
 */
public record KubeJob(Map<String, Object> document, Optional<Map<String, Object>> seccompProfile,
                      String profilePath) {

    /** The label that ties the Job's pods to their NetworkPolicy. */
    public static final String LABEL = "nsbox.dev/job";

    /**
     * The Job of {@code spec} in {@code image}; {@code command} (or {@code null}) replaces the
     * steps; {@code claims} names the PersistentVolumeClaim of a bind's source path.
     *
     * @throws SpecException listing every key that has no Kubernetes form, each at its line
     */
    public static KubeJob of(Spec spec, String image, List<String> command, Map<String, String> claims,
            SeccompArch arch) throws SpecException {
        List<Diagnostic> errors = new ArrayList<>();
        String name = dnsLabel(spec.name() != null ? spec.name() : "nsbox");
        ProcessSpec p = spec.process();

        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", name);
        container.put("image", image);
        if (command != null) {
            container.put("command", command);
        } else if (spec.steps().size() == 1 && spec.steps().get(0).env().isEmpty()
                && spec.steps().get(0).cwd() == null) {
            container.put("command", spec.steps().get(0).argv());
        } else {
            container.put("command", List.of("/bin/sh", "-c", script(spec.steps())));
        }
        if (p.cwd() != null) {
            container.put("workingDir", p.cwd());
        }
        List<Object> env = new ArrayList<>();
        p.env().set().forEach((k, v) -> {
            // Ordered, as every object of the Job: Map.of's order changes from JVM to JVM, and
            // two builds must write the same bytes (reproducible outputs).
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", k);
            e.put("value", v);
            env.add(e);
        });
        if (!env.isEmpty()) {
            container.put("env", env);
        }

        Map<String, Object> security = new LinkedHashMap<>();
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("drop", List.of("ALL"));
        if (!p.capabilities().isEmpty()) {
            // Kubernetes names capabilities without the CAP_ prefix (core/v1 Capabilities).
            caps.put("add", p.capabilities().stream().map(c -> c.name().substring("CAP_".length())).toList());
        }
        security.put("capabilities", caps);
        security.put("allowPrivilegeEscalation", !p.noNewPrivileges());
        security.put("privileged", false);
        security.put("readOnlyRootFilesystem", spec.root().readOnly());
        security.put("runAsUser", (long) spec.user().uid());
        security.put("runAsGroup", (long) spec.user().gid());
        Optional<Map<String, Object>> profile = Optional.empty();
        String profilePath = null;
        Map<String, Object> seccomp = new LinkedHashMap<>();
        switch (p.seccomp().mode()) {
            case DEFAULT -> seccomp.put("type", "RuntimeDefault");
            case UNCONFINED -> seccomp.put("type", "Unconfined");
            case CUSTOM -> {
                profilePath = "nsbox/" + name + ".json";
                seccomp.put("type", "Localhost");
                seccomp.put("localhostProfile", profilePath);
                Set<String> kept = p.capabilities().stream().map(Capability::name).collect(Collectors.toSet());
                profile = dev.nsbox.seccomp.OciSeccomp.linuxSeccomp(OciBundle.policy(p.seccomp()), kept,
                        List.of(arch));
            }
        }
        security.put("seccompProfile", seccomp);
        container.put("securityContext", security);

        Map<String, Object> annotations = new LinkedHashMap<>();
        Map<String, Object> resources = resources(spec.limits(), annotations);
        if (!resources.isEmpty()) {
            container.put("resources", Map.of("limits", resources));
        }

        List<Object> volumes = new ArrayList<>();
        List<Object> mounts = new ArrayList<>();
        for (MountSpec m : spec.mounts()) {
            volume(m, claims, volumes, mounts, errors);
        }
        if (!mounts.isEmpty()) {
            container.put("volumeMounts", mounts);
        }

        Map<String, Object> podSpec = new LinkedHashMap<>();
        podSpec.put("restartPolicy", "Never");
        podSpec.put("automountServiceAccountToken", false);
        podSpec.put("hostNetwork", false);
        podSpec.put("hostPID", false);
        podSpec.put("hostIPC", false);
        if (spec.hostname() != null) {
            podSpec.put("hostname", spec.hostname());
        }
        podSpec.put("containers", List.of(container));
        if (!volumes.isEmpty()) {
            podSpec.put("volumes", volumes);
        }
        Map<String, Object> podMeta = new LinkedHashMap<>();
        podMeta.put("labels", Map.of(LABEL, name));
        if (!annotations.isEmpty()) {
            podMeta.put("annotations", annotations);
        }
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("metadata", podMeta);
        template.put("spec", podSpec);

        Map<String, Object> jobSpec = new LinkedHashMap<>();
        // nsbox runs the steps once; a retry would hide a failure.
        jobSpec.put("backoffLimit", 0);
        if (p.timeout() != null) {
            jobSpec.put("activeDeadlineSeconds", Math.max(1, p.timeout().toSeconds()));
        }
        jobSpec.put("template", template);
        List<Object> items = new ArrayList<>();
        items.add(object("batch/v1", "Job", name, jobSpec));
        if (spec.has(Namespace.NET)) {
            Map<String, Object> policy = new LinkedHashMap<>();
            policy.put("podSelector", Map.of("matchLabels", Map.of(LABEL, name)));
            // No ingress and no egress rule: nothing is allowed either way (networking/v1 NetworkPolicySpec).
            policy.put("policyTypes", List.of("Ingress", "Egress"));
            items.add(object("networking.k8s.io/v1", "NetworkPolicy", name + "-no-network", policy));
        }
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        list.put("items", items);
        return new KubeJob(list, profile, profilePath);
    }

    private static Map<String, Object> object(String apiVersion, String kind, String name, Map<String, Object> spec) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        o.put("metadata", Map.of("name", name));
        o.put("spec", spec);
        return o;
    }

    /** The steps as one script, each in turn, stopping at the first failure with its status. */
    static String script(List<Step> steps) {
        StringBuilder sb = new StringBuilder();
        for (Step s : steps) {
            sb.append('(');
            if (s.cwd() != null) {
                sb.append("cd ").append(OciBundle.quote(s.cwd())).append(" && ");
            }
            sb.append("exec");
            if (!s.env().isEmpty()) {
                sb.append(" env");
                s.env().forEach((k, v) -> sb.append(' ').append(OciBundle.quote(k + "=" + v)));
            }
            for (String a : s.argv()) {
                sb.append(' ').append(OciBundle.quote(a));
            }
            sb.append(") || exit $?\n");
        }
        return sb.toString();
    }

    private static Map<String, Object> resources(LimitsSpec l, Map<String, Object> annotations) {
        Map<String, Object> r = new LinkedHashMap<>();
        if (l.cpu() != null) {
            r.put("cpu", l.cpu().stripTrailingZeros().toPlainString());
        }
        if (l.memory() != null) {
            r.put("memory", Long.toString(l.memory()));
        }
        // Kubernetes has no per-pod field for these: they are kept as notes for whoever runs it.
        if (l.pids() != null) {
            annotations.put("nsbox.dev/pids-limit", Long.toString(l.pids()));
        }
        if (l.openFiles() != null) {
            annotations.put("nsbox.dev/open-files-limit", Long.toString(l.openFiles()));
        }
        if (l.fileSize() != null) {
            annotations.put("nsbox.dev/file-size-limit", Long.toString(l.fileSize()));
        }
        return r;
    }

    private static void volume(MountSpec m, Map<String, String> claims, List<Object> volumes, List<Object> mounts,
            List<Diagnostic> errors) {
        String volumeName = dnsLabel("m" + m.index() + "-" + m.type().word());
        Map<String, Object> volume = new LinkedHashMap<>();
        volume.put("name", volumeName);
        switch (m.type()) {
            case BIND -> {
                String claim = claims.getOrDefault(m.source(), claimName(m.source()));
                Map<String, Object> pvc = new LinkedHashMap<>();
                pvc.put("claimName", claim);
                pvc.put("readOnly", m.isReadOnly());
                volume.put("persistentVolumeClaim", pvc);
            }
            case TMPFS -> {
                Map<String, Object> dir = new LinkedHashMap<>();
                dir.put("medium", "Memory");
                if (m.size() != null) {
                    dir.put("sizeLimit", Long.toString(m.size()));
                }
                volume.put("emptyDir", dir);
            }
            case HIDE -> volume.put("emptyDir", Map.of());
            case PROC, SYSFS, DEV, DEVPTS, MQUEUE -> {
                // The container runtime mounts its own /proc, /sys, /dev, /dev/pts and /dev/mqueue.
                return;
            }
            case OVERLAY, REMOUNT -> {
                errors.add(Diagnostic.error(m.origins().self(), m.label() + ": " + m.type().word() + " has no "
                        + "Kubernetes form: a pod's volumes are new mounts of their own"));
                return;
            }
        }
        volumes.add(volume);
        Map<String, Object> mount = new LinkedHashMap<>();
        mount.put("name", volumeName);
        mount.put("mountPath", m.target());
        boolean readOnly = m.isReadOnly() || m.type() == MountType.HIDE;
        mount.put("readOnly", readOnly);
        if (readOnly) {
            // readOnly alone is MS_RDONLY on the volume's top mount; its submounts stay writable.
            // nsbox and the OCI export make the whole tree read-only (mount_setattr(2) with
            // AT_RECURSIVE, rro): Enabled asks the same of the kubelet and its runtime, and the
            // pod does not start where they cannot (IfPossible would quietly fall back to ro).
            mount.put("recursiveReadOnly", "Enabled");
        }
        if (m.propagation() != null) {
            String word = propagation(m.propagation());
            if (readOnly && "HostToContainer".equals(word)) {
                // core/v1 validation: recursiveReadOnly other than Disabled needs mountPropagation None.
                errors.add(Diagnostic.error(m.origins().of("propagation"), m.label() + ".propagation: "
                        + m.propagation().word() + " would be mountPropagation: HostToContainer, which Kubernetes "
                        + "does not allow on a recursively read-only mount (recursiveReadOnly: Enabled needs "
                        + "mountPropagation None); use rprivate (None), or drop readOnly"));
            } else if ("Bidirectional".equals(word)) {
                // The API server accepts Bidirectional only in a privileged container
                // (core/v1 validation, validateMountPropagation), which the Job never is.
                errors.add(Diagnostic.error(m.origins().of("propagation"), m.label() + ".propagation: "
                        + m.propagation().word() + " would be mountPropagation: Bidirectional, which Kubernetes "
                        + "allows only in a privileged container, and the Job keeps the spec's confinement; "
                        + "use rslave (HostToContainer) or rprivate (None)"));
            } else if (word == null) {
                errors.add(Diagnostic.error(m.origins().of("propagation"), m.label() + ".propagation: "
                        + m.propagation().word() + " has no Kubernetes form; mountPropagation is None "
                        + "(rprivate), HostToContainer (rslave) or Bidirectional (rshared)"));
            } else {
                mount.put("mountPropagation", word);
            }
        }
        mounts.add(mount);
    }

    /** core/v1 VolumeMount.mountPropagation of a propagation word, or {@code null}. */
    static String propagation(Propagation p) {
        if (p.kind() == null) {
            return null;
        }
        return switch (p.kind()) {
            case PRIVATE -> "None";
            case SLAVE -> "HostToContainer";
            case SHARED -> "Bidirectional";
            case UNBINDABLE -> null;
        };
    }

    /** The claim a host path gets when the caller names none: {@code /srv/data} as {@code srv-data}. */
    static String claimName(String path) {
        return dnsLabel(path);
    }

    /** {@code s} as an RFC 1123 label: lower case letters, digits and '-', at most 63, alphanumeric at both ends. */
    static String dnsLabel(String s) {
        String l = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("-+", "-")
                .replaceAll("^-|-$", "");
        if (l.length() > 63) {
            l = l.substring(0, 63).replaceAll("-$", "");
        }
        return l.isEmpty() ? "nsbox" : l;
    }
}
