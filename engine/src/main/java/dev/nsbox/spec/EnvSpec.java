package dev.nsbox.spec;

import java.util.List;
import java.util.Map;

/**
 * How the steps' environment is built: start from the caller's environment, or from an empty
 * one when {@code clear} is set, keep the named variables, then apply {@code set}.
 *
 * <p>Immutable. {@code set} keeps the order of the spec.
 */
public record EnvSpec(boolean clear, List<String> keep, Map<String, String> set, Origins origins) {

    public EnvSpec {
        keep = List.copyOf(keep);
        set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
    }

    public static EnvSpec inherit(Origin origin) {
        return new EnvSpec(false, List.of(), Map.of(), Origins.of(origin));
    }
}
