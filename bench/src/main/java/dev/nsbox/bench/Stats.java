package dev.nsbox.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Wall times of one variant, in milliseconds: min, median, max and how many, with the samples
 * themselves in the order they were measured where the harness took them (JMH keeps its own).
 * Immutable.
 *
 * <p>The median is the figure ratios use: on a shared two-core machine the mean follows the
 * outliers another engineer's build causes, the median does not.
 */
record Stats(double min, double median, double max, long count, List<Double> samples)
        implements java.io.Serializable {

    Stats {
        samples = new java.util.ArrayList<>(samples);
    }

    static Stats of(List<Double> millis) {
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no sample");
        }
        List<Double> s = new ArrayList<>(millis);
        Collections.sort(s);
        int n = s.size();
        double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        return new Stats(s.get(0), median, s.get(n - 1), n, millis);
    }
}
