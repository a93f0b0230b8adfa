package dev.nsbox.bench;

/**
 * A target of issue #7: either a ratio of two rows' medians at most {@code limit}, or one row's
 * median at most {@code limit} milliseconds (when {@code denominator} is null).
 */
record Target(String text, String numerator, String denominator, double limit) implements java.io.Serializable {

    static Target ratio(String text, String numerator, String denominator, double limit) {
        return new Target(text, numerator, denominator, limit);
    }

    static Target absolute(String text, String row, double limitMillis) {
        return new Target(text, row, null, limitMillis);
    }

    boolean isRatio() {
        return denominator != null;
    }
}
