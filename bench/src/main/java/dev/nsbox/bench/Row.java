package dev.nsbox.bench;

/**
 * One line of a measurement's table: a variant, what exactly it runs, and its times.
 *
 * @param name    short name, as in the table and the plot
 * @param command what it does, exactly (a command line, or the in-process calls)
 * @param stats   its wall times
 */
record Row(String name, String command, Stats stats) implements java.io.Serializable {
}
