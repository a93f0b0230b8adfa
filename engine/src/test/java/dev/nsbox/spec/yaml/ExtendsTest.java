package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.MountType;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code extends}: composition of spec files on their node trees, each value keeping its own file and line. */
class ExtendsTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private LoadedSpec load(Path spec) throws SpecException {
        return SpecLoader.load(spec, spec.toString(), Map.of());
    }

    private List<String> errors(Path spec) {
        SpecException e = assertThrows(SpecException.class, () -> load(spec));
        return e.diagnostics().stream().filter(Diagnostic::isError)
                .map(d -> d.origin().location() + ": " + d.message()).toList();
    }

    private static final String BASE = """
            version: 1
            hostname: base-host
            namespaces: [mount, uts]
            process:
              env:
                set: {A: "1", B: "2"}
            mounts:
              - type: bind
                source: cache
                target: /cache
              - type: tmpfs
                target: /tmp
            steps:
              - name: first
                run: ["true"]
            """;

    @Test
    void aBaseInAnotherFolderIsAppliedFirstAndEveryValueKeepsItsFile() throws Exception {
        Path base = write("base/ci.yaml", BASE);
        Path spec = write("app/spec.yaml", """
                version: 1
                extends: [../base/ci.yaml]
                name: app
                process:
                  env:
                    set: {B: "3"}
                mounts:
                  - type: tmpfs
                    target: /work
                steps:
                  - name: second
                    run: ["true"]
                """);
        Spec s = load(spec).spec();
        assertEquals("app", s.name());
        assertEquals("base-host", s.hostname());
        assertEquals(Map.of("A", "1", "B", "3"), s.process().env().set());
        assertEquals(List.of("/cache", "/tmp", "/work"), s.mounts().stream().map(MountSpec::target).toList());
        // A relative source is relative to the file that wrote it.
        assertEquals(dir.resolve("base/cache").toString(), s.mounts().get(0).source());
        String baseLabel = dir.resolve("base/ci.yaml").toString();
        assertEquals(baseLabel + ":8:5", s.mounts().get(0).origins().self().location());
        assertEquals(baseLabel + ":10:13", s.mounts().get(0).origins().of("target").location());
        assertEquals(spec + ":8:5", s.mounts().get(2).origins().self().location());
        assertEquals(List.of("first", "second"), s.steps().stream().map(st -> st.name()).toList());
        assertEquals(spec.toString(), s.file());
        assertTrue(Files.exists(base));
    }

    @Test
    void anErrorInTheBaseNamesTheBaseFileAndLine() throws Exception {
        Path base = write("base/ci.yaml", """
                namespaces: [mount]
                mounts:
                  - type: bind
                    source: /x
                    target: /x
                    readOnyl: true
                """);
        Path spec = write("app/spec.yaml", "version: 1\nextends: [../base/ci.yaml]\n");
        List<String> errors = errors(spec);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(base + ":6:5: unknown key \"readOnyl\""), errors.get(0));
    }

    @Test
    void aMissingBaseIsAnErrorAtTheLineThatNamesIt() throws Exception {
        Path spec = write("spec.yaml", "version: 1\nextends:\n  - nowhere.yaml\n");
        List<String> errors = errors(spec);
        assertEquals(List.of(spec + ":3:5: extends: cannot use \"nowhere.yaml\" (" + dir.resolve("nowhere.yaml")
                + "): cannot read: no such file"), errors);
    }

    @Test
    void aCycleIsAnErrorAtTheLineThatClosesIt() throws Exception {
        write("a.yaml", "extends: [b.yaml]\nname: a\n");
        Path b = write("b.yaml", "extends: [a.yaml]\n");
        Path spec = write("spec.yaml", "version: 1\nextends: [a.yaml]\n");
        List<String> errors = errors(spec);
        assertEquals(List.of(b + ":1:11: extends: \"a.yaml\" makes a cycle: spec.yaml -> a.yaml -> b.yaml -> a.yaml"),
                errors);
        Path self = write("self.yaml", "version: 1\nextends: [self.yaml]\n");
        assertEquals(List.of(self + ":2:11: extends: \"self.yaml\" makes a cycle: self.yaml -> self.yaml"), errors(self));
    }

    @Test
    void aLaterMountOnTheSameTargetIsAnErrorUnlessItReplaces() throws Exception {
        Path base = write("base.yaml", BASE);
        Path spec = write("spec.yaml", """
                version: 1
                extends: [base.yaml]
                mounts:
                  - type: tmpfs
                    target: /tmp
                """);
        assertEquals(List.of(spec + ":5:13: a mount on /tmp is already in " + base
                + ":12:13; say \"replace: true\" to put this one in its place"), errors(spec));

        Path replacing = write("replacing.yaml", """
                version: 1
                extends: [base.yaml]
                mounts:
                  - type: tmpfs
                    target: /tmp
                    size: 1m
                    replace: true
                  - type: remount
                    target: /cache
                    readOnly: true
                """);
        Spec s = load(replacing).spec();
        assertEquals(List.of("/cache", "/tmp", "/cache"), s.mounts().stream().map(MountSpec::target).toList());
        MountSpec tmp = s.mounts().get(1);
        assertEquals(1024L * 1024, tmp.size());
        assertEquals(replacing + ":4:5", tmp.origins().self().location());
        assertEquals(MountType.REMOUNT, s.mounts().get(2).type());
    }

    @Test
    void replaceMustBeABooleanOnEveryMountType() throws Exception {
        Path spec = write("spec.yaml", """
                version: 1
                namespaces: [mount, pid]
                mounts:
                  - type: proc
                    target: /proc
                    replace: yes
                """);
        assertEquals(List.of(spec + ":6:14: mounts[0].replace must be true or false, got the string \"yes\" (a string in YAML 1.2, where "
                + "only true and false are booleans)"),
                errors(spec));
    }

    @Test
    void extendsMustListFiles() throws Exception {
        Path spec = write("spec.yaml", "version: 1\nextends: base.yaml\n");
        assertEquals(List.of(spec + ":2:10: extends must be a list of spec files, got the string \"base.yaml\""),
                errors(spec));
    }

    @Test
    void theSchemaKnowsExtendsAndReplace() {
        String schema = SpecSchema.json();
        assertTrue(schema.contains("\"extends\""), schema);
        assertTrue(schema.contains("\"replace\""), schema);
    }
}
