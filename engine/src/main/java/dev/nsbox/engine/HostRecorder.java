package dev.nsbox.engine;

import dev.nsbox.plan.HostView;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link HostView} that answers from another one and writes down every question about the
 * host's files it was asked, with the answer, so that a cached plan can ask them all again
 * before it is used (docs/decisions/0027-plancache-a-plan-cache-that-asks-again.md). Its mount
 * list comes from the same bytes of {@code /proc/self/mountinfo} as the key and the prediction.
 *
 * <p>The environment, the working directory, {@code privileged} and the launcher's user
 * namespace are not recorded: they are part of the cache's key. How often the environment was
 * asked for is counted: the planner's one use of it is the steps', which the cache plans again
 * on a hit, so a preparation that read it more often is not stored.
 *
 * <p>Not thread-safe: one preparation.
 */
final class HostRecorder implements HostView {

    /** What was asked: {@code kind}, {@code resolve} or {@code kindBeneath}. */
    enum Question { KIND, RESOLVE, KIND_BENEATH }

    /**
     * One question and its answer, both as text.
     *
     * @param rest   {@code kindBeneath}'s relative path; "" for the others
     * @param answer a {@link HostView.Kind}'s name, or {@code "=PATH"} / {@code "-"} for a present
     *               or empty {@code Optional}
     */
    record Answer(Question question, String path, String rest, String answer) {
    }

    private final HostView live;
    private final List<HostMount> mounts;
    private final List<Answer> answers = new ArrayList<>();
    private int environmentReads;

    HostRecorder(HostView live, List<HostMount> mounts) {
        this.live = live;
        this.mounts = List.copyOf(mounts);
    }

    /** Every question asked so far, in order. */
    List<Answer> answers() {
        return List.copyOf(answers);
    }

    /** How many times {@link #environment()} was called. */
    int environmentReads() {
        return environmentReads;
    }

    /**
     * Every question asked, once each, in the order first asked (the planner asks many twice or
     * more); empty when one question got two different answers: a file changed while planning,
     * and such a preparation must not be kept. Keyed by text, not by the record, whose hashCode
     * would bootstrap ObjectMethods in a cold JVM (a path has no NUL).
     */
    Optional<List<Answer>> distinctAnswers() {
        Map<String, Answer> distinct = new LinkedHashMap<>();
        for (Answer a : answers) {
            Answer before = distinct.putIfAbsent(a.question().ordinal() + "\0" + a.path() + "\0" + a.rest(), a);
            if (before != null && !before.answer().equals(a.answer())) {
                return Optional.empty();
            }
        }
        return Optional.of(List.copyOf(distinct.values()));
    }

    /** Whether {@code host} gives the recorded answer to {@code a}'s question now. */
    static boolean holds(HostView host, Answer a) {
        return a.answer().equals(ask(host, a));
    }

    /** The answer {@code host} gives now to the question {@code a} records. */
    static String ask(HostView host, Answer a) {
        // Not a switch on the enum: that makes a class of its own ($1), which only a hit loads,
        // so the launcher's AppCDS archive (dumped by a first run, a miss) would not hold it.
        if (a.question() == Question.KIND) {
            return host.kind(a.path()).name();
        }
        if (a.question() == Question.RESOLVE) {
            return optional(host.resolve(a.path()));
        }
        return host.kindBeneath(a.path(), a.rest()).map(Kind::name).map(n -> "=" + n).orElse("-");
    }

    private static String optional(Optional<String> o) {
        return o.map(v -> "=" + v).orElse("-");
    }

    @Override
    public Kind kind(String absolutePath) {
        Kind k = live.kind(absolutePath);
        answers.add(new Answer(Question.KIND, absolutePath, "", k.name()));
        return k;
    }

    @Override
    public Optional<String> resolve(String absolutePath) {
        Optional<String> r = live.resolve(absolutePath);
        answers.add(new Answer(Question.RESOLVE, absolutePath, "", optional(r)));
        return r;
    }

    @Override
    public Optional<Kind> kindBeneath(String mountPoint, String rest) {
        Optional<Kind> k = live.kindBeneath(mountPoint, rest);
        answers.add(new Answer(Question.KIND_BENEATH, mountPoint, rest, k.map(Kind::name).map(n -> "=" + n).orElse("-")));
        return k;
    }

    @Override
    public List<HostMount> mounts() {
        return mounts;
    }

    @Override
    public Map<String, String> environment() {
        environmentReads++;
        return live.environment();
    }

    @Override
    public String cwd() {
        return live.cwd();
    }

    @Override
    public boolean privileged() {
        return live.privileged();
    }

    @Override
    public String launcherUserNamespace() {
        return live.launcherUserNamespace();
    }
}
