package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Spec;

import java.util.List;
import java.util.Objects;

/**
 * A spec that parsed and passed every check, with the warnings found on the way (in document
 * order), which the caller prints before it goes on.
 *
 * <p>Immutable.
 */
public record LoadedSpec(Spec spec, List<Diagnostic> warnings) {

    public LoadedSpec {
        Objects.requireNonNull(spec, "spec");
        warnings = List.copyOf(warnings);
    }
}
