package dev.nsbox.cli;

import dev.nsbox.engine.NsboxEngine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lean JVM flags are written once: the resource file the engine reads, which the shell
 * launcher reads too, so that no JVM nsbox starts for itself drifts from the others.
 */
class LeanJvmFlagsTest {

    private static final Path RESOURCE = Path.of("src/main/resources/dev/nsbox/exec/lean-jvm-flags");

    @Test
    void theEngineReadsTheResourceFileLineByLine() throws IOException {
        List<String> lines = Files.readAllLines(RESOURCE).stream().map(String::strip).filter(l -> !l.isEmpty())
                .toList();
        assertEquals(lines, NsboxEngine.leanJvmFlags());
        assertTrue(NsboxEngine.leanJvmFlags().contains("-XX:+UseSerialGC"), NsboxEngine.leanJvmFlags().toString());
    }

    @Test
    void theLauncherReadsTheSameFileAndSpellsNoFlagOfItsOwn() throws IOException {
        // Its comments may name a flag to say why; its commands may not spell one.
        String launcher = String.join("\n", Files.readAllLines(Path.of("..", "nsbox")).stream()
                .filter(l -> !l.strip().startsWith("#")).toList());
        assertTrue(launcher.contains("\"$here/engine/" + RESOURCE + "\""), "the launcher does not read " + RESOURCE);
        for (String flag : NsboxEngine.leanJvmFlags()) {
            assertFalse(launcher.contains(flag), "the launcher spells " + flag + " itself");
        }
    }
}
