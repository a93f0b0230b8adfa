package dev.nsbox.spec;

import java.util.Map;
import java.util.Objects;

/**
 * The origin of a record of the model and of each of its fields, so that a check about one
 * field ({@code hostname needs uts}) points at that field's line and column.
 *
 * <p>Immutable.
 */
public record Origins(Origin self, Map<String, Origin> fields) {

    public Origins {
        Objects.requireNonNull(self, "self");
        fields = Map.copyOf(fields);
    }

    public static Origins of(Origin self) {
        return new Origins(self, Map.of());
    }

    /** The origin of {@code field}, or of the record itself when the field was not written. */
    public Origin of(String field) {
        Origin o = fields.get(field);
        if (o != null) {
            return o;
        }
        String path = self.path().isEmpty() ? field : self.path() + "." + field;
        return self.withPath(path);
    }

    /** Whether the spec wrote {@code field} (as opposed to taking its default). */
    public boolean has(String field) {
        return fields.containsKey(field);
    }
}
