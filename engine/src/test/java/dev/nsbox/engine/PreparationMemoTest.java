package dev.nsbox.engine;

import dev.nsbox.host.LiveHost;
import dev.nsbox.plan.HostView;
import dev.nsbox.spec.yaml.Variables;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm engine reuses a preparation only when every input it recorded is as it is now
 * ({@link PreparationMemo}): the same plan object while nothing changed, and the full path's
 * plan, not the kept one, after any change of the spec, a base it extends, the variables, the
 * command or the host's answers.
 */
class PreparationMemoTest {

    @TempDir
    Path dir;
    private Path src;
    private Path spec;

    /** This machine, except that the paths in {@link #hidden} are missing. */
    private final Set<String> hidden = new HashSet<>();
    private final HostView host = new HostView() {
        private final LiveHost live = LiveHost.current();

        @Override
        public Kind kind(String absolutePath) {
            return hidden.contains(absolutePath) ? Kind.MISSING : live.kind(absolutePath);
        }

        @Override
        public Optional<String> resolve(String absolutePath) {
            return hidden.contains(absolutePath) ? Optional.empty() : live.resolve(absolutePath);
        }

        @Override
        public Map<String, String> environment() {
            return live.environment();
        }

        @Override
        public String cwd() {
            return "/";
        }

        @Override
        public boolean privileged() {
            return live.privileged();
        }

        @Override
        public List<HostMount> mounts() {
            return live.mounts();
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        PreparationMemo.clear();
        src = Files.createDirectories(dir.resolve("src"));
        spec = Files.writeString(dir.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount]
                mounts:
                  - {type: bind, source: "%s", target: "%s", readOnly: true}
                steps:
                  - run: ["true"]
                """.formatted(src, src));
    }

    private Preparation prepare(Overrides overrides, Map<String, String> defines) throws Exception {
        return NsboxEngine.prepare(new SpecSource(spec, spec.toString(), Variables.forCli(spec, defines)),
                overrides, host);
    }

    private Preparation prepare() throws Exception {
        return prepare(Overrides.NONE, Map.of());
    }

    @Test
    void aSecondPreparationOfTheSameInputsIsTheFirstOnesPlan() throws Exception {
        Preparation first = prepare();
        assertTrue(first.diagnostics().stream().noneMatch(d -> d.isError()), first.diagnostics().toString());
        Preparation second = prepare();
        assertSame(first.plan(), second.plan());
        assertEquals(first.diagnostics(), second.diagnostics());
        assertEquals(first.limits(), second.limits());
    }

    @Test
    void aChangedSpecIsPreparedAgain() throws Exception {
        Preparation first = prepare();
        Files.writeString(spec, Files.readString(spec).replace("[mount]", "[mount, uts]"));
        Preparation second = prepare();
        assertNotSame(first.plan(), second.plan());
        assertTrue(second.plan().spec().namespaces().size() > first.plan().spec().namespaces().size());
    }

    @Test
    void aChangedBaseIsPreparedAgain() throws Exception {
        Path base = Files.writeString(dir.resolve("base.yaml"), "version: 1\nhostname: one\n");
        Files.writeString(spec, "extends: [" + base + "]\n" + Files.readString(spec).replace("[mount]", "[mount, uts]"));
        Preparation first = prepare();
        assertEquals("one", first.plan().spec().hostname());
        Files.writeString(base, "version: 1\nhostname: two\n");
        assertEquals("two", prepare().plan().spec().hostname());
    }

    @Test
    void aChangedAnswerOfTheHostIsPreparedAgain() throws Exception {
        Preparation first = prepare();
        hidden.add(src.toString());
        Preparation second = prepare();
        assertNotSame(first.plan(), second.plan());
        assertTrue(second.hasErrors(), "the bind source is missing now: " + second.diagnostics());
        hidden.clear();
        assertTrue(!prepare().hasErrors());
    }

    @Test
    void otherVariablesOrAnotherCommandArePreparedAgain() throws Exception {
        Preparation first = prepare();
        assertNotSame(first.plan(), prepare(Overrides.NONE, Map.of("x", "1")).plan());
        Preparation command = prepare(Overrides.command(List.of("echo", "hi")), Map.of());
        assertEquals(List.of("echo", "hi"), command.plan().launch().steps().get(0).argv());
        assertSame(command.plan(), prepare(Overrides.command(List.of("echo", "hi")), Map.of()).plan());
        assertNotSame(command.plan(), prepare(Overrides.command(List.of("echo", "ho")), Map.of()).plan());
    }

    @Test
    void aSpecOverrideIsNeverKept() throws Exception {
        // Any function but the identity: a function cannot be compared, so its result is never kept.
        Overrides named = new Overrides(s -> s, null);
        Preparation first = prepare(named, Map.of());
        assertNotSame(first.plan(), prepare(named, Map.of()).plan());
    }
}
