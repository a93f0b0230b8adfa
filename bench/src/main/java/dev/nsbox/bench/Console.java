package dev.nsbox.bench;

import java.util.Locale;

/** Prints a measurement's table to standard output as it is done. */
final class Console {

    private Console() {
    }

    static void table(Section s) {
        System.out.println();
        System.out.println(s.title);
        System.out.printf(Locale.ROOT, "  %-34s %6s %10s %10s %10s  %s%n", "variant", "n", "min", "median", "max",
                s.ratioHeader());
        for (Row r : s.rows) {
            double ratio = s.ratio(r);
            System.out.printf(Locale.ROOT, "  %-34s %6d %10.2f %10.2f %10.2f  %s%n", r.name(), r.stats().count(),
                    r.stats().min(), r.stats().median(), r.stats().max(),
                    Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2fx", ratio));
        }
        if (s.load != null) {
            System.out.println("  load average: " + s.load);
        }
        for (Target t : s.targets) {
            System.out.printf(Locale.ROOT, "  target: %s: %s, %s%n", t.text(), s.formatValue(t), s.verdict(t));
        }
    }
}
