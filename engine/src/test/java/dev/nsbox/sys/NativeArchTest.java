package dev.nsbox.sys;

import dev.nsbox.seccomp.SeccompArch;
import dev.nsbox.testing.Architectures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native programs the jar carries: every program {@code src/main/c/build.sh} lists, for
 * every {@link NativeArch}, where the loaders look, of the architecture and linking
 * {@code file(1)} says; and the choice by {@code os.arch}.
 */
class NativeArchTest {

    /** A line of build.sh's program table: name, source, link kind, resource directory. */
    record Program(String name, String source, String link, String dir) {
    }

    @TempDir
    Path tmp;

    @Test
    void osArchNamesMapToTheJarsDirectoriesAndToTheSameSeccompTables() {
        assertEquals(Optional.of(NativeArch.X86_64), NativeArch.ofOsArch("amd64"));
        assertEquals(Optional.of(NativeArch.X86_64), NativeArch.ofOsArch("x86_64"));
        assertEquals(Optional.of(NativeArch.AARCH64), NativeArch.ofOsArch("aarch64"));
        assertEquals(Optional.of(NativeArch.AARCH64), NativeArch.ofOsArch("arm64"));
        for (String other : List.of("x86", "i386", "arm", "riscv64", "ppc64le", "s390x", "")) {
            assertEquals(Optional.empty(), NativeArch.ofOsArch(other), other);
            assertEquals(Optional.empty(), SeccompArch.ofOsArch(other), other);
        }
        for (String name : List.of("amd64", "x86_64", "aarch64", "arm64")) {
            assertEquals(NativeArch.ofOsArch(name).orElseThrow().id(), SeccompArch.ofOsArch(name).orElseThrow().id(),
                    "the supervisor and its filter are of one architecture: " + name);
        }
    }

    @Test
    void anotherArchitectureIsRefusedByName() {
        String message = NativeArch.refusal("riscv64");
        assertTrue(message.contains("\"riscv64\"") && message.contains("x86_64") && message.contains("aarch64"), message);
        String saved = System.getProperty("os.arch");
        // os.arch is read, never cached: the same lookup the loaders make refuses here.
        System.setProperty("os.arch", "riscv64");
        try {
            NativeArch.UnsupportedArchitectureException e = assertThrows(NativeArch.UnsupportedArchitectureException.class,
                    () -> NativeArch.resource("nsbox-init"));
            assertEquals(message, e.getMessage());
        } finally {
            System.setProperty("os.arch", saved);
        }
        assertEquals(NativeArch.current().orElseThrow().id() + "/nsbox-init", assertDoesNotThrow());
    }

    private static String assertDoesNotThrow() {
        try {
            return NativeArch.resource("nsbox-init");
        } catch (NativeArch.UnsupportedArchitectureException e) {
            throw new AssertionError("this JVM runs on a supported architecture", e);
        }
    }

    @Test
    void everyProgramIsBuiltForEveryArchitectureAsFileSaysIt() throws Exception {
        Optional<Path> file = Architectures.onPath("file");
        Architectures.requireOrSkip(file.isPresent(), "no file(1) (apt-get install file)");
        List<Program> programs = programs();
        assertTrue(programs.stream().anyMatch(p -> p.name().equals("nsbox-init")), programs.toString());
        assertTrue(programs.stream().anyMatch(p -> p.name().equals("libnsbox-sys.so")), programs.toString());
        List<String> missing = new ArrayList<>();
        for (NativeArch arch : NativeArch.values()) {
            for (Program p : programs) {
                String resource = "/" + p.dir() + "/" + arch.id() + "/" + p.name();
                try (InputStream in = NativeArch.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        assertFalse(NativeArch.current().equals(Optional.of(arch)),
                                "the build always makes this machine's " + resource);
                        missing.add(resource);
                        continue;
                    }
                    Path copy = Files.createDirectories(tmp.resolve(arch.id())).resolve(p.name());
                    Files.copy(in, copy);
                    String says = describe(file.get(), copy);
                    String machine = arch == NativeArch.X86_64 ? "x86-64" : "ARM aarch64";
                    assertTrue(says.startsWith("ELF 64-bit LSB "), resource + ": " + says);
                    assertTrue(says.contains(", " + machine + ","), resource + ": " + says);
                    if (p.link().equals("static")) {
                        assertTrue(says.contains("LSB executable") && says.contains("statically linked"),
                                resource + " runs in a root without a C library: " + says);
                    } else {
                        assertTrue(says.contains("LSB shared object") && says.contains("dynamically linked"),
                                resource + " is loaded by the JVM: " + says);
                    }
                }
            }
        }
        Architectures.requireOrSkip(missing.isEmpty(), "this build lacks " + missing
                + " (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)");
    }

    /** The program table of {@code src/main/c/build.sh}: the lines of its here-document. */
    static List<Program> programs() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/c/build.sh"), StandardCharsets.UTF_8);
        int start = lines.indexOf("    cat <<'EOF'");
        assertTrue(start >= 0, "build.sh keeps its program table in programs()'s here-document");
        List<Program> programs = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.equals("EOF")) {
                return programs;
            }
            String[] f = line.trim().split("\\s+");
            assertEquals(4, f.length, "name source link directory: " + line);
            programs.add(new Program(f[0], f[1], f[2], f[3]));
        }
        throw new AssertionError("build.sh's program table has no end");
    }

    private static String describe(Path file, Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(file.toString(), "-b", binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
