package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import dev.nsbox.spec.yaml.SpecSchema;

/**
 * {@code nsbox schema}: prints the JSON Schema (draft 2020-12) of the spec format to standard
 * output, for editors such as yaml-language-server.
 */
final class SchemaCommand implements Command {

    @Override
    public String name() {
        return "schema";
    }

    @Override
    public String summary() {
        return "print the JSON Schema of the spec format, for editors";
    }

    @Override
    public String usage() {
        return """
                Usage: nsbox schema

                Prints the JSON Schema (draft 2020-12) of the spec format. Save it and name it
                in the first line of a spec for completion and checks in editors that use
                yaml-language-server:

                  nsbox schema > nsbox.schema.json
                  # yaml-language-server: $schema=nsbox.schema.json
                """;
    }

    @Override
    public int run(CommandLine line, Console console) throws UsageException {
        if (!line.arguments().isEmpty()) {
            throw new UsageException("schema takes no arguments, got \"" + line.arguments().get(0) + "\"");
        }
        if (line.format() != null && !line.format().equals("json")) {
            throw new UsageException("schema is only printed as json, not " + line.format());
        }
        console.out().print(SpecSchema.json());
        return ExitCode.OK.code();
    }
}
