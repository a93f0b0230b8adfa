package dev.nsbox;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table "Packages and what each may import" of docs/architecture.md, made executable. Each
 * test is one rule of that table, checked on the engine's main classes (bytecode, so a fully
 * qualified name without an import counts as well). When a rule here changes, the table changes
 * with it.
 */
class ArchitectureTest {

    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.nsbox");
        // Every rule below would hold for an empty import; make sure the classes are there.
        assertTrue(engine.size() > 200, "imported " + engine.size() + " engine classes");
    }

    @Test
    void noPackageCycles() {
        // "(**)" makes every package its own slice, so spec and spec.yaml count as two.
        slices().matching("dev.nsbox.(**)").should().beFreeOfCycles().check(engine);
    }

    /**
     * The column "may import" of the table, row by row: besides {@code java.*} and itself, each
     * package depends only on the packages listed. The rules below it say the same for one
     * package at a time, with the reason in their names.
     */
    @Test
    void eachPackageImportsOnlyWhatTheTableAllows() {
        String exec = "dev.nsbox.exec";
        Map<String, List<String>> table = new LinkedHashMap<>();
        table.put("dev.nsbox.spec", List.of());
        table.put("dev.nsbox.json", List.of());
        table.put("dev.nsbox.validate", List.of("dev.nsbox.spec", "dev.nsbox.seccomp"));
        table.put("dev.nsbox.seccomp", List.of());
        table.put("dev.nsbox.spec.yaml", List.of("dev.nsbox.spec", "dev.nsbox.validate", "dev.nsbox.seccomp",
                "dev.nsbox.json", "org.snakeyaml.engine.."));
        table.put("dev.nsbox.mounts", List.of("dev.nsbox.spec"));
        table.put("dev.nsbox.cgroups", List.of("dev.nsbox.mounts"));
        table.put("dev.nsbox.plan", List.of("dev.nsbox.spec", "dev.nsbox.mounts", "dev.nsbox.seccomp",
                "dev.nsbox.cgroups", "dev.nsbox.json"));
        table.put("dev.nsbox.sys", List.of("dev.nsbox.spec", "jnr..", "com.kenai.."));
        table.put("dev.nsbox.host", List.of("dev.nsbox.spec", "dev.nsbox.mounts", "dev.nsbox.plan", "dev.nsbox.sys",
                "dev.nsbox.cgroups", "dev.nsbox.seccomp"));
        List<String> below = List.of("dev.nsbox.spec", "dev.nsbox.spec.yaml", "dev.nsbox.json", "dev.nsbox.validate",
                "dev.nsbox.seccomp", "dev.nsbox.mounts", "dev.nsbox.cgroups", "dev.nsbox.plan", "dev.nsbox.sys",
                "dev.nsbox.host");
        table.put(exec, below);
        List<String> engineMay = new ArrayList<>(below);
        engineMay.add(exec);
        table.put("dev.nsbox.engine", engineMay);
        table.put("dev.nsbox.oci", List.of("dev.nsbox.spec", "dev.nsbox.plan", "dev.nsbox.seccomp",
                "dev.nsbox.cgroups", "dev.nsbox.json"));
        table.put("dev.nsbox.cli", List.of("dev.nsbox.engine", "dev.nsbox.spec", "dev.nsbox.spec.yaml",
                "dev.nsbox.plan", exec, "dev.nsbox.host", "dev.nsbox.sys", "sun.misc",
                // the export formats, as the plan's: oci/kube print what OciBundle and KubeJob make
                "dev.nsbox.oci", "dev.nsbox.json", "dev.nsbox.seccomp"));
        for (Map.Entry<String, List<String>> row : table.entrySet()) {
            List<String> allowed = new ArrayList<>(row.getValue());
            allowed.add("java..");
            allowed.add(row.getKey());
            classes().that().resideInAPackage(row.getKey())
                    .should().onlyDependOnClassesThat().resideInAnyPackage(allowed.toArray(String[]::new))
                    .check(engine);
        }
    }

    @Test
    void specIsTheLeafAndImportsJavaOnly() {
        classes().that().resideInAPackage("dev.nsbox.spec")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.nsbox.spec")
                .check(engine);
    }

    @Test
    void onlySpecYamlImportsSnakeyaml() {
        noClasses().that().resideOutsideOfPackage("dev.nsbox.spec.yaml")
                .should().dependOnClassesThat().resideInAPackage("org.snakeyaml..")
                .check(engine);
    }

    @Test
    void onlySysImportsJnr() {
        noClasses().that().resideOutsideOfPackage("dev.nsbox.sys")
                .should().dependOnClassesThat().resideInAnyPackage("jnr..", "com.kenai..")
                .check(engine);
    }

    @Test
    void hostOnlyProbes() {
        noClasses().that().resideInAPackage("dev.nsbox.host")
                .should().dependOnClassesThat()
                .resideInAnyPackage("dev.nsbox.exec..", "dev.nsbox.engine..", "dev.nsbox.cli..")
                .check(engine);
    }

    @Test
    void theModelAndThePlanStayBelowTheExecutor() {
        noClasses().that().resideInAnyPackage("dev.nsbox.plan..", "dev.nsbox.mounts..",
                        "dev.nsbox.validate..", "dev.nsbox.seccomp..", "dev.nsbox.cgroups..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("dev.nsbox.exec..", "dev.nsbox.engine..", "dev.nsbox.cli..",
                        "dev.nsbox.host..", "dev.nsbox.sys..")
                .check(engine);
    }

    @Test
    void theParserStaysBelowThePlan() {
        noClasses().that().resideInAnyPackage("dev.nsbox.spec..", "dev.nsbox.validate..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("dev.nsbox.plan..", "dev.nsbox.mounts..", "dev.nsbox.cgroups..",
                        "dev.nsbox.exec..", "dev.nsbox.engine..", "dev.nsbox.cli..",
                        "dev.nsbox.host..", "dev.nsbox.sys..")
                .check(engine);
    }

    @Test
    void execDoesNotImportTheFrontEndsApi() {
        noClasses().that().resideInAPackage("dev.nsbox.exec..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("dev.nsbox.engine..", "dev.nsbox.cli..")
                .check(engine);
    }

    @Test
    void engineDoesNotImportTheCli() {
        noClasses().that().resideInAPackage("dev.nsbox.engine..")
                .should().dependOnClassesThat().resideInAPackage("dev.nsbox.cli..")
                .check(engine);
    }

    @Test
    void theEngineNeverImportsMaven() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("org.apache.maven..", "org.codehaus.plexus..")
                .check(engine);
    }

    /** A class a newcomer can read at once; a longer one has grown two jobs and is split. */
    @Test
    void noMainSourceFileIsOver700Lines() throws IOException {
        // Surefire runs in engine/; every module's main sources are under the repository.
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> tooLong = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")
                    && p.toString().contains("/src/main/") && !p.toString().contains("/target/")).toList()) {
                files++;
                long lines;
                try (Stream<String> l = Files.lines(f)) {
                    lines = l.count();
                }
                if (lines > 700) {
                    tooLong.add(root.relativize(f) + ": " + lines + " lines");
                }
            }
        }
        assertTrue(files > 150, "found only " + files + " main source files under " + root);
        assertEquals(List.of(), tooLong);
    }
}
