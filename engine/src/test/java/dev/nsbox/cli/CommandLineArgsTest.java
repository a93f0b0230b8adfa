package dev.nsbox.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A command line relaunched in a user namespace is the same command line. */
class CommandLineArgsTest {

    @Test
    void toArgsParsesBackToTheSameLine() throws UsageException {
        for (String[] args : new String[][] {
            {"run", "specs/a.yaml", "-D", "x=1", "--debug", "--", "sh", "-c", "echo -D --debug"},
            {"plan", "--format", "json", "-Dproject.basedir=/p q", "s.yaml"},
            {"run", "s.yaml"},
        }) {
            CommandLine line = CommandLine.parse(args);
            assertEquals(line, CommandLine.parse(line.toArgs().toArray(new String[0])));
        }
    }
}
