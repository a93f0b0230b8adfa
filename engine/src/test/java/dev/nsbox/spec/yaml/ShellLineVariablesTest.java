package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.SpecException;
import dev.nsbox.spec.Step;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Variables in a {@code shell:} line expand as one word of data for where they stand, so that a
 * value can never become shell code; in a {@code run:} list they stay as they are.
 */
class ShellLineVariablesTest {

    private static final String INJECTION = "a; echo INJECTED";

    private static Step step(String stepYaml, String value) throws SpecException {
        Map<String, String> vars = new HashMap<>(TestSpecs.VARS);
        vars.put("x", value);
        return SpecLoader.load(TestSpecs.spec("steps:\n  - " + stepYaml + "\n"), "s.yaml", Path.of("/p"), vars)
                .spec().steps().get(0);
    }

    private static String shell(String line, String value) throws SpecException {
        return step("shell: " + line, value).shell();
    }

    private static List<String> errors(String line, String value) {
        Map<String, String> vars = new HashMap<>(TestSpecs.VARS);
        vars.put("x", value);
        return assertThrows(SpecException.class, () -> SpecLoader.load(
                TestSpecs.spec("steps:\n  - shell: " + line + "\n"), "s.yaml", Path.of("/p"), vars))
                .diagnostics().stream().map(Diagnostic::format).toList();
    }

    @Test
    void outsideQuotesAValueIsSingleQuoted() throws SpecException {
        assertEquals("echo 'a; echo INJECTED'", shell("echo ${x}", INJECTION));
        assertEquals("echo 'it'\\''s $(id)'", shell("echo ${x}", "it's $(id)"));
        assertEquals("echo '' end", shell("echo ${x} end", ""));
        assertEquals("echo 'a b' 'a b'", shell("echo ${x} ${nope:-a b}", "a b"));
        assertEquals("echo $(cat 'a; echo INJECTED')", shell("echo $(cat ${x})", INJECTION));
    }

    @Test
    void insideDoubleQuotesTheFourSpecialCharactersAreEscaped() throws SpecException {
        assertEquals("echo \"a\\\"; echo \\$(id) \\`id\\` \\\\/y\"",
                shell("'echo \"${x}/y\"'", "a\"; echo $(id) `id` \\"));
        assertEquals("echo \"$(cat 'a; echo INJECTED')\"", shell("'echo \"$(cat ${x})\"'", INJECTION));
    }

    @Test
    void insideSingleQuotesAValueWithoutAQuoteStaysAsItIs() throws SpecException {
        assertEquals("echo 'a; echo INJECTED'", shell("echo '${x}'", INJECTION));
        assertEquals(List.of("s.yaml:4:18: error: steps[0].shell: ${x} in a shell line: its value holds a ' that "
                + "would end the '...' the reference is written in; pass it as environment instead "
                + "(env: {NAME: \"${x}\"} on the step, and \"$NAME\" in the line)"),
                errors("echo '${x}'", "'; echo INJECTED; '"));
    }

    @Test
    void aPlainPathIsLeftAsItIsEverywhere() throws SpecException {
        assertEquals("cat \"/work/project/f\" /work/project '/work/project' && cat <<EOF\n/work/project\nEOF\n",
                shell("|\n      cat \"${basedir}/f\" ${basedir} '${basedir}' && cat <<EOF\n      ${basedir}\n"
                        + "      EOF", ""));
    }

    @Test
    void whereTheQuotingCannotBeKnownAValueThatCouldBeCodeIsRefused() {
        String why = "its value holds characters a shell may read as code, and nsbox cannot tell how to quote it "
                + "here (in a here-document, backquotes, a comment, the shell's own ${...}, or after \\ or $)";
        assertEquals(List.of("s.yaml:6:7: error: steps[0].shell: ${x} in a shell line: " + why
                        + "; pass it as environment instead (env: {NAME: \"${x}\"} on the step, and \"$NAME\" in the line)"),
                errors("|\n      cat <<EOF\n      ${x}\n      EOF", "$(echo INJECTED)"));
        assertEquals(1, errors("echo `echo ${x}`", INJECTION).size());
        assertEquals(1, errors("echo \\${x}", INJECTION).size());
        assertEquals(1, errors("|\n      # ${x}\n      true", "a\necho INJECTED").size());
    }

    @Test
    void aCommentEndsAtItsLine() throws SpecException {
        assertEquals("# note\necho 'a; echo INJECTED'\n", shell("|\n      # note\n      echo ${x}", INJECTION));
    }

    @Test
    void runListsAreNotQuoted() throws SpecException {
        assertEquals(List.of("echo", INJECTION), step("run: [echo, \"${x}\"]", INJECTION).run());
    }
}
