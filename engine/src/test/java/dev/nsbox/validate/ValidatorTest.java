package dev.nsbox.validate;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.yaml.TestSpecs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nsbox.spec.yaml.TestSpecs.errors;
import static dev.nsbox.spec.yaml.TestSpecs.warnings;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each check of {@link Validator}, pinned by its exact message, line and column. */
class ValidatorTest {

    @Test
    void mountsNeedAMountNamespace() {
        assertEquals(List.of("s.yaml:3:1: error: mounts needs a mount namespace; add \"mount\" to namespaces"),
                errors("version: 1\nnamespaces: [pid]\nmounts:\n  - {type: proc, target: /proc}\n"));
    }

    @Test
    void rootAndAWrittenPropagationNeedAMountNamespace() {
        assertEquals(List.of(
                "s.yaml:2:14: error: propagation needs a mount namespace; add \"mount\" to namespaces",
                "s.yaml:3:1: error: root needs a mount namespace; add \"mount\" to namespaces"),
                errors("version: 1\npropagation: rprivate\nroot: {readOnly: true}\n"));
    }

    @Test
    void hostnameNeedsAUtsNamespace() {
        assertEquals(List.of("s.yaml:3:11: error: hostname needs a uts namespace (it would rename the host); "
                + "add \"uts\" to namespaces"), errors("version: 1\nnamespaces: [mount]\nhostname: box\n"));
    }

    @Test
    void mqueueNeedsAnIpcNamespace() {
        assertEquals(List.of("s.yaml:4:5: error: mounts[0] (mqueue on /dev/mqueue) needs an ipc namespace (it would "
                + "show the host's message queues); add \"ipc\" to namespaces"),
                errors("version: 1\nnamespaces: [mount]\nmounts:\n  - type: mqueue\n    target: /dev/mqueue\n"));
    }

    @Test
    void procWithoutPidIsAWarningAsSpecMdSaysIt() {
        assertEquals(List.of("s.yaml:7:5: warning: mounts[1] (proc on /proc) without a pid namespace shows the "
                        + "host's processes"),
                warnings("version: 1\nnamespaces: [mount]\nmounts:\n  - type: tmpfs\n    target: /tmp\n"
                        + "  # the host's processes, seen from inside\n  - type: proc\n    target: /proc\n"));
    }

    @Test
    void sysfsWithoutNetIsAWarning() {
        assertEquals(List.of("s.yaml:4:5: warning: mounts[0] (sysfs on /sys) without a net namespace shows the "
                + "host's network devices"), warnings("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: sysfs, "
                + "target: /sys}\n"));
    }

    private static final String SHARED_MOUNTS = " keeps the sandbox's mounts shared with the host, and "
            + "process.capabilities keeps CAP_SYS_ADMIN, with which ";
    private static final String REFUSED = ": each mount it makes would appear on the host, which hostEffects: deny "
            + "refuses; use rprivate or rslave, or drop CAP_SYS_ADMIN from process.capabilities";

    @Test
    void aSharedTreeIsRefusedWhenStepsMayMount() {
        String mayMount = "a step may call mount(2), which the system-call filter allows a step that keeps it";
        assertEquals(List.of("s.yaml:3:14: error: propagation unchanged" + SHARED_MOUNTS + mayMount + REFUSED),
                errors("version: 1\nnamespaces: [mount]\npropagation: unchanged\nprocess:\n"
                        + "  capabilities: [CAP_SYS_ADMIN]\n"));
        assertEquals(List.of("s.yaml:3:14: error: propagation rshared" + SHARED_MOUNTS + mayMount + REFUSED),
                errors("version: 1\nnamespaces: [mount]\npropagation: rshared\nprocess:\n"
                        + "  capabilities: [CAP_SYS_ADMIN]\n  seccomp: {allow: ['@mount']}\n"));
        assertEquals(List.of("s.yaml:3:14: error: propagation shared" + SHARED_MOUNTS
                        + "a step may mount (process.seccomp: unconfined)" + REFUSED),
                errors("version: 1\nnamespaces: [mount]\npropagation: shared\nprocess:\n"
                        + "  capabilities: [CAP_SYS_ADMIN]\n  seccomp: unconfined\n"));
        assertEquals(List.of("s.yaml:3:14: error: propagation unchanged" + SHARED_MOUNTS
                        + "a step may call move_mount(2), which the system-call filter allows a step that keeps it"
                        + REFUSED),
                errors("version: 1\nnamespaces: [mount]\npropagation: unchanged\nprocess:\n"
                        + "  capabilities: [CAP_SYS_ADMIN]\n  seccomp: {deny: [mount]}\n"));
    }

    @Test
    void aSharedTreeIsFineWhenStepsCannotMount() {
        String head = "version: 1\nnamespaces: [mount]\npropagation: unchanged\n";
        // No capability (the default), even with the mount calls allowed: mount(2) needs CAP_SYS_ADMIN.
        assertEquals(List.of(), TestSpecs.warnings(head));
        assertEquals(List.of(), TestSpecs.warnings(head + "process:\n  seccomp: unconfined\n"));
        assertEquals(List.of(), TestSpecs.warnings(head + "process:\n  seccomp: {allow: ['@mount']}\n"));
        // CAP_SYS_ADMIN, but a filter that refuses every call that mounts.
        assertEquals(List.of(), TestSpecs.warnings(head
                + "process:\n  capabilities: [CAP_SYS_ADMIN]\n  seccomp: {deny: [mount, move_mount]}\n"));
        // Host effects allowed, or a tree made private.
        assertEquals(List.of(), TestSpecs.warnings(head + "hostEffects: allow\nprocess: {capabilities: [CAP_SYS_ADMIN]}\n"));
        assertEquals(List.of(), TestSpecs.warnings("version: 1\nnamespaces: [mount]\npropagation: rslave\n"
                + "process: {capabilities: [CAP_SYS_ADMIN]}\n"));
    }

    @Test
    void unchangedPropagationCannotPivotIntoANewRoot() {
        assertEquals(List.of("s.yaml:3:14: error: propagation unchanged cannot be used with root type tmpfs: "
                + "pivot_root(2) fails with EINVAL when the new root's parent mount is shared, and the root's staging "
                + "tmpfs would appear on the host; use rprivate or rslave"),
                errors("version: 1\nnamespaces: [mount]\npropagation: unchanged\nroot: {type: tmpfs}\n"));
        assertEquals(List.of(), warnings("version: 1\nnamespaces: [mount]\npropagation: unchanged\n"));
    }

    @Test
    void aMountHiddenByALaterOneOnAParent() {
        assertEquals(List.of("s.yaml:5:5: warning: mounts[1] (tmpfs on /a/b) is hidden by mounts[2] (tmpfs on /a), "
                        + "mounted later on a parent"),
                warnings("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: tmpfs, target: /x}\n"
                        + "  - {type: tmpfs, target: /a/b}\n  - {type: tmpfs, target: /a}\n"));
    }

    @Test
    void aMountHiddenByALaterOneOnTheSameTarget() {
        assertEquals(List.of("s.yaml:4:5: warning: mounts[0] (bind on /data) is hidden by mounts[1] (hide on /data), "
                        + "mounted later on the same target"),
                warnings("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: bind, source: /srv, target: /data}\n"
                        + "  - {type: hide, target: /data}\n"));
    }

    @Test
    void aRemountHidesNothingAndALaterChildIsFine() {
        assertEquals(List.of(), warnings("version: 1\nnamespaces: [mount]\nmounts:\n"
                + "  - {type: bind, source: /srv, target: /data}\n"
                + "  - {type: tmpfs, target: /data/cache}\n"
                + "  - {type: remount, target: /data, readOnly: true}\n"
                + "  - {type: tmpfs, target: /database}\n"));
    }

    @Test
    void aRemountThatChangesNothing() {
        assertEquals(List.of("s.yaml:4:5: warning: mounts[0] (remount on /usr) changes nothing; set readOnly, nosuid, "
                + "nodev, noexec or propagation"),
                warnings("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: remount, target: /usr}\n"));
    }

    @Test
    void stepNamesMustBeUniqueDefaultNamesIncluded() {
        assertEquals(List.of(
                "s.yaml:5:11: error: steps[1] is named \"test\" like steps[0]; step names must be unique",
                "s.yaml:8:11: error: steps[3] is named \"step-3\" like steps[2]; step names must be unique"),
                errors("version: 1\nsteps:\n  - name: test\n    run: [a]\n  - name: test\n    run: [b]\n"
                        + "  - run: [c]\n  - name: step-3\n    run: [d]\n"));
    }

    @Test
    void envKeepWithoutClearIsAWarning() {
        assertEquals(List.of("s.yaml:4:5: warning: process.env.keep has no effect without clear: true (the whole "
                + "environment is kept)"), warnings("version: 1\nprocess:\n  env:\n    keep: [PATH]\n"));
    }

    @Test
    void aUserBlockWithoutAUserNamespaceIsFine() {
        Spec s = TestSpecs.load("version: 1\nuser: {uid: 1000, gid: 1000}\n").spec();
        assertEquals(List.of(), Validator.validate(s));
    }

    @Test
    void everyCheckRunsAndReportsEveryProblem() {
        Spec s = TestSpecs.load("version: 1\nnamespaces: [mount]\nmounts:\n  - {type: proc, target: /proc}\n"
                + "  - {type: proc, target: /proc2}\n").spec();
        List<Diagnostic> found = Validator.validate(s);
        assertEquals(2, found.size(), found.toString());
        assertEquals(11, Validator.CHECKS.size());
    }
}
