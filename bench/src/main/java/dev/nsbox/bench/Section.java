package dev.nsbox.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One measurement of issue #7: its rows, the row the ratios are taken against, its targets, and
 * what each side does; or, when it could not be measured, why not.
 */
final class Section implements java.io.Serializable {

    final String id;
    final String title;
    final String baseline;
    final List<Row> rows = new ArrayList<>();
    final List<Target> targets = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String notMeasured;
    /** For the scaling plot: rows are "name N=..."; null for a bar chart. */
    int[] sizes;
    String unit = "ms";
    /** The machine's load averages before and after this measurement. */
    String load;

    Section(String id, String title, String baseline) {
        this.id = id;
        this.title = title;
        this.baseline = baseline;
    }

    Row row(String name) {
        for (Row r : rows) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }

    /**
     * The median of {@code row} over the median of the baseline, or NaN. In the scaling
     * measurement each nsbox row is taken against the bwrap row of the same size.
     */
    double ratio(Row row) {
        Row b = baseline == null ? null : row(baseline);
        if (sizes != null) {
            b = row(row.name().replace("nsbox", "bwrap"));
        }
        return b == null ? Double.NaN : row.stats().median() / b.stats().median();
    }

    /** What the ratio column is against. */
    String ratioHeader() {
        return sizes != null ? "nsbox / bwrap" : baseline == null ? "" : "ratio to " + baseline;
    }

    /** The value a target compares with its limit, or NaN when a row is missing. */
    double value(Target t) {
        Row n = row(t.numerator());
        if (n == null) {
            return Double.NaN;
        }
        if (!t.isRatio()) {
            return n.stats().median();
        }
        Row d = row(t.denominator());
        return d == null ? Double.NaN : n.stats().median() / d.stats().median();
    }

    /** "met", or "missed by N %", or "not measured". */
    String verdict(Target t) {
        double v = value(t);
        if (Double.isNaN(v)) {
            return "not measured";
        }
        if (v <= t.limit()) {
            return "met";
        }
        return String.format(Locale.ROOT, "missed by %.0f %%", (v / t.limit() - 1) * 100);
    }

    String formatValue(Target t) {
        double v = value(t);
        if (Double.isNaN(v)) {
            return "-";
        }
        return t.isRatio() ? String.format(Locale.ROOT, "%.2fx", v) : String.format(Locale.ROOT, "%.2f %s", v, unit);
    }
}
