package dev.nsbox.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sysctls that restrict user namespaces, read from a fake {@code /proc/sys} tree: every
 * value of each, as {@link UserNamespaces#policyRefusals()} (behind the exit 3 of validate,
 * plan and run) and {@code nsbox doctor} report it. Only the files are simulated here; that
 * the kernel really refuses when {@code user.max_user_namespaces} is 0 is proved by
 * {@code dev.nsbox.rootless.RefusedUserNamespaceTest}.
 */
class PolicySysctlsTest {

    @TempDir
    Path sysctl;

    private void set(String name, String value) throws IOException {
        Path f = sysctl.resolve(name.replace('.', '/'));
        Files.createDirectories(f.getParent());
        // As /proc/sys shows them: the value and a newline.
        Files.writeString(f, value + "\n");
    }

    @Test
    void aKernelWithoutAnyOfThemRefusesNothing() {
        assertEquals(List.of(), UserNamespaces.policyRefusals(sysctl));
        List<Doctor.Check> checks = Doctor.policyChecks(sysctl, false);
        assertEquals(List.of("user.max_user_namespaces: not present on this kernel",
                "kernel.unprivileged_userns_clone: not present on this kernel",
                "kernel.apparmor_restrict_unprivileged_userns: not present on this kernel"),
                checks.stream().map(Doctor.Check::text).toList());
        assertTrue(checks.stream().allMatch(c -> c.status() == Doctor.Status.INFO), checks.toString());
    }

    @Test
    void maxUserNamespacesZeroIsARefusalWithTheErrnoAndTheFix() throws IOException {
        set("user.max_user_namespaces", "0");
        assertEquals(List.of("user namespaces are disabled: user.max_user_namespaces = 0, so unshare(CLONE_NEWUSER) "
                + "fails with ENOSPC (No space left on device); enable them with 'sysctl -w "
                + "user.max_user_namespaces=15000' (persist it in /etc/sysctl.d/)"), UserNamespaces.policyRefusals(sysctl));
        Doctor.Check c = Doctor.policyChecks(sysctl, false).get(0);
        assertEquals(Doctor.Status.NO, c.status());
        assertTrue(c.text().startsWith("user namespaces are disabled: user.max_user_namespaces = 0"), c.text());
        assertEquals("enable them with 'sysctl -w user.max_user_namespaces=15000' (persist it in /etc/sysctl.d/)",
                c.fix());
        for (String allowing : List.of("1", "15000", "96365")) {
            set("user.max_user_namespaces", allowing);
            assertEquals(List.of(), UserNamespaces.policyRefusals(sysctl), allowing);
            assertEquals(new Doctor.Check("user namespaces", Doctor.Status.OK, "user.max_user_namespaces = " + allowing,
                    null), Doctor.policyChecks(sysctl, false).get(0));
        }
    }

    @Test
    void unprivilegedUsernsCloneZeroIsARefusalWithTheErrnoAndTheFix() throws IOException {
        set("kernel.unprivileged_userns_clone", "0");
        List<String> refusals = UserNamespaces.policyRefusals(sysctl);
        assertEquals(1, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).startsWith("unprivileged user namespaces are disabled: "
                + "kernel.unprivileged_userns_clone = 0, so unshare(CLONE_NEWUSER) fails with EPERM"), refusals.get(0));
        assertTrue(refusals.get(0).endsWith("enable them with 'sysctl -w kernel.unprivileged_userns_clone=1' "
                + "(persist it in /etc/sysctl.d/)"), refusals.get(0));
        Doctor.Check c = Doctor.policyChecks(sysctl, false).get(1);
        assertEquals(Doctor.Status.NO, c.status());
        assertTrue(c.text().contains("kernel.unprivileged_userns_clone = 0"), c.text());
        assertTrue(c.fix().contains("sysctl -w kernel.unprivileged_userns_clone=1"), c.fix());

        set("kernel.unprivileged_userns_clone", "1");
        assertEquals(List.of(), UserNamespaces.policyRefusals(sysctl));
        assertEquals(Doctor.Status.OK, Doctor.policyChecks(sysctl, false).get(1).status());
    }

    @Test
    void apparmorRestrictionIsARefusalNamingTheProfileAndTheSysctl() throws IOException {
        set("kernel.apparmor_restrict_unprivileged_userns", "1");
        List<String> refusals = UserNamespaces.policyRefusals(sysctl);
        assertEquals(1, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).startsWith("AppArmor restricts unprivileged user namespaces: "
                + "kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu 23.10 and later)"), refusals.get(0));
        assertTrue(refusals.get(0).contains("an AppArmor profile granting 'userns,'"), refusals.get(0));
        assertTrue(refusals.get(0).contains("'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'"), refusals.get(0));
        Doctor.Check c = Doctor.policyChecks(sysctl, false).get(2);
        assertEquals(Doctor.Status.NO, c.status());
        assertTrue(c.text().startsWith("AppArmor restricts unprivileged user namespaces"), c.text());
        assertTrue(c.fix().contains("'userns,'") && c.fix().contains("apparmor_restrict_unprivileged_userns=0"), c.fix());

        set("kernel.apparmor_restrict_unprivileged_userns", "0");
        assertEquals(List.of(), UserNamespaces.policyRefusals(sysctl));
        assertEquals(Doctor.Status.OK, Doctor.policyChecks(sysctl, false).get(2).status());
    }

    @Test
    void everyRefusalIsReportedInTableOrderAndRootIsOnlyWarned() throws IOException {
        set("user.max_user_namespaces", "0");
        set("kernel.unprivileged_userns_clone", "0");
        set("kernel.apparmor_restrict_unprivileged_userns", "1");
        List<String> refusals = UserNamespaces.policyRefusals(sysctl);
        assertEquals(3, refusals.size(), refusals.toString());
        assertTrue(refusals.get(0).contains("user.max_user_namespaces"));
        assertTrue(refusals.get(1).contains("kernel.unprivileged_userns_clone"));
        assertTrue(refusals.get(2).contains("kernel.apparmor_restrict_unprivileged_userns"));
        for (Doctor.Check c : Doctor.policyChecks(sysctl, true)) {
            assertEquals(Doctor.Status.WARN, c.status(), c.toString());
            assertTrue(c.text().endsWith("(for ordinary users; root needs none)"), c.text());
        }
    }

    /** A value the files do not say plainly is no refusal here: the probe (unshare --user true) decides. */
    @Test
    void anEmptyValueIsNoRefusal() throws IOException {
        set("user.max_user_namespaces", "");
        assertEquals(List.of(), UserNamespaces.policyRefusals(sysctl));
        assertEquals(Doctor.Status.OK, Doctor.policyChecks(sysctl, false).get(0).status());
    }
}
