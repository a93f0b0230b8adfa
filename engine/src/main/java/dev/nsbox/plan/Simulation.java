package dev.nsbox.plan;

import dev.nsbox.mounts.HostEffect;
import dev.nsbox.mounts.MountNamespace;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.mounts.PropagationModel;
import dev.nsbox.spec.Diagnostic;

import java.util.List;

/**
 * A finished simulation of a plan's operations on the model of the host's mounts, made by
 * {@link Simulator}: everything {@code explain} and the {@link HostEffectPredictor} need.
 *
 * @param model         the model, in the state the plan left it
 * @param host          the host's namespace in the model
 * @param sandbox       the sandbox's namespace (the host's, when the plan makes none)
 * @param ownNamespace  whether the plan makes a mount namespace of its own ({@code CLONE_NEWNS})
 * @param outcomes      one per operation of the plan, in order, up to the first the kernel refuses
 * @param effects       every mount and unmount that reaches a namespace other than the sandbox's
 * @param diagnostics   an error for each operation the kernel will refuse
 * @param leaks         peer groups that, once set-up is done, still join a sandbox mount to a mount
 *                      of another namespace in a direction that propagates out of the sandbox
 *                      ({@code shared:1 joins /proc in the sandbox to /proc in the host})
 * @param hostAfter     the host's table once set-up is done
 * @param sandboxAfter  the sandbox's table once set-up is done
 */
public record Simulation(PropagationModel model, MountNamespace host, MountNamespace sandbox, boolean ownNamespace,
                         List<OpOutcome> outcomes, List<HostEffect> effects, List<Diagnostic> diagnostics,
                         List<String> leaks, MountTable hostAfter, MountTable sandboxAfter) {

    /** Whether nothing the sandbox mounts, now or later, can reach another namespace. */
    public boolean sealed() {
        return ownNamespace && effects.isEmpty() && leaks.isEmpty();
    }
}
