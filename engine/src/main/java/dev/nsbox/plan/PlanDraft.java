package dev.nsbox.plan;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;

import java.util.ArrayList;
import java.util.List;

/**
 * A plan while {@link Planner} builds it: the operations so far, in order, the expectations,
 * notes and diagnostics, the numbering of detached trees, and the {@link SandboxView} of the
 * file tree the operations so far have made. The parts of the planner share one draft.
 *
 * <p>Mutable, private to one planning; asks the {@link HostView} and nothing else.
 */
final class PlanDraft {

    final Spec spec;
    final HostView host;
    final SandboxView view;
    private final List<String> notes = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();
    private final List<Expectation> expectations = new ArrayList<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private int nextTree;

    PlanDraft(Spec spec, HostView host) {
        this.spec = spec;
        this.host = host;
        this.view = new SandboxView(host);
    }

    void add(Op op) {
        ops.add(op);
    }

    /** A decision the engine made that the spec did not spell out. */
    void note(String note) {
        notes.add(note);
    }

    void expect(Expectation e) {
        expectations.add(e);
    }

    void error(Origin origin, String message) {
        diagnostics.add(Diagnostic.error(origin, message));
    }

    void warning(Origin origin, String message) {
        diagnostics.add(Diagnostic.warning(origin, message));
    }

    /** Opens a detached tree of {@code source} as the next operation; returns its number. */
    int openTree(String source, Op.OpenTree.Lookup lookup, boolean recursive, boolean optional, Origin origin) {
        int tree = nextTree++;
        ops.add(new Op.OpenTree(tree, source, lookup, recursive, optional, origin));
        return tree;
    }

    /**
     * Opens a tree among the other opens, before the first mount of the spec, for a source
     * only known once the mounts before it are planned.
     */
    int openTreeEarly(String source, Op.OpenTree.Lookup lookup, boolean recursive, Origin origin) {
        int tree = nextTree++;
        int at = 0;
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Op.OpenTree || ops.get(i) instanceof Op.SetPropagation
                    || ops.get(i) instanceof Op.SpawnInit || ops.get(i) instanceof Op.Unshare) {
                at = i + 1;
            } else {
                break;
            }
        }
        ops.add(at, new Op.OpenTree(tree, source, lookup, recursive, false, origin));
        return tree;
    }

    List<String> notes() {
        return notes;
    }

    List<Op> ops() {
        return ops;
    }

    List<Expectation> expectations() {
        return expectations;
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
