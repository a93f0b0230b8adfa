package dev.nsbox.cli;

import dev.nsbox.spec.yaml.SpecSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code validate} and {@code schema} through {@link Main}, as a user runs them. */
class ValidateCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Main().execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file.toString();
    }

    @Test
    void aGoodSpecPrintsNothingAndExitsZero() throws IOException {
        String spec = write("ok.yaml", "version: 1\nnamespaces: [mount]\nmounts:\n"
                + "  - {type: bind, source: ., target: \"${basedir}\", readOnly: true}\n");
        assertEquals(new Result(0, "", ""), run("validate", spec));
    }

    @Test
    void warningsAlonePrintButExitZero() throws IOException {
        String spec = write("warn.yaml", "version: 1\nnamespaces: [mount]\nmounts:\n  - {type: proc, target: /proc}\n");
        assertEquals(new Result(0, "", spec + ":4:5: warning: mounts[0] (proc on /proc) without a pid namespace shows "
                + "the host's processes\n"), run("validate", spec));
    }

    @Test
    void everyDiagnosticOfEverySpecIsPrintedAndAnyErrorExitsOne() throws IOException {
        String bad = write("b.yaml", "version: 1\nhostname: box\nnamespaces: [mount]\nmounts:\n"
                + "  - {type: proc, target: /proc}\n");
        String warn = write("w.yaml", "version: 1\nnamespaces: [mount]\nmounts:\n  - {type: sysfs, target: /sys}\n");
        String good = write("a.yaml", "version: 1\n");
        Result r = run("validate", bad, warn, good);
        assertEquals(new Result(1, "",
                bad + ":2:11: error: hostname needs a uts namespace (it would rename the host); add \"uts\" to "
                        + "namespaces\n"
                        + bad + ":5:5: warning: mounts[0] (proc on /proc) without a pid namespace shows the host's "
                        + "processes\n"
                        + warn + ":4:5: warning: mounts[0] (sysfs on /sys) without a net namespace shows the host's "
                        + "network devices\n"), r);
    }

    @Test
    void theDisplayNameIsThePathAsTyped() throws IOException {
        write("sub/x.yaml", "version: 1\nnope: 1\n");
        Result r = run("validate", dir + "/sub/../sub/x.yaml");
        assertEquals(dir + "/sub/../sub/x.yaml:2:1: error: unknown key \"nope\" at the top level; expected one of "
                + "version, extends, name, description, namespaces, user, hostname, propagation, hostEffects, root, mounts, "
                + "process, limits, steps\n", r.err());
    }

    @Test
    void definesFillVariablesAndWinOverTheBuiltIns() throws IOException {
        String spec = write("vars.yaml", "version: 1\nname: ${n}\ndescription: ${basedir}\n");
        assertEquals(1, run("validate", spec).code());
        assertEquals(new Result(0, "", ""), run("validate", "-D", "n=box", spec));
        assertEquals(new Result(0, "", ""), run("validate", "-Dn=box", "-Dbasedir=/elsewhere", spec));
    }

    @Test
    void aFolderStandsForItsYamlFiles() throws IOException {
        write("specs/a.yaml", "version: 1\n");
        write("specs/deeper/b.yaml", "version: 2\n");
        write("specs/notes.txt", "not a spec");
        Result r = run("validate", dir.resolve("specs").toString());
        assertEquals(new Result(1, "", dir.resolve("specs/deeper/b.yaml") + ":1:10: error: version 2 is not "
                + "supported; this nsbox reads version 1\n"), r);
    }

    @Test
    void aMissingFileIsAnInvalidSpec() {
        Result r = run("validate", dir.resolve("nope.yaml").toString());
        assertEquals(new Result(1, "", dir.resolve("nope.yaml") + ": error: cannot read: no such file\n"), r);
    }

    @Test
    void noSpecIsABadCommandLine() {
        Result r = run("validate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("nsbox: validate needs at least one SPEC file\n"), r.err());
    }

    @Test
    void anUnknownOptionIsABadCommandLine() {
        assertEquals(2, run("validate", "--strict", "x.yaml").code());
        assertEquals(2, run("validate", "-D", "novalue", "x.yaml").code());
    }

    @Test
    void schemaPrintsTheSchema() {
        assertEquals(new Result(0, SpecSchema.json(), ""), run("schema"));
        assertEquals(2, run("schema", "extra").code());
    }

    @Test
    void helpListsBothCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("  validate   parse and check specs"), r.out());
        assertTrue(r.out().contains("  schema     print the JSON Schema"), r.out());
    }

    /** The examples users copy must be valid, and without warnings, as the CLI reads them. */
    @Test
    void theExampleSpecsAreValid() {
        Path specs = Path.of(System.getProperty("user.dir")).getParent().resolve("specs");
        assertTrue(Files.isDirectory(specs), specs.toString());
        assertEquals(new Result(0, "", ""), run("validate", specs.toString()));
    }
}
