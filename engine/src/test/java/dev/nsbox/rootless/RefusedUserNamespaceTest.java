package dev.nsbox.rootless;

import dev.nsbox.testing.OrdinaryUser;
import dev.nsbox.testing.Processes.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ordinary user on a machine that refuses it a user namespace: {@code validate}, {@code plan}
 * and {@code run} of a spec that needs one stop with exit 3, naming the sysctl, what the kernel
 * does and the fix; {@code doctor} says the same and how to enable it.
 *
 * <p>{@code user.max_user_namespaces} is the kernel's truth, not a simulation: the sysctls of
 * {@code /proc/sys/user} belong to the reader's user namespace, and whoever owns a user
 * namespace (CAP_SYS_RESOURCE there) may lower its limit (kernel/ucount.c). So the user creates
 * a child user namespace mapping only itself ({@code unshare --user --map-user --keep-caps}),
 * sets that namespace's limit to 0, drops every capability ({@code setpriv}) and runs nsbox
 * there; the test shows the kernel then refuses {@code unshare --user} with the errno the
 * message names. Nothing of the machine's own limit changes (checked).
 *
 * <p>{@code kernel.unprivileged_userns_clone} (a Debian patch) and
 * {@code kernel.apparmor_restrict_unprivileged_userns} (Ubuntu) do not exist on the kernel
 * this is tested on, and a sysctl cannot be faked for the kernel: those tests only simulate
 * the files, with a tmpfs holding them over {@code /proc/sys/kernel} in a scratch mount
 * namespace, and the kernel still allows the namespace there. They prove the front ends read
 * the files and refuse with the right words, not that the kernel refuses.
 */
@Tag("rootless")
@Timeout(180)
class RefusedUserNamespaceTest {

    private static final Path MAX = Path.of("/proc/sys/user/max_user_namespaces");
    private static OrdinaryUser user;

    @BeforeAll
    static void user() throws Exception {
        user = OrdinaryUser.get();
    }

    /** A spec an ordinary user can run only in a user namespace: every spec, for it. */
    private static Path spec(String folder) throws IOException {
        Path work = user.folder(folder);
        Path spec = Files.writeString(work.resolve("nsbox.yaml"), """
                version: 1
                namespaces: [mount, uts]
                hostname: refused
                steps:
                  - shell: "true"
                """);
        user.own(spec);
        return spec;
    }

    /**
     * {@code argv} as the user, in a child user namespace of its own whose
     * {@code user.max_user_namespaces} is 0, without any capability there.
     */
    private static Result withNoUserNamespacesLeft(List<String> argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user", "--map-user=" + user.uid,
                "--map-group=" + user.gid, "--keep-caps", "--", "sh", "-c",
                // The shell is exec'd by unshare after the maps are written: it holds
                // CAP_SYS_RESOURCE in the namespace. Measured: the process that called
                // unshare(2) itself, before its maps were written, gets EACCES writing it.
                "echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all --ambient-caps=-all -- \"$@\"",
                "sh"));
        cmd.addAll(argv);
        return Result.of(user.command(cmd).start());
    }

    private static List<String> nsbox(String... args) {
        return user.nsboxArgv(args);
    }

    @Test
    void maxUserNamespacesZeroIsExitThreeWithTheSysctlAndTheFixAndTheKernelAgrees() throws Exception {
        Result version = user.exec(List.of("unshare", "--version"), null);
        Assumptions.assumeTrue(version.out().matches("(?s).* 2\\.(3[89]|[4-9][0-9]).*|(?s).* [3-9]\\..*"),
                "needs unshare --map-user (util-linux 2.38) to make the child user namespace: " + version.out());
        String machine = Files.readString(MAX);
        Path spec = spec("max-userns");

        Result kernel = withNoUserNamespacesLeft(List.of("sh", "-c",
                "cat /proc/sys/user/max_user_namespaces; grep CapEff /proc/self/status; unshare --user --map-root-user true"));
        assertTrue(kernel.out().startsWith("0\nCapEff:\t0000000000000000\n"), kernel.out() + kernel.err());
        assertEquals(1, kernel.exit(), kernel.out() + kernel.err());
        assertTrue(kernel.err().contains("unshare failed: No space left on device"), kernel.err());

        for (String command : List.of("validate", "plan", "run")) {
            Result r = withNoUserNamespacesLeft(nsbox(command, spec.toString()));
            assertEquals(3, r.exit(), command + ": " + r.out() + r.err());
            assertTrue(r.err().contains(spec + ":2:1: error: this spec needs a user namespace (the caller lacks "
                    + "CAP_SYS_ADMIN, or it lists user), and user namespaces are disabled: user.max_user_namespaces = 0, "
                    + "so unshare(CLONE_NEWUSER) fails with ENOSPC (No space left on device); enable them with "
                    + "'sysctl -w user.max_user_namespaces=15000' (persist it in /etc/sysctl.d/)\n"), command + ": " + r.err());
        }

        Result doctor = withNoUserNamespacesLeft(nsbox("doctor", spec.toString()));
        assertEquals(0, doctor.exit(), doctor.err());
        assertTrue(doctor.out().contains("  no    user namespaces are disabled: user.max_user_namespaces = 0, so "
                + "unshare(CLONE_NEWUSER) fails with ENOSPC (No space left on device)\n        fix: enable them with "
                + "'sysctl -w user.max_user_namespaces=15000'"), doctor.out());
        assertTrue(doctor.out().contains("  no    unshare --user --map-root-user true: refused: unshare: unshare failed: "
                + "No space left on device\n        fix: user namespaces are disabled: user.max_user_namespaces = 0"),
                doctor.out());
        assertTrue(doctor.out().contains(spec + ": will not run here: it needs a user namespace, which this machine "
                + "refuses"), doctor.out());
        assertEveryRefusalHasAFix(doctor.out());

        assertEquals(machine, Files.readString(MAX), "the machine's own limit is untouched");
    }

    /** Every "no" line of doctor's report is followed by its "fix:" line. */
    private static void assertEveryRefusalHasAFix(String report) {
        List<String> lines = report.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("  no ")) {
                assertTrue(i + 1 < lines.size() && lines.get(i + 1).startsWith("        fix: "),
                        "a refusal says how to fix it: " + lines.get(i) + "\n" + report);
            }
        }
    }

    /**
     * {@code argv} as the user in a scratch mount namespace where a tmpfs over
     * {@code /proc/sys/kernel} holds only {@code name} = {@code value} (simulated: the kernel
     * keeps its own settings).
     */
    private static Result withKernelSysctl(String name, String value, List<String> argv)
            throws IOException, InterruptedException {
        Assumptions.assumeTrue(OrdinaryUser.euid() == 0, "needs root to mount a tmpfs over /proc/sys/kernel "
                + "in a scratch mount namespace");
        ProcessBuilder pb = user.command(argv);
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t tmpfs -o mode=755,size=16k nsbox-test-sysctl /proc/sys/kernel"
                        + " && echo \"$0\" > /proc/sys/kernel/" + name + " && exec \"$@\"",
                value));
        cmd.addAll(pb.command());
        return Result.of(pb.command(cmd).start());
    }

    @Test
    void unprivilegedUsernsCloneZeroIsExitThreeWithTheSysctlAndTheFix() throws Exception {
        refusedBySimulatedSysctl("kernel.unprivileged_userns_clone", "0",
                "unprivileged user namespaces are disabled: kernel.unprivileged_userns_clone = 0, so "
                        + "unshare(CLONE_NEWUSER) fails with EPERM (Operation not permitted) without CAP_SYS_ADMIN",
                "enable them with 'sysctl -w kernel.unprivileged_userns_clone=1' (persist it in /etc/sysctl.d/)");
    }

    @Test
    void apparmorRestrictionIsExitThreeWithTheProfileAndTheSysctl() throws Exception {
        refusedBySimulatedSysctl("kernel.apparmor_restrict_unprivileged_userns", "1",
                "AppArmor restricts unprivileged user namespaces: kernel.apparmor_restrict_unprivileged_userns = 1 "
                        + "(Ubuntu 23.10 and later), so a user namespace gets no capabilities and unshare(1) cannot "
                        + "map the caller",
                "allow them for unshare with an AppArmor profile granting 'userns,' (see "
                        + "https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces), or "
                        + "'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' (persist it in /etc/sysctl.d/)");
    }

    private static void refusedBySimulatedSysctl(String name, String value, String what, String fix) throws Exception {
        Path spec = spec(name.substring("kernel.".length()).replace('_', '-'));
        String file = name.substring("kernel.".length());
        for (String command : List.of("validate", "plan", "run")) {
            Result r = withKernelSysctl(file, value, nsbox(command, spec.toString()));
            assertEquals(3, r.exit(), command + ": " + r.out() + r.err());
            assertTrue(r.err().contains(spec + ":2:1: error: this spec needs a user namespace (the caller lacks "
                    + "CAP_SYS_ADMIN, or it lists user), and " + what + "; " + fix + "\n"), command + ": " + r.err());
        }
        Result doctor = withKernelSysctl(file, value, nsbox("doctor", spec.toString()));
        assertEquals(0, doctor.exit(), doctor.err());
        assertTrue(doctor.out().contains("  no    " + what + "\n        fix: " + fix + "\n"), doctor.out());
        assertTrue(doctor.out().contains(spec + ": will not run here: "), doctor.out());
        assertEveryRefusalHasAFix(doctor.out());
    }
}
