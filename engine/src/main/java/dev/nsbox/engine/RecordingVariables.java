package dev.nsbox.engine;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;

/**
 * A spec's variables as the loader reads them, noting whether expansion substituted a value of
 * the caller's environment ({@code ${env.NAME}}, defined): a value of the loaded spec may then
 * be a secret, and the plan cache does not store it
 * (docs/decisions/0030-plancache2-no-secret-on-disk.md). The loader reads a variable with
 * {@code containsKey} and {@code get}; anything that reads the whole map (its entries, keys or
 * values, as the suggestion for an undefined name does) counts as reading the environment.
 * A {@code -D env.NAME=...} definition stands for the environment and counts as well.
 *
 * <p>Not thread-safe: one load. Unmodifiable.
 */
final class RecordingVariables extends AbstractMap<String, String> {

    private static final String ENVIRONMENT = "env.";

    private final Map<String, String> variables;
    private boolean environment;

    RecordingVariables(Map<String, String> variables) {
        this.variables = variables;
    }

    /** Whether the load used a value of the caller's environment, or may have. */
    boolean usedEnvironment() {
        return environment;
    }

    @Override
    public boolean containsKey(Object key) {
        boolean defined = variables.containsKey(key);
        note(key, defined);
        return defined;
    }

    @Override
    public String get(Object key) {
        String value = variables.get(key);
        note(key, value != null);
        return value;
    }

    private void note(Object key, boolean defined) {
        if (defined && key instanceof String name && name.startsWith(ENVIRONMENT)) {
            environment = true;
        }
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        environment = true;
        return java.util.Collections.unmodifiableMap(variables).entrySet();
    }
}
