package dev.nsbox.engine;

import dev.nsbox.spec.Spec;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What a front end changes in a spec before it is planned: the spec itself (the Maven plugin's
 * {@code steps}, {@code timeout}, {@code environment}, ...), and the command that replaces its
 * steps ({@code nsbox run SPEC -- COMMAND}, the test JVM of {@code nsbox:prepare}).
 *
 * <p>Immutable.
 *
 * @param spec    applied to the checked spec; may throw {@link IllegalArgumentException} with a
 *                message for the user, which {@link NsboxEngine#prepare} reports as
 *                {@link PrepareException.Kind#OVERRIDE}
 * @param command replaces the spec's steps when not null
 */
public record Overrides(UnaryOperator<Spec> spec, List<String> command) {

    private static final UnaryOperator<Spec> IDENTITY = UnaryOperator.identity();

    /** The spec as written. */
    public static final Overrides NONE = new Overrides(IDENTITY, null);

    public Overrides {
        command = command == null ? null : List.copyOf(command);
    }

    /**
     * Whether the spec is planned as written: no function changes it ({@link #NONE} and
     * {@link #command}). Only such a preparation can be reused, since a function cannot be compared.
     */
    public boolean keepsSpec() {
        return spec == IDENTITY;
    }

    /** The spec as written, with {@code command} (when not null) instead of its steps. */
    public static Overrides command(List<String> command) {
        return new Overrides(IDENTITY, command);
    }
}
