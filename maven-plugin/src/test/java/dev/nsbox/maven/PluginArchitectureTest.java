package dev.nsbox.maven;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.nsbox.exec.ForkServer;
import dev.nsbox.exec.Listener;
import dev.nsbox.exec.RunResult;
import dev.nsbox.exec.StepIO;
import dev.nsbox.exec.StepResult;
import dev.nsbox.host.Doctor;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.Planner;
import dev.nsbox.plan.Simulator;
import dev.nsbox.spec.yaml.SpecLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin's row of the import table in docs/architecture.md: the goals reach the engine only
 * through {@code dev.nsbox.engine}, the spec model, the spec's variables and values
 * ({@code spec.yaml}), the plan and its formats, and the value types a run or {@code doctor} hands
 * back. They never touch the machine themselves and never rebuild the pipeline.
 */
class PluginArchitectureTest {

    private static JavaClasses plugin;

    @BeforeAll
    static void importPlugin() {
        plugin = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.nsbox.maven");
        assertTrue(plugin.size() > 10, "imported " + plugin.size() + " plugin classes");
    }

    @Test
    void thePluginNeverImportsSys() {
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.nsbox.sys..").check(plugin);
    }

    @Test
    void thePluginUsesOnlyTheEngineApiTheSpecAndThePlan() {
        classes().should().onlyDependOnClassesThat(
                        resideOutsideOfPackage("dev.nsbox..")
                                .or(resideInAnyPackage("dev.nsbox.maven..", "dev.nsbox.engine..",
                                        "dev.nsbox.spec", "dev.nsbox.spec.yaml", "dev.nsbox.plan",
                                        // the export formats of nsbox:oci and nsbox:kube
                                        "dev.nsbox.oci", "dev.nsbox.json", "dev.nsbox.seccomp"))
                                .or(belongToAnyOf(RunResult.class, StepResult.class, StepIO.class,
                                        Listener.class))
                                // nsbox:prepare starts the test forks' server and writes its client.
                                .or(belongToAnyOf(ForkServer.class))
                                // NsboxEngine.doctor hands back host's report; reading it is fine.
                                .or(belongToAnyOf(Doctor.Report.class, Doctor.Check.class,
                                        Doctor.Status.class)))
                .check(plugin);
    }

    @Test
    void thePluginDoesNotRunThePipelineStagesItself() {
        noClasses().should().dependOnClassesThat(belongToAnyOf(SpecLoader.class,
                        Planner.class, HostEffectPredictor.class, Simulator.class))
                .because("prepare in dev.nsbox.engine is the one pipeline every front end uses")
                .check(plugin);
    }
}
