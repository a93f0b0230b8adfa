package dev.nsbox.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurement 7 (issue #13, goal 1): what {@code nsbox:prepare} costs a suite that forks a test JVM
 * per class. Two copies of one project of {@value #CLASSES} one-test classes, Surefire with
 * {@code reuseForks=false}: one plain, one with {@code nsbox:prepare} (and nothing else of
 * nsbox's). Each run is {@code mvn -o test} on an already compiled project, so both pay the same
 * Maven start and up-to-date checks; the difference is the forks.
 */
final class ForksBenchmark {

    static final int CLASSES = 20;
    private static final String SUREFIRE = "3.5.2";
    private static final String JUPITER = "5.14.1";

    private ForksBenchmark() {
    }

    static Section measure(boolean smoke, Path repo, Path out) throws Exception {
        Section s = new Section("forks", "7. Test forks: " + CLASSES + " one-test classes, `reuseForks=false`, "
                + "`mvn test` with `nsbox:prepare` against without", "without nsbox");
        if (!Files.exists(repo.resolve("maven-plugin/pom.xml"))) {
            s.notMeasured = "the Maven plugin is not in this tree";
            return s;
        }
        String version = System.getProperty("nsbox.version", "0.1.0-SNAPSHOT");
        Path plain = project(out.resolve("forks-plain"), "");
        Path nsbox = project(out.resolve("forks-nsbox"), """
                      <plugin>
                        <groupId>dev.nsbox</groupId>
                        <artifactId>nsbox-maven-plugin</artifactId>
                        <version>%s</version>
                        <executions><execution><goals><goal>prepare</goal></goals></execution></executions>
                      </plugin>
                """.formatted(version));
        List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "-o"));
        // Where the plugin under test is, when not in the user's repository: a branch's IT
        // repository, e.g. "-s SETTINGS -Dmaven.repo.local=it/target/local-repo".
        String extra = System.getProperty("nsbox.bench.mavenArgs", "").trim();
        if (!extra.isEmpty()) {
            mvn.addAll(List.of(extra.split("\\s+")));
        }
        mvn.add("test");
        // Compiled once, outside the timing, and online: a fresh machine's repository may lack the
        // plugins of the default lifecycle (resources, compiler, surefire); the timed runs are
        // offline and find everything resolved and up to date.
        List<String> first = new ArrayList<>(mvn);
        first.remove("-o");
        for (Path p : List.of(plain, nsbox)) {
            if (Measure.spawn(first, null, p.toFile()) != 0) {
                throw new Measure.Failure("the forks project does not build: " + String.join(" ", first) + " in " + p);
            }
        }
        File plainDir = plain.toFile();
        File nsboxDir = nsbox.toFile();
        List<Measure.Variant> v = List.of(
                new Measure.Variant("without nsbox", String.join(" ", mvn), () -> Measure.spawn(mvn, null, plainDir)),
                new Measure.Variant("nsbox:prepare", String.join(" ", mvn) + " (nsbox:prepare bound, built-in spec)",
                        () -> Measure.spawn(mvn, null, nsboxDir)));
        s.rows.addAll(Measure.roundRobin(v, smoke ? 0 : 1, smoke ? 1 : 8));
        double perFork = (s.row("nsbox:prepare").stats().median() - s.row("without nsbox").stats().median()) / CLASSES;
        s.rows.add(new Row("per fork", "(median with - median without) / " + CLASSES,
                Stats.of(List.of(perFork))));
        s.targets.add(Target.ratio("with nsbox:prepare at most 1.10x without", "nsbox:prepare", "without nsbox", 1.10));
        s.targets.add(Target.absolute("at most 30 ms per fork", "per fork", 30));
        s.notes.add("Surefire " + SUREFIRE + ", JUnit " + JUPITER + ", `forkCount=1`, `reuseForks=false`: one test JVM "
                + "per class, one after another. Each run a fresh `mvn -o -q test` of a compiled project. "
                + "With nsbox:prepare each fork's `bin/java` is nsbox-fork, which hands the fork to the fork server "
                + "in the Maven JVM (as root; as an ordinary user, to the one in the build's sandbox helper JVM).");
        return s;
    }

    private static Path project(Path dir, String plugin) throws Exception {
        Path tests = Files.createDirectories(dir.resolve("src/test/java/bench"));
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>bench</groupId>
                  <artifactId>%s</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>org.junit.jupiter</groupId>
                      <artifactId>junit-jupiter</artifactId>
                      <version>%s</version>
                      <scope>test</scope>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.13.0</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <version>%s</version>
                        <configuration>
                          <forkCount>1</forkCount>
                          <reuseForks>false</reuseForks>
                        </configuration>
                      </plugin>
                %s    </plugins>
                  </build>
                </project>
                """.formatted(dir.getFileName(), JUPITER, SUREFIRE, plugin));
        for (int i = 1; i <= CLASSES; i++) {
            String name = String.format("T%02dTest", i);
            Files.writeString(tests.resolve(name + ".java"), """
                    package bench;

                    import org.junit.jupiter.api.Test;

                    import static org.junit.jupiter.api.Assertions.assertEquals;

                    class %s {
                        @Test
                        void adds() {
                            assertEquals(%d, %d + 1);
                        }
                    }
                    """.formatted(name, i + 1, i));
        }
        return dir;
    }
}
