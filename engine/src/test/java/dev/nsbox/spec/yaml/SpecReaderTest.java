package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Capability;
import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.SeccompSpec;
import dev.nsbox.spec.MountSpec;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.nsbox.spec.yaml.TestSpecs.errors;
import static dev.nsbox.spec.yaml.TestSpecs.load;
import static dev.nsbox.spec.yaml.TestSpecs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parser's rules, each pinned by its exact message, line and column. */
class SpecReaderTest {

    private static MountSpec mount(String yaml) {
        return load(spec("mounts:\n" + yaml)).spec().mounts().get(0);
    }

    // ---- keys -------------------------------------------------------------------------

    @Test
    void unknownKeySuggestsTheClosestKnownOne() {
        assertEquals(List.of("s.yaml:7:5: error: unknown key \"redOnly\" in mounts[0]; did you mean \"readOnly\"?"),
                errors(spec("mounts:\n  - type: bind\n    source: .\n    target: /x\n    redOnly: true\n")));
    }

    @Test
    void unknownTopLevelKeyListsTheKeysWhenNoneIsClose() {
        assertEquals(List.of("s.yaml:3:1: error: unknown key \"network\" at the top level; expected one of version, extends, "
                        + "name, description, namespaces, user, hostname, propagation, hostEffects, root, mounts, "
                        + "process, limits, steps"),
                errors(spec("network: none\n")));
        assertEquals(List.of("s.yaml:3:1: error: unknown key \"mount\" at the top level; did you mean \"mounts\"?"),
                errors(spec("mount: []\n")));
    }

    @Test
    void unknownKeyIsCaseSensitiveButSuggestsTheRightCase() {
        assertEquals(List.of("s.yaml:3:1: error: unknown key \"hosteffects\" at the top level; "
                + "did you mean \"hostEffects\"?"), errors(spec("hosteffects: deny\n")));
    }

    @Test
    void duplicateKeyIsReportedAtTheSecondWithTheFirstsLine() {
        assertEquals(List.of("s.yaml:6:5: error: duplicate key \"target\" in mounts[0]; first written at line 5"),
                errors(spec("mounts:\n  - type: tmpfs\n    target: /a\n    target: /b\n")));
        assertEquals(List.of("s.yaml:4:1: error: duplicate key \"hostname\" at the top level; first written at line 3"),
                errors(spec("hostname: a\nhostname: b\n")));
    }

    @Test
    void aKeyAnotherMountTypeTakesNamesTheTypesThatDo() {
        assertEquals(List.of("s.yaml:6:5: error: mounts[0]: a tmpfs mount does not accept \"source\" (only bind does); "
                        + "tmpfs accepts target, size, mode, uid, gid, readOnly, nosuid, nodev, noexec, replace"),
                errors(spec("mounts:\n  - type: tmpfs\n    target: /a\n    source: /b\n")));
        assertEquals(List.of("s.yaml:6:5: error: mounts[0]: a proc mount does not accept \"readOnly\" "
                        + "(bind, tmpfs, overlay, remount do); proc accepts target, nosuid, nodev, noexec, replace"),
                errors(spec("mounts:\n  - type: proc\n    target: /proc\n    readOnly: true\n")));
    }

    @Test
    void everyMountTypeAcceptsExactlyItsKeys() {
        MountSpec bind = mount("  - {type: bind, source: src, target: /s, readOnly: true, recursive: false,"
                + " propagation: rslave, optional: true, nosuid: true, nodev: false, noexec: true}\n");
        assertEquals("/work/project/src", bind.source());
        assertEquals(false, bind.isRecursive());
        assertEquals(true, bind.optional());
        assertEquals(Boolean.FALSE, bind.nodev());
        MountSpec tmpfs = mount("  - {type: tmpfs, target: /t, size: 64k, mode: \"0700\", uid: 1000, gid: 100,"
                + " readOnly: false}\n");
        assertEquals(65536L, tmpfs.size());
        assertEquals(0700, tmpfs.mode());
        assertEquals(1000, tmpfs.uid());
        assertEquals(100, tmpfs.gid());
        MountSpec overlay = mount("  - {type: overlay, target: /o, lower: [./a, /b], upper: up}\n");
        assertEquals(List.of("/work/project/a", "/b"), overlay.lower());
        assertEquals("/work/project/up", overlay.upper());
        MountSpec remount = mount("  - {type: remount, target: /r, readOnly: true, nosuid: true, "
                + "propagation: private, recursive: true}\n");
        assertEquals(true, remount.isReadOnly());
        for (String type : List.of("proc", "sysfs", "dev", "devpts", "mqueue", "hide")) {
            assertEquals(type, mount("  - {type: " + type + ", target: /m, nodev: true}\n").type().word());
        }
    }

    @Test
    void missingRequiredKeysAreNamed() {
        assertEquals(List.of("s.yaml:1:1: error: missing required key \"version\"; write version: 1"),
                errors("name: x\n"));
        assertEquals(List.of("s.yaml:4:5: error: mounts[0] (bind) needs \"source\""),
                errors(spec("mounts:\n  - type: bind\n    target: /x\n")));
        assertEquals(List.of("s.yaml:4:5: error: mounts[0] (overlay) needs \"lower\""),
                errors(spec("mounts:\n  - type: overlay\n    target: /x\n")));
        assertEquals(List.of("s.yaml:4:5: error: mounts[0] needs \"type\": one of bind, tmpfs, proc, sysfs, dev, "
                + "devpts, mqueue, overlay, hide, remount"), errors(spec("mounts:\n  - target: /x\n")));
    }

    // ---- types ------------------------------------------------------------------------

    @Test
    void aMapWhereAListIsExpected() {
        assertEquals(List.of("s.yaml:4:3: error: mounts must be a list, got a map"),
                errors(spec("mounts:\n  type: tmpfs\n  target: /tmp\n")));
    }

    @Test
    void yesIsAStringNotABoolean() {
        assertEquals(List.of("s.yaml:7:15: error: mounts[0].readOnly must be true or false, got the string \"yes\" "
                        + "(a string in YAML 1.2, where only true and false are booleans)"),
                errors(spec("mounts:\n  - type: bind\n    source: .\n    target: /x\n    readOnly: yes\n")));
        assertEquals(List.of("s.yaml:3:28: error: process.noNewPrivileges must be true or false, got the string \"true\""),
                errors(spec("process: {noNewPrivileges: \"true\"}\n")));
    }

    @Test
    void aNumberWhereAStringIsExpected() {
        assertEquals(List.of("s.yaml:3:7: error: name must be a string, got the number 123; quote it to make it one"),
                errors(spec("name: 123\n")));
    }

    @Test
    void unknownWordsListTheAcceptedOnesFromTheSameTable() {
        assertEquals(List.of("s.yaml:7:18: error: mounts[0].propagation: unknown value \"rshared2\"; expected one of "
                        + "shared, rshared, private, rprivate, slave, rslave, unbindable, runbindable"),
                errors(spec("mounts:\n  - type: bind\n    source: .\n    target: /x\n    propagation: rshared2\n")));
        assertEquals(List.of("s.yaml:3:14: error: propagation: unknown value \"none\"; expected one of shared, "
                        + "rshared, private, rprivate, slave, rslave, unbindable, runbindable, unchanged"),
                errors(spec("propagation: none\n")));
        assertEquals(List.of("s.yaml:2:19: error: namespaces[1]: unknown value \"network\"; expected one of mount, "
                + "pid, net, uts, ipc, cgroup, user, time"), errors("version: 1\nnamespaces: [pid, network]\n"));
        assertEquals(List.of("s.yaml:3:14: error: hostEffects: unknown value \"warn\"; expected one of deny, allow"),
                errors(spec("hostEffects: warn\n")));
        assertEquals(List.of("s.yaml:5:11: error: mounts[0].type: unknown value \"tmp\"; expected one of bind, tmpfs, "
                + "proc, sysfs, dev, devpts, mqueue, overlay, hide, remount"),
                errors(spec("mounts:\n  - target: /x\n    type: tmp\n")));
    }

    @Test
    void aNamespaceListedTwiceIsAnError() {
        assertEquals(List.of("s.yaml:2:19: error: namespaces[1]: \"pid\" is already listed as namespaces[0]"),
                errors("version: 1\nnamespaces: [pid, pid]\n"));
    }

    @Test
    void onlyVersionOneIsRead() {
        assertEquals(List.of("s.yaml:1:10: error: version 2 is not supported; this nsbox reads version 1"),
                errors("version: 2\n"));
        assertEquals(List.of("s.yaml:1:10: error: version must be the number 1, got the string \"1\""),
                errors("version: \"1\"\n"));
    }

    @Test
    void namesAndHostnamesFollowTheirPatterns() {
        assertEquals(List.of("s.yaml:3:7: error: name must be lower-case letters, digits and hyphens, starting with a "
                + "letter or digit ([a-z0-9][a-z0-9-]*), got \"My_Spec\""), errors(spec("name: My_Spec\n")));
        assertEquals(List.of("s.yaml:3:11: error: hostname must be 1 to 64 letters, digits, hyphens and dots "
                + "(RFC 1123), got \"a_b\""), errors(spec("hostname: a_b\n")));
        assertEquals("box-1.local", load(spec("hostname: box-1.local\n")).spec().hostname());
    }

    @Test
    void idsAreWholeNonNegativeNumbers() {
        assertEquals(List.of("s.yaml:3:13: error: user.uid must be an id from 0 to 2147483647, got \"-1\""),
                errors(spec("user: {uid: -1}\n")));
        Spec s = load(spec("user: {uid: 1000, gid: 1000}\n")).spec();
        assertEquals(1000, s.user().uid());
        assertEquals(1000, s.user().gid());
    }

    // ---- paths ------------------------------------------------------------------------

    @Test
    void targetsMustBeAbsolute() {
        assertEquals(List.of("s.yaml:5:13: error: mounts[0].target must be an absolute path, got \"tmp\""),
                errors(spec("mounts:\n  - type: tmpfs\n    target: tmp\n")));
        assertEquals(List.of("s.yaml:3:16: error: process.cwd must be an absolute path, got \"tests\""),
                errors(spec("process: {cwd: tests}\n")));
    }

    @Test
    void pathsThatSaySomethingElseThanTheyMeanAreRefused() {
        String[][] cases = {
            {"/a/../b", "a path without .. components, got \"/a/../b\""},
            {"/a//b", "a path without empty components (//), got \"/a//b\""},
            {"/a/./b", "a path without . components, got \"/a/./b\""},
            {"/a/b/", "a path without a trailing slash, got \"/a/b/\""},
            {"\"\"", "a path, got an empty string"},
            {"\"/a\\0b\"", "a path without NUL bytes, got \"/a\\0b\""},
        };
        for (String[] c : cases) {
            assertEquals(List.of("s.yaml:5:13: error: mounts[0].target must be " + c[1]),
                    errors(spec("mounts:\n  - type: tmpfs\n    target: " + c[0] + "\n")), c[0]);
        }
        assertEquals(List.of("s.yaml:5:13: error: mounts[0].source must be a path without .. components, "
                + "got \"../x\""), errors(spec("mounts:\n  - type: bind\n    source: ../x\n    target: /x\n")));
        assertEquals("/", mount("  - {type: tmpfs, target: /}\n").target());
    }

    @Test
    void hostPathsAreRelativeToTheSpecFolder() {
        assertEquals("/work/project", mount("  - {type: bind, source: ., target: /x}\n").source());
        assertEquals("/work/project/a/b", mount("  - {type: bind, source: ./a/b, target: /x}\n").source());
        assertEquals("/work/project/a", mount("  - {type: bind, source: a, target: /x}\n").source());
        Spec dir = load(spec("root: {type: dir, path: ./rootfs}\n")).spec();
        assertEquals("/work/project/rootfs", dir.root().path());
    }

    @Test
    void rootPathBelongsToDirOnly() {
        assertEquals(List.of("s.yaml:3:1: error: root of type dir needs \"path\": the directory that becomes /"),
                errors(spec("root: {type: dir}\n")));
        assertEquals(List.of("s.yaml:3:21: error: root.path applies only to type dir, not tmpfs"),
                errors(spec("root: {type: tmpfs, path: /r}\n")));
    }

    // ---- values -----------------------------------------------------------------------

    @Test
    void sizes() {
        assertEquals(64L << 10, mount("  - {type: tmpfs, target: /t, size: 64k}\n").size());
        assertEquals(64L << 20, mount("  - {type: tmpfs, target: /t, size: 64M}\n").size());
        assertEquals(2L << 30, mount("  - {type: tmpfs, target: /t, size: 2g}\n").size());
        assertEquals(4096L, mount("  - {type: tmpfs, target: /t, size: 4096}\n").size());
        assertEquals(List.of("s.yaml:4:37: error: mounts[0].size must be a size such as 64k, 64m, 2g or a number of "
                + "bytes, got \"64kb\""), errors(spec("mounts:\n  - {type: tmpfs, target: /t, size: 64kb}\n")));
        assertEquals(List.of("s.yaml:4:37: error: mounts[0].size must be at least 1 byte (tmpfs reads size 0 as no "
                + "limit), got \"0\""), errors(spec("mounts:\n  - {type: tmpfs, target: /t, size: 0}\n")));
    }

    @Test
    void stepsKeepNoCapabilityAndGetTheDefaultFilterUnlessTheSpecSaysOtherwise() {
        ProcessSpec plain = load(spec("name: plain\n")).spec().process();
        assertTrue(plain.capabilities().isEmpty());
        assertEquals(SeccompSpec.Mode.DEFAULT, plain.seccomp().mode());
        assertTrue(plain.noNewPrivileges());
        ProcessSpec kept = load(spec("process: {capabilities: [CAP_NET_BIND_SERVICE, chown], seccomp: unconfined}\n"))
                .spec().process();
        assertEquals(java.util.EnumSet.of(Capability.CAP_CHOWN, Capability.CAP_NET_BIND_SERVICE), kept.capabilities());
        assertEquals(SeccompSpec.Mode.UNCONFINED, kept.seccomp().mode());
        SeccompSpec custom = load(spec("process:\n  seccomp:\n    allow: [mount, '@keyring']\n    deny: [ptrace]\n"))
                .spec().process().seccomp();
        assertEquals(SeccompSpec.Mode.CUSTOM, custom.mode());
        assertEquals(List.of("mount", "@keyring"), custom.allow());
        assertEquals(List.of("ptrace"), custom.deny());
    }

    @Test
    void capabilityAndSystemCallNamesAreCheckedAtTheirLine() {
        assertEquals(List.of("s.yaml:3:37: error: process.capabilities[1]: unknown capability \"CAP_SYS_ADMN\"; did "
                        + "you mean \"CAP_SYS_ADMIN\"?"),
                errors(spec("process: {capabilities: [CAP_CHOWN, CAP_SYS_ADMN]}\n")));
        assertEquals(List.of("s.yaml:3:33: error: process.capabilities[1]: CAP_CHOWN is listed twice"),
                errors(spec("process: {capabilities: [chown, CAP_CHOWN]}\n")));
        List<String> e = errors(spec("process:\n  seccomp: {allow: [mout]}\n"));
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("s.yaml:4:21: error: process.seccomp.allow[0]: unknown system call \"mout\"; "
                + "did you mean \"mount\"?"), e.get(0));
        assertEquals(List.of("s.yaml:4:12: error: process.seccomp: unknown value \"off\"; expected one of default, "
                + "unconfined"), errors(spec("process:\n  seccomp: off\n")));
    }

    @Test
    void dropCapabilitiesIsRefusedWithTheKeyThatReplacedIt() {
        assertEquals(List.of("s.yaml:3:11: error: process.dropCapabilities is gone: steps keep no capability by "
                        + "default; list the ones a step must keep in process.capabilities (for example "
                        + "capabilities: [CAP_NET_BIND_SERVICE])"),
                errors(spec("process: {dropCapabilities: true}\n")));
    }

    @Test
    void limitsTakeSizesCountsAndADecimalNumberOfCpus() {
        LimitsSpec l = load(spec("limits: {memory: 256m, pids: 128, cpu: 1.5, openFiles: 1024, fileSize: 1g}\n"))
                .spec().limits();
        assertEquals(256L << 20, l.memory());
        assertEquals(128L, l.pids());
        assertEquals(new java.math.BigDecimal("1.5"), l.cpu());
        assertEquals(1024L, l.openFiles());
        assertEquals(1L << 30, l.fileSize());
        assertFalse(load(spec("name: plain\n")).spec().limits().any());
        assertEquals(List.of("s.yaml:3:16: error: limits.pids must be a whole number from 1 to 4611686018427387903, "
                + "got \"0\""), errors(spec("limits: {pids: 0}\n")));
        assertEquals(List.of("s.yaml:3:15: error: limits.cpu must be a number of CPUs from 0.01 to 100000, such as "
                + "1.5, got \"0.001\""), errors(spec("limits: {cpu: 0.001}\n")));
        assertEquals(List.of("s.yaml:3:10: error: unknown key \"memroy\" in limits; did you mean \"memory\"?"),
                errors(spec("limits: {memroy: 1g}\n")));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), load(spec("process: {timeout: 500ms}\n")).spec().process().timeout());
        assertEquals(Duration.ofSeconds(90), load(spec("process: {timeout: 1m30s}\n")).spec().process().timeout());
        assertEquals(Duration.ofHours(1), load(spec("process: {timeout: 1h}\n")).spec().process().timeout());
        assertEquals(List.of("s.yaml:3:20: error: process.timeout must be a duration such as 500ms, 30s, 10m, 1h or "
                + "1m30s, got \"30\""), errors(spec("process: {timeout: 30}\n")));
        assertEquals(List.of("s.yaml:3:20: error: process.timeout must be a duration such as 500ms, 30s, 10m, 1h or "
                + "1m30s, got \"30s1m\""), errors(spec("process: {timeout: 30s1m}\n")));
        assertEquals(List.of("s.yaml:3:20: error: process.timeout must be longer than zero, got \"0s\""),
                errors(spec("process: {timeout: 0s}\n")));
    }

    @Test
    void modesAreOctalDigitsWhetherQuotedOrNot() {
        assertEquals(01777, mount("  - {type: tmpfs, target: /t, mode: \"1777\"}\n").mode());
        assertEquals(0755, mount("  - {type: tmpfs, target: /t, mode: 0755}\n").mode());
        assertEquals(0755, mount("  - {type: tmpfs, target: /t, mode: 755}\n").mode());
        assertEquals(0755, mount("  - {type: tmpfs, target: /t, mode: 0o755}\n").mode());
        assertEquals(List.of("s.yaml:4:37: error: mounts[0].mode must be octal permission bits such as \"0755\" or "
                + "\"1777\", got \"493\""), errors(spec("mounts:\n  - {type: tmpfs, target: /t, mode: 493}\n")));
        assertEquals(List.of("s.yaml:4:37: error: mounts[0].mode must be at most 7777 (octal), got \"17777\""),
                errors(spec("mounts:\n  - {type: tmpfs, target: /t, mode: 17777}\n")));
    }

    // ---- steps and environment --------------------------------------------------------

    @Test
    void aStepHasRunOrShellNotBoth() {
        assertEquals(List.of("s.yaml:5:5: error: steps[0] has both run and shell; give one: run is an argv without a "
                + "shell, shell a command line for /bin/sh -c"),
                errors(spec("steps:\n  - run: [make]\n    shell: make\n")));
        assertEquals(List.of("s.yaml:4:5: error: steps[0] needs run (an argv, no shell) or shell (a command line for "
                + "/bin/sh -c)"), errors(spec("steps:\n  - name: build\n")));
    }

    @Test
    void anEmptyRunIsAnError() {
        assertEquals(List.of("s.yaml:4:10: error: steps[0].run must list at least the command, got []"),
                errors(spec("steps:\n  - run: []\n")));
        assertEquals(List.of("s.yaml:4:10: error: steps[0].run must be a list (an argv such as [make, test]), got the "
                + "string \"make test\"; for a command line use shell"), errors(spec("steps:\n  - run: make test\n")));
    }

    @Test
    void argvWordsAndEnvValuesTakeNumbersAsWritten() {
        Spec s = load(spec("steps:\n  - run: [sleep, 1.50, true]\n    env: {N: 0755, B: false}\n")).spec();
        assertEquals(List.of("sleep", "1.50", "true"), s.steps().get(0).run());
        assertEquals(Map.of("N", "0755", "B", "false"), s.steps().get(0).env());
        assertEquals(List.of("s.yaml:4:14: error: steps[0].env.A has no value; write \"\" for an empty string"),
                errors(spec("steps:\n  - env: {A: }\n    run: [x]\n").replace("{A: }", "{A: ~}")));
    }

    @Test
    void stepNamesFollowTheirPattern() {
        assertEquals(List.of("s.yaml:4:11: error: steps[0].name must be letters, digits, '.', '_' and '-', starting "
                + "with a letter or digit, got \"my step\""), errors(spec("steps:\n  - name: my step\n    run: [x]\n")));
    }

    @Test
    void envNamesCannotHoldAnEqualsSign() {
        assertEquals(List.of("s.yaml:3:24: error: process.env.keep[0]: \"A=B\" is not a variable name "
                + "(it must be non-empty, without '=' or NUL)"), errors(spec("process: {env: {keep: [A=B], clear: true}}\n")));
    }

    @Test
    void mergeKeysAreRefusedAtTheirKey() {
        assertEquals(List.of("s.yaml:3:1: error: merge keys (<<) are not allowed in a spec; write each key out, "
                + "so that the file says plainly what the sandbox gets"), errors(spec("<<: {hostname: merged}\n")));
        assertEquals(List.of("s.yaml:4:3: error: merge keys (<<) are not allowed in a spec; write each key out, "
                + "so that the file says plainly what the sandbox gets"),
                errors(spec("process:\n  <<: {timeout: 1s}\n")));
        assertEquals(List.of("s.yaml:3:24: error: merge keys (<<) are not allowed in a spec; write each key out, "
                + "so that the file says plainly what the sandbox gets"),
                errors(spec("mounts: [{type: tmpfs, <<: {target: /x}}]\n")));
    }

    @Test
    void aQuotedMergeKeyIsNoMerge() {
        assertEquals("<<", load(spec("description: \"<<\"\n")).spec().description());
        assertEquals(List.of("s.yaml:3:14: error: description must be a string, got a value tagged "
                + "tag:yaml.org,2002:merge; quote it to make it one"), errors(spec("description: <<\n")));
        assertEquals(List.of("s.yaml:3:1: error: unknown key \"<<\" at the top level; expected one of version, "
                        + "extends, name, description, namespaces, user, hostname, propagation, hostEffects, root, mounts, "
                        + "process, limits, steps"), errors(spec("\"<<\": {hostname: merged}\n")));
    }

    @Test
    void aTimeoutLongerThanAYearIsRefusedAtItsValue() {
        assertEquals(List.of("s.yaml:4:12: error: process.timeout must be at most 8760h (365 days), "
                + "got \"9999999999999h\""), errors(spec("process:\n  timeout: 9999999999999h\n")));
        assertEquals(List.of("s.yaml:5:14: error: steps[0].timeout must be at most 8760h (365 days), "
                + "got \"8760h1ms\""), errors(spec("steps:\n  - run: [true]\n    timeout: 8760h1ms\n")));
        assertEquals(Duration.ofDays(365),
                load(spec("process:\n  timeout: 8760h\n")).spec().process().timeout());
    }

    // ---- variables --------------------------------------------------------------------

    @Test
    void undefinedVariableIsReportedAtItsOwnColumn() {
        assertEquals(List.of("s.yaml:5:24: error: mounts[0].source: undefined variable ${nope}; define it "
                        + "(-D nope=VALUE) or give a default (${nope:-VALUE})"),
                errors(spec("mounts:\n  - type: bind\n    source: ${basedir}/${nope}/x\n    target: /x\n")));
    }

    @Test
    void undefinedVariableInAQuotedScalarCountsTheQuote() {
        assertEquals(List.of("s.yaml:3:17: error: description: undefined variable ${nope}; define it "
                + "(-D nope=VALUE) or give a default (${nope:-VALUE})"), errors(spec("description: \"a ${nope}\"\n")));
    }

    @Test
    void undefinedVariableInABlockScalarIsFoundOnItsLine() {
        assertEquals(List.of("s.yaml:6:12: error: steps[0].shell: undefined variable ${nope}; define it "
                + "(-D nope=VALUE) or give a default (${nope:-VALUE})"),
                errors(spec("steps:\n  - shell: |\n      make\n      echo ${nope}\n")));
    }

    @Test
    void columnsCountCharactersNotUtf16Units() {
        assertEquals(List.of("s.yaml:4:17: error: description: undefined variable ${nope}; define it "
                + "(-D nope=VALUE) or give a default (${nope:-VALUE})"),
                errors(spec("# \uD83D\uDE00 before\ndescription: \"\uD83D\uDE00 ${nope}\"\n")));
    }

    @Test
    void anEmptyWordNamesTheAcceptedOnes() {
        assertEquals(List.of("s.yaml:3:13: error: propagation has no value; expected one of shared, rshared, private, "
                + "rprivate, slave, rslave, unbindable, runbindable, unchanged"), errors(spec("propagation:\n")));
    }

    @Test
    void aMisspeltVariableSuggestsTheDefinedOne() {
        assertEquals(List.of("s.yaml:4:8: error: process.cwd: undefined variable ${basedi}; did you mean ${basedir}?"),
                errors(spec("process:\n  cwd: ${basedi}\n")));
    }

    @Test
    void deeplyNestedDefaultsAreRefusedAtTheOutermostReference() {
        String deep = "${a:-".repeat(4000) + "x" + "}".repeat(4000);
        assertEquals(List.of("s.yaml:3:15: error: description: variable references are nested 4000 levels deep; "
                + "at most 32 are allowed"), errors(spec("description: \"" + deep + "\"\n")));
        String limit = "${a:-".repeat(32) + "x" + "}".repeat(32);
        assertEquals("x", load(spec("description: \"" + limit + "\"\n")).spec().description());
        assertEquals(List.of("s.yaml:3:15: error: description: variable references are nested 33 levels deep; "
                + "at most 32 are allowed"), errors(spec("description: \"${a:-" + limit + "}\"\n")));
    }

    @Test
    void nestingIsRefusedEvenWhenTheOuterVariableIsDefined() {
        String deep = "${basedir:-".repeat(40) + "x" + "}".repeat(40);
        assertEquals(List.of("s.yaml:3:15: error: description: variable references are nested 40 levels deep; "
                + "at most 32 are allowed"), errors(spec("description: \"" + deep + "\"\n")));
    }

    @Test
    void defaultsAndTheEscape() {
        Spec s = load(spec("description: ${missing:-fallback} and $${literal} and $HOME $$\n")).spec();
        assertEquals("fallback and ${literal} and $HOME $$", s.description());
    }

    @Test
    void aBooleanOrIdMayComeFromAVariable() throws SpecException {
        Spec s = SpecLoader.load(spec("user: {uid: \"${uid}\"}\nroot:\n  readOnly: ${ro}\n"), "s.yaml",
                Path.of("/p"), Map.of("ro", "true", "uid", "1000")).spec();
        assertEquals(true, s.root().readOnly());
        assertEquals(1000, s.user().uid());
        SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(spec("root: {readOnly: \"${ro}\"}\n"),
                "s.yaml", Path.of("/p"), Map.of("ro", "yes")));
        assertEquals("s.yaml:3:18: error: root.readOnly must be true or false, got \"yes\" from \"${ro}\"",
                e.getMessage());
    }

    @Test
    void anUnterminatedReferenceIsAnError() {
        assertEquals(List.of("s.yaml:3:16: error: description: unterminated \"${\"; write \"$${\" for a literal \"${\""),
                errors(spec("description: a ${b\n")));
    }

    // ---- the whole document -----------------------------------------------------------

    @Test
    void everyErrorIsReportedInDocumentOrder() {
        assertEquals(List.of(
                "s.yaml:1:10: error: version 3 is not supported; this nsbox reads version 1",
                "s.yaml:2:7: error: name must be lower-case letters, digits and hyphens, starting with a letter or "
                        + "digit ([a-z0-9][a-z0-9-]*), got \"X\"",
                "s.yaml:5:13: error: mounts[0].target must be an absolute path, got \"tmp\"",
                "s.yaml:6:5: error: unknown key \"sise\" in mounts[0]; did you mean \"size\"?",
                "s.yaml:8:10: error: steps[0].run must list at least the command, got []"),
                errors("version: 3\nname: X\nmounts:\n  - type: tmpfs\n    target: tmp\n    sise: 1m\nsteps:\n"
                        + "  - run: []\n"));
    }

    /** One run shows every problem: the checks across parts run on what parsed, a typo elsewhere or not. */
    @Test
    void aLocalErrorDoesNotHideTheChecksAcrossParts() {
        assertEquals(List.of(
                "s.yaml:2:11: error: hostname needs a uts namespace (it would rename the host); add \"uts\" to namespaces",
                "s.yaml:3:1: error: mounts needs a mount namespace; add \"mount\" to namespaces",
                "s.yaml:6:5: error: unknown key \"readonly\" in mounts[1]; did you mean \"readOnly\"?"),
                errors("version: 1\nhostname: x\nmounts:\n  - {type: tmpfs, target: /tmp}\n  - type: tmpfs\n"
                        + "    readonly: true\n    target: /mnt\n"));
        // A namespace in error would make each check that needs one repeat it: they wait for the fix.
        assertEquals(List.of("s.yaml:1:27: error: namespaces[0]: unknown value \"utss\"; expected one of mount, pid, "
                        + "net, uts, ipc, cgroup, user, time"),
                errors("{version: 1, namespaces: [utss], hostname: x}"));
    }

    @Test
    void emptyCollectionsMeanNone() {
        Spec s = load("version: 1\nmounts:\nsteps:\nroot:\nprocess:\n").spec();
        assertEquals(List.of(), s.mounts());
        assertEquals(List.of(), s.steps());
        assertNull(s.root().path());
    }
}
