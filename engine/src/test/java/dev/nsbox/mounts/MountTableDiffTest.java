package dev.nsbox.mounts;

import dev.nsbox.mounts.MountTableDiff.Kind;
import dev.nsbox.mounts.MountTableDiff.Verdict;
import dev.nsbox.plan.Flags;
import dev.nsbox.plan.HostEffectPredictor;
import dev.nsbox.plan.Op;
import dev.nsbox.plan.Plan;
import dev.nsbox.spec.Origin;
import dev.nsbox.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountTableDiffTest {

    static final MountTable BEFORE = MountTable.parse("""
            1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
            2 1 0:3 / /proc rw shared:3 - proc proc rw
            3 1 0:20 / /srv rw - tmpfs srv rw
            4 1 0:21 / /data rw shared:9 - tmpfs data rw
            """);

    static HostEffect effect(MountEvent.Kind kind, String fsType, String target, String group) {
        return new HostEffect(new Origin("nsbox.yaml", 20, 5, "mounts[3]"), "mounts[3]", kind, fsType + " on " + target,
                group, target, "host", "rule", fsType);
    }

    @Test
    void identicalTablesHaveNoDifferences() {
        MountTableDiff d = MountTableDiff.compare(BEFORE, BEFORE, List.of());
        assertEquals(List.of(), d.differences());
        assertTrue(d.clean());
    }

    @Test
    void aPredictedMountIsPredictedAndAnUnpredictedOneInTheSandboxsGroupIsBlamed() {
        MountTable after = MountTable.parse(BEFORE.toText() + """
                10 2 0:50 / /proc rw shared:3 - proc proc rw
                11 1 8:1 /work /work rw shared:1 - ext4 /dev/sda1 rw
                12 3 0:51 / /srv/cache rw - tmpfs cache rw
                """);
        MountTableDiff d = MountTableDiff.compare(BEFORE, after, List.of(effect(MountEvent.Kind.MOUNT, "proc", "/proc", "shared:3")),
                Set.of(1, 3));
        assertEquals(List.of(Verdict.PREDICTED, Verdict.SANDBOX, Verdict.HOST),
                d.differences().stream().map(MountTableDiff.Difference::verdict).toList());
        assertEquals("added ext4 on /work (shared:1): not predicted, on /, which is in peer group shared:1 that the "
                + "sandbox's tree belonged to: caused by the sandbox", d.blamed().get(0).describe());
        assertEquals("added tmpfs on /srv/cache (private): outside every peer group the sandbox's tree belonged to: "
                + "the host's own activity", d.hostActivity().get(0).describe());
        assertFalse(d.clean());
    }

    @Test
    void aMountOnAGroupTheSandboxLeftIsTheHostsOwn() {
        MountTable after = MountTable.parse(BEFORE.toText() + "10 4 0:52 / /data/x rw shared:10 - tmpfs x rw\n");
        assertEquals(Verdict.HOST, MountTableDiff.compare(BEFORE, after, List.of(), Set.of(1, 3))
                .differences().get(0).verdict());
        assertEquals(Verdict.SANDBOX, MountTableDiff.compare(BEFORE, after, List.of())
                .differences().get(0).verdict(), "by default every group of the host table counts");
    }

    @Test
    void removalsAndChangesAreReported() {
        MountTable after = MountTable.parse("""
                1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw
                3 1 0:20 / /srv ro - tmpfs srv rw
                4 1 0:21 / /data rw shared:9 - tmpfs data rw
                """);
        MountTableDiff d = MountTableDiff.compare(BEFORE, after, List.of(effect(MountEvent.Kind.UMOUNT, "proc", "/proc", "shared:3")),
                Set.of(1, 3));
        assertEquals(List.of(Kind.REMOVED, Kind.CHANGED), d.differences().stream().map(MountTableDiff.Difference::kind)
                .toList());
        assertEquals(Verdict.PREDICTED, d.differences().get(0).verdict());
        assertEquals("changed tmpfs on /srv: options rw -> ro: outside every peer group the sandbox's tree belonged "
                + "to: the host's own activity", d.differences().get(1).describe());
    }

    /** The pitfall on the real kernel: the diff of the host's tables matches the prediction exactly. */
    @Test
    void theKernelsHostChangesAreExactlyThePredictedOnes() throws Exception {
        Privileges.assumeScratchRoot();
        // The host's own mount, made during the run, is on a private mount: no peer group of the
        // sandbox's. (One on / would be in shared:1 and indistinguishable from a leak.)
        KernelTruth.Outcome o = KernelTruth.run(
                List.of("mkdir -p $D/work $D/priv", "mount -t tmpfs priv $D/priv", "mount --make-private $D/priv",
                        "mkdir $D/priv/x"),
                List.of(KernelTruth.fresh("proc", "proc", "/proc"), KernelTruth.bind("$D/work", "$D/work", false)),
                false, List.of("mount -t tmpfs h $D/priv/x"));
        String work = KernelTruth.sub("$D/work", o.base());
        Origin at = new Origin("nsbox.yaml", 9, 5, "mounts[0]");
        Plan plan = new Plan(null, List.of(), List.of(
                new Op.Unshare(Flags.CLONE_NEWNS, at),
                new Op.Mount("proc", "/proc", "proc", 0, null, new Origin("nsbox.yaml", 12, 5, "mounts[1]")),
                new Op.Mount(work, work, null, Flags.MS_BIND, null, at)), List.of(), null, null, List.of());
        Plan predicted = HostEffectPredictor.predict(plan, o.hostBefore());
        assertEquals(2, predicted.hostEffects().size(), predicted.hostEffects().toString());
        MountTableDiff d = MountTableDiff.compare(o.hostBefore(), o.hostAfter(), predicted.hostEffects());
        assertEquals(List.of(Verdict.PREDICTED, Verdict.PREDICTED, Verdict.HOST),
                d.differences().stream().map(MountTableDiff.Difference::verdict).toList(), d.report().toString());
        MountTableDiff unpredicted = MountTableDiff.compare(o.hostBefore(), o.hostAfter(), List.of());
        assertEquals(2, unpredicted.blamed().size(), unpredicted.report().toString());
    }
}
