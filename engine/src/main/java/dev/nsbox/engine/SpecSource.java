package dev.nsbox.engine;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A spec to read: the file, how messages name it ({@code specs/ci.yaml}, as the user typed it or
 * relative to the build's root), and the values of its {@code ${name}} variables.
 *
 * <p>Immutable.
 */
public record SpecSource(Path file, String displayName, Map<String, String> variables) {

    public SpecSource {
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }
}
