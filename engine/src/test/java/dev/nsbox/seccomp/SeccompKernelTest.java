package dev.nsbox.seccomp;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Installs compiled filters in the running kernel, through the test-only C helper
 * {@code src/test/c/seccomp-exec.c} (built here with gcc), and shows what they do to real
 * programs. Needs no privilege: seccomp(2) takes a filter from any process with no_new_privs.
 */
class SeccompKernelTest {

    @TempDir
    static Path dir;

    static Path helper;
    static SeccompArch arch;

    private record Outcome(int exit, String out, String err) {
    }

    @BeforeAll
    static void buildHelper() throws Exception {
        arch = SeccompArch.current().orElse(null);
        assumeTrue(arch != null, "nsbox builds filters for x86_64 and aarch64, not " + System.getProperty("os.arch"));
        Path gcc = onPath("gcc");
        assumeTrue(gcc != null, "gcc is not on PATH; it builds the test helper src/test/c/seccomp-exec.c");
        helper = dir.resolve("seccomp-exec");
        Outcome built = run(List.of(gcc.toString(), "-O1", "-Wall", "-Werror", "-o", helper.toString(),
                Path.of("src/test/c/seccomp-exec.c").toAbsolutePath().toString()));
        assertEquals(0, built.exit(), "gcc failed: " + built.err());
    }

    private static Path onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static Outcome run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Outcome underFilter(SeccompPolicy policy, Set<String> caps, String... command) throws Exception {
        SeccompFilter f = SeccompFilter.of(policy, caps, arch).orElseThrow();
        Path file = Files.createTempFile(dir, "filter", ".bpf");
        Files.write(file, f.program().bytes());
        List<String> argv = new ArrayList<>(List.of(helper.toString(), file.toString()));
        argv.addAll(List.of(command));
        return run(argv);
    }

    /** The kernel takes the program, and ordinary tools run under it: execve, the loader, fork, pipes. */
    @Test
    void theDefaultFilterLetsOrdinaryToolsRun() throws Exception {
        Outcome o = underFilter(SeccompPolicy.defaults(), Set.of(), "/bin/sh", "-c",
                "ls / >/dev/null && echo listed; grep '^Seccomp:' /proc/self/status | tr -d '\\t '; true");
        assertEquals(new Outcome(0, "listed\nSeccomp:2\n", ""), o);
    }

    /** unshare(2) fails with EPERM even where it would succeed without the filter (as root, or with user namespaces). */
    @Test
    void unshareFailsWithEperm() throws Exception {
        Outcome o = underFilter(SeccompPolicy.defaults(), Set.of(), "/bin/sh", "-c",
                "unshare --user true; echo \"unshare exit $?\"; true && echo \"true exit $?\"");
        assertEquals("unshare exit 1\ntrue exit 0\n", o.out());
        assertTrue(o.err().contains("Operation not permitted"), o.err());
        assertEquals(0, o.exit());
    }

    /** The same command without the filter does create the namespace here, so the test above can fail. */
    @Test
    void withoutTheFilterUnshareWorksOnThisMachine() throws Exception {
        Outcome o = run(List.of("/bin/sh", "-c", "unshare --user true; echo \"unshare exit $?\""));
        assumeTrue(o.out().equals("unshare exit 0\n"),
                "this machine refuses user namespaces even without a filter: " + o.err());
        Outcome custom = underFilter(new SeccompPolicy.Custom(List.of("unshare"), List.of()), Set.of(),
                "/bin/sh", "-c", "unshare --user true; echo \"unshare exit $?\"");
        assertEquals("unshare exit 0\n", custom.out(), custom.err());
    }

    /**
     * The kernel's checker (seccomp_check_filter, bpf_check_classic) takes a program whose
     * decisions need BPF_JA to reach: the helper exits 0 only when seccomp(2) took the program.
     */
    @Test
    void theKernelTakesAProgramWithLongJumps() throws Exception {
        Syscalls table = Syscalls.of(arch);
        List<String> deny = new ArrayList<>();
        for (int nr = 0; nr <= table.highest(); nr += 2) {
            table.name(nr).filter(n -> !n.equals("exit_group")).ifPresent(deny::add);
        }
        SeccompPolicy alternating = new SeccompPolicy.Custom(List.of(), deny);
        assertTrue(SeccompFilter.of(alternating, Set.of(), arch).orElseThrow().program().instructions().stream()
                .anyMatch(i -> i.code() == SockFilter.JA));
        assertEquals(new Outcome(0, "", ""), underFilter(alternating, Set.of(), "--exit"));
    }

    /** A denied call fails with EPERM and the program carries on. */
    @Test
    void aDeniedCallFailsAndTheProgramGoesOn() throws Exception {
        Outcome o = underFilter(new SeccompPolicy.Custom(List.of(), List.of("mkdirat", "mkdir")), Set.of(),
                "/bin/sh", "-c", "mkdir " + dir.resolve("made") + "; echo \"mkdir exit $?\"");
        assertEquals("mkdir exit 1\n", o.out());
        assertTrue(o.err().contains("Operation not permitted"), o.err());
        assertTrue(Files.notExists(dir.resolve("made")));
    }

    /**
     * An x32 call ends the process with SIGSYS (Java reports 128 + 31). The filter sees the
     * number before the kernel looks it up, so this holds also where the kernel was built
     * without CONFIG_X86_X32_ABI and would itself answer ENOSYS.
     */
    @Test
    void anX32CallIsKilled() throws Exception {
        assumeTrue(arch == SeccompArch.X86_64, "x32 exists only on x86_64");
        assertEquals(new Outcome(128 + 31, "", ""), underFilter(SeccompPolicy.defaults(), Set.of(), "--x32-getpid"));
    }

    /** An i386 call through int 0x80 ends the process with SIGSYS, where the kernel runs i386 calls at all. */
    @Test
    void anI386CallIsKilled() throws Exception {
        assumeTrue(arch == SeccompArch.X86_64, "int 0x80 exists only on x86");
        Outcome bare = run(List.of(helper.toString(), "-", "--int80-getpid"));
        // Without IA32 emulation (CONFIG_IA32_EMULATION, ia32_emulation=) int 0x80 is a SIGSEGV.
        assumeTrue(bare.exit() == 0, "this kernel runs no i386 calls: int 0x80 ended the helper with " + bare.exit());
        assertEquals("int 0x80 getpid: a pid\n", bare.out());
        assertEquals(new Outcome(128 + 31, "", ""), underFilter(SeccompPolicy.defaults(), Set.of(), "--int80-getpid"));
    }
}
