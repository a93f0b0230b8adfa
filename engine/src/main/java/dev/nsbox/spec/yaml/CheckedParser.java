package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.SpecException;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.parser.Parser;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The event parser the composer reads from, refusing at the first offending event what a spec
 * never needs and an attacker would use: a second document, anchors and aliases, merge keys,
 * and deep nesting. Each event is checked as the composer takes it ({@link #next()}), before
 * the composer acts on it: the composer recurses once per open map or list, so the depth check
 * stops it at {@link #maxDepth} levels, and it never sees an alias, an anchor or a merge key.
 * One pass over the text instead of a scan of its own followed by the composer's
 * (the YAML load was the largest stage of the engine's work, bench measurement 4).
 *
 * <p>Not thread-safe; one per composed text.
 */
final class CheckedParser implements Parser {

    /** A refusal, carried out of the composer, which takes no checked exception. */
    static final class Refused extends RuntimeException {
        private final transient SpecException refusal;

        Refused(SpecException refusal) {
            super(refusal.getMessage(), null, false, false);
            this.refusal = refusal;
        }

        SpecException refusal() {
            return refusal;
        }
    }

    static final String ANCHORS = "anchors and aliases (&name, *name) are not allowed in a spec; "
            + "write each value out, so that the file says plainly what the sandbox gets";

    static final String MERGE = "merge keys (<<) are not allowed in a spec; "
            + "write each key out, so that the file says plainly what the sandbox gets";

    private final Parser parser;
    private final String file;
    private final int maxDepth;
    private int depth;
    private int documents;
    // Per open collection, how many nodes it holds so far (a map's even ones are keys), or -1
    // for a list: the composer applies a plain "<<" key as a YAML 1.1 merge, which would let
    // one line stand for many values, so it must be refused before the composer sees it.
    private final ArrayDeque<int[]> open = new ArrayDeque<>();

    CheckedParser(Parser parser, String file, int maxDepth) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.file = file;
        this.maxDepth = maxDepth;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
        return parser.hasNext();
    }

    @Override
    public Event next() {
        Event e = parser.next();
        check(e);
        return e;
    }

    private void check(Event e) {
        if (e instanceof NodeEvent && !open.isEmpty() && open.peek()[0] >= 0 && open.peek()[0]++ % 2 == 0
                && e instanceof ScalarEvent k && k.isPlain() && k.getValue().equals("<<")) {
            throw refuse(e, MERGE);
        }
        switch (e.getEventId()) {
            case DocumentStart -> {
                if (++documents > 1) {
                    throw refuse(e, "a spec is one YAML document; a second one starts here");
                }
            }
            case MappingStart, SequenceStart -> {
                if (++depth > maxDepth) {
                    throw refuse(e, "maps and lists are nested more than " + maxDepth + " levels deep; a spec needs five");
                }
                open.push(new int[] {e.getEventId() == Event.ID.MappingStart ? 0 : -1});
            }
            case MappingEnd, SequenceEnd -> {
                depth--;
                open.pop();
            }
            case Alias -> throw refuse(e, ANCHORS);
            default -> {
            }
        }
        if (e instanceof NodeEvent n && n.getAnchor().isPresent()) {
            throw refuse(e, ANCHORS);
        }
    }

    private Refused refuse(Event e, String message) {
        Origin at = e.getStartMark().map(m -> new Origin(file, m.getLine() + 1, m.getColumn() + 1, ""))
                .orElse(new Origin(file, 1, 1, ""));
        return new Refused(new SpecException(Diagnostic.error(at, message)));
    }
}
