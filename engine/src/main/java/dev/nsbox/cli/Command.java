package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

/** One subcommand of the CLI. */
public interface Command {

    /** The word that selects it ({@code validate}). */
    String name();

    /** One line for {@code --help}. */
    String summary();

    /** The usage text printed by {@code nsbox COMMAND --help}. */
    String usage();

    /**
     * Runs the command and returns its exit code (see {@link ExitCode}).
     *
     * @throws UsageException for a bad command line (exit code 2)
     */
    int run(CommandLine line, Console console) throws UsageException;
}
