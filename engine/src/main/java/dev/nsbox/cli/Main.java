package dev.nsbox.cli;

import dev.nsbox.spec.ExitCode;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code nsbox} command line: {@code validate}, {@code plan}, {@code explain}, {@code run},
 * {@code doctor}, {@code schema}. Exit codes are those of docs/spec.md. No Java stack trace reaches
 * the user unless {@code --debug} asks for one.
 */
public final class Main {

    private final Map<String, Command> commands = new LinkedHashMap<>();

    public Main() {
        // One line per command; each lives in its own class of this package.
        for (Command c : List.<Command>of(
                new ValidateCommand(),
                new PlanCommand(),
                new ExplainCommand(),
                new SchemaCommand(),
                new RunCommand(),
                new ShellCommand(),
                new OciCommand(),
                new KubeCommand(),
                new DoctorCommand()
        )) {
            commands.put(c.name(), c);
        }
    }

    public static void main(String[] args) {
        int code = new Main().execute(args, System.out, System.err);
        LauncherArchive.removeIfStale();
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. Never throws. */
    public int execute(String[] args, PrintStream out, PrintStream err) {
        boolean debug = List.of(args).contains("--debug");
        try {
            CommandLine line = CommandLine.parse(args);
            Console console = new Console(out, err, line.debug());
            if (line.command() == null) {
                if (line.help()) {
                    out.print(help());
                    return ExitCode.OK.code();
                }
                err.print(help());
                return ExitCode.USAGE.code();
            }
            if (line.command().equals("version")) {
                out.println("nsbox " + version());
                return ExitCode.OK.code();
            }
            if (line.command().equals("help")) {
                if (!line.arguments().isEmpty() && commands.containsKey(line.arguments().get(0))) {
                    out.print(commands.get(line.arguments().get(0)).usage());
                } else {
                    out.print(help());
                }
                return ExitCode.OK.code();
            }
            Command command = commands.get(line.command());
            if (command == null) {
                throw new UsageException("unknown command \"" + line.command() + "\"; expected one of "
                        + String.join(", ", commands.keySet()));
            }
            if (line.help()) {
                out.print(command.usage());
                return ExitCode.OK.code();
            }
            return command.run(line, console);
        } catch (UsageException e) {
            err.println("nsbox: " + e.getMessage());
            err.println("Try 'nsbox --help' for more information.");
            return ExitCode.USAGE.code();
        } catch (RuntimeException | Error e) {
            err.println("nsbox: internal error: " + e);
            if (debug) {
                e.printStackTrace(err);
            } else {
                err.println("  (run again with --debug for a stack trace)");
            }
            return ExitCode.SETUP_FAILED.code();
        }
    }

    String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: nsbox COMMAND [OPTIONS] [ARGS]\n\n");
        sb.append("Runs build steps in Linux namespace sandboxes described by YAML specs.\n\n");
        sb.append("Commands:\n");
        for (Command c : commands.values()) {
            sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        sb.append("\nOptions for every command:\n");
        sb.append("  -D name=value   define a variable for ${name} in specs\n");
        sb.append("  --debug         print stack traces and each system call as it is made\n");
        sb.append("  --help          print help (nsbox COMMAND --help for one command)\n");
        sb.append("  --version       print the version\n");
        sb.append("\nExit codes: 0 success, 1 invalid spec or refused host effect, 2 bad command line,\n");
        sb.append("3 this machine cannot provide what the spec needs, 125 sandbox set-up failed,\n");
        sb.append("126 command cannot be executed, 127 command not found, 128+N killed by signal N,\n");
        sb.append("otherwise the exit code of the first failing step.\n");
        return sb.toString();
    }

    /** The version from the build ({@code dev/nsbox/version.properties}). */
    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/dev/nsbox/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
