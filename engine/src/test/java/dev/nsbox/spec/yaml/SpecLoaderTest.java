package dev.nsbox.spec.yaml;

import dev.nsbox.spec.HostEffectsPolicy;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Namespace;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Propagation;
import dev.nsbox.spec.RootType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.Step;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecLoaderTest {

    static String example() throws IOException {
        try (InputStream in = SpecLoaderTest.class.getResourceAsStream("spec-md-example.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsTheExampleOfSpecMd() throws IOException {
        LoadedSpec loaded = TestSpecs.load(example());
        Spec s = loaded.spec();
        assertEquals(List.of(), loaded.warnings());
        assertEquals("s.yaml", s.file());
        assertEquals("/work/project", s.baseDir());
        assertEquals(1, s.version());
        assertEquals("hermetic-tests", s.name());
        assertEquals("Unit tests with no network and a read-only source tree.", s.description());
        assertEquals(EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.NET, Namespace.UTS, Namespace.IPC),
                s.namespaces());
        assertEquals(0, s.user().uid());
        assertEquals(0, s.user().gid());
        assertEquals("sandbox", s.hostname());
        assertEquals(Propagation.RPRIVATE, s.propagation());
        assertEquals(HostEffectsPolicy.DENY, s.hostEffects());
        assertEquals(RootType.HOST, s.root().type());
        assertTrue(s.root().readOnly());
        assertNull(s.root().path());

        assertEquals(5, s.mounts().size());
        MountSpec project = s.mounts().get(0);
        assertEquals(MountType.BIND, project.type());
        assertEquals("/work/project", project.source());
        assertEquals("/work/project", project.target());
        assertTrue(project.isReadOnly());
        assertTrue(project.isRecursive());
        assertEquals(Propagation.RSLAVE, project.propagation());
        assertEquals(false, project.optional());
        assertEquals(new Origin("s.yaml", 19, 5, "mounts[0]"), project.origins().self());
        assertEquals(new Origin("s.yaml", 21, 13, "mounts[0].target"), project.origins().of("target"));

        MountSpec target = s.mounts().get(1);
        assertEquals("/work/project/target", target.source());
        assertEquals("/work/project/target", target.target());
        assertNull(target.readOnly());
        assertEquals(false, target.isReadOnly());

        MountSpec tmp = s.mounts().get(2);
        assertEquals(MountType.TMPFS, tmp.type());
        assertEquals("/tmp", tmp.target());
        assertEquals(256L << 20, tmp.size());
        assertEquals(01777, tmp.mode());

        assertEquals(MountType.PROC, s.mounts().get(3).type());
        assertEquals(new Origin("s.yaml", 33, 5, "mounts[3]"), s.mounts().get(3).origins().self());
        MountSpec hide = s.mounts().get(4);
        assertEquals(MountType.HIDE, hide.type());
        assertEquals("/home/dev/.ssh", hide.target());

        assertEquals("/work/project", s.process().cwd());
        assertTrue(s.process().env().clear());
        assertEquals(List.of("PATH", "JAVA_HOME", "LANG"), s.process().env().keep());
        assertEquals(Map.of("HOME", "/tmp", "TZ", "UTC"), s.process().env().set());
        assertEquals(Duration.ofMinutes(10), s.process().timeout());
        assertTrue(s.process().noNewPrivileges());

        assertEquals(2, s.steps().size());
        Step compile = s.steps().get(0);
        assertEquals("compile", compile.name());
        assertEquals(List.of("javac", "-d", "target/classes", "Main.java"), compile.run());
        assertNull(compile.shell());
        assertNull(compile.timeout());
        Step test = s.steps().get(1);
        assertEquals("test", test.name());
        assertEquals("./run-tests.sh --fast", test.shell());
        assertEquals(List.of("/bin/sh", "-c", "./run-tests.sh --fast"), test.argv());
        assertEquals(Duration.ofMinutes(2), test.timeout());
        assertEquals(Map.of("FAST", "1"), test.env());
        assertEquals("/work/project/tests", test.cwd());
        assertEquals(new Origin("s.yaml", 54, 10, "steps[1].cwd"), test.origins().of("cwd"));
    }

    @Test
    void appliesDefaults() {
        Spec s = TestSpecs.load("version: 1\nsteps:\n  - run: [make]\n  - shell: make test\n").spec();
        assertEquals(Propagation.RPRIVATE, s.propagation());
        assertEquals(HostEffectsPolicy.DENY, s.hostEffects());
        assertEquals(RootType.HOST, s.root().type());
        assertEquals(false, s.root().readOnly());
        assertEquals(List.of(), s.mounts());
        assertEquals(EnumSet.noneOf(Namespace.class), s.namespaces());
        assertEquals(0, s.user().uid());
        assertNull(s.hostname());
        assertNull(s.name());
        assertNull(s.process().cwd());
        assertEquals(false, s.process().env().clear());
        assertTrue(s.process().noNewPrivileges());
        assertNull(s.process().timeout());
        assertEquals("step-1", s.steps().get(0).name());
        assertEquals("step-2", s.steps().get(1).name());
    }
}
