package dev.nsbox.maven;

import dev.nsbox.engine.NsboxEngine;
import dev.nsbox.exec.ForkServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The java executable that Surefire and Failsafe start instead of the real one, {@code HOME/bin/java},
 * with a copy of the real JDK's {@code release} file as {@code HOME/release}. Either:
 * <ul>
 *   <li>{@link #writeClient}: {@code nsbox-fork}, the engine's small static client, which hands the
 *       fork to a {@link ForkServer} over {@code HOME/forks/socket}: in the Maven JVM, or, for a
 *       plan that needs a user namespace (rootless), in the build's sandbox helper JVM; about a
 *       millisecond per fork beyond the sandbox. The arguments and environment below are the server's
 *       {@link ForkServer.Command}.</li>
 *   <li>{@link #write}: a POSIX sh script that runs {@code nsbox run SPEC -- REAL_JAVA ARGS...}, a
 *       cold engine JVM per fork (only where no server can check its peers:
 *       {@code NsboxEngine.forksUnservable}).</li>
 * </ul>
 *
 * <p>Why it looks like this:
 * <ul>
 *   <li>Surefire accepts a {@code jvm} only when its path ends in {@code bin/java}, and reads
 *       {@code release} next to {@code bin/} to learn the Java version; without it a modular
 *       project silently runs on the class path.</li>
 *   <li>Surefire sets the fork's {@code JAVA_HOME} to the wrapper's home, so the script names
 *       the real java (and the JVM that runs the engine) by absolute path, never through
 *       {@code $JAVA_HOME}, which would call the wrapper again until it fails; it also gives the
 *       test JVM the real {@code JAVA_HOME} back, as it would have had without nsbox.</li>
 *   <li>The test JVM gets Maven's {@code user.home}, which a rootless sandbox would otherwise
 *       turn into {@code /root}.</li>
 *   <li>The test JVM gets {@code -Dnsbox.sandboxed=RUN}: that argument reaches it only as the
 *       command nsbox ran inside the sandbox, and Surefire's XML reports list it, which is what
 *       {@code nsbox:verify-forks} checks.</li>
 *   <li>The engine runs from the plugin's own resolved artifacts (nsbox-engine, snakeyaml-engine,
 *       jnr-constants), which Maven has already put in the local repository to run
 *       this plugin: it works offline, and needs no separately published jar.</li>
 * </ul>
 *
 * <p>Touches only {@code home}.
 */
final class JvmWrapper {

    /** The system property the wrapper gives every test JVM. */
    static final String MARKER = "nsbox.sandboxed";

    private JvmWrapper() {
    }

    /**
     * Writes {@code home/bin/java} and {@code home/release}.
     *
     * @param javaHome  the real JDK (Maven's {@code java.home}, which Surefire would have used)
     * @param classpath the engine and its dependencies
     * @param spec      the spec file
     * @param defines   {@code -D name=value} for the spec's variables
     * @param runId     the value of {@code -Dnsbox.sandboxed}
     * @param userHome  the test JVM's {@code user.home}: Maven's
     * @return the wrapper, {@code home/bin/java}
     */
    static Path write(Path home, Path javaHome, List<Path> classpath, Path spec, Map<String, String> defines,
                      String runId, String userHome) throws IOException {
        Path realJava = javaHome.resolve("bin/java");
        Path bin = home(home, javaHome);

        List<String> engine = new ArrayList<>();
        engine.add(realJava.toString());
        engine.addAll(NsboxEngine.leanJvmFlags());
        engine.add("-cp");
        engine.add(String.join(":", classpath.stream().map(Path::toString).toList()));
        engine.add("dev.nsbox.cli.Main");
        engine.add("run");
        defines.forEach((k, v) -> {
            engine.add("-D");
            engine.add(k + "=" + v);
        });
        engine.add(spec.toString());
        engine.add("--");
        engine.addAll(testJvm(javaHome, runId, userHome));

        StringBuilder sh = new StringBuilder();
        sh.append("#!/bin/sh\n");
        sh.append("# Written by nsbox:prepare. Surefire and Failsafe start each test JVM through this file:\n");
        sh.append("# nsbox applies the spec below and runs the real java inside the sandbox, with the\n");
        sh.append("# arguments Surefire gave. The real java is named by absolute path, never $JAVA_HOME,\n");
        sh.append("# which Surefire points at this wrapper's folder.\n");
        sh.append("JAVA_HOME=").append(quote(javaHome.toString())).append("\n");
        sh.append("export JAVA_HOME\n");
        sh.append("exec");
        for (String a : engine) {
            sh.append(" \\\n    ").append(quote(a));
        }
        sh.append(" \\\n    \"$@\"\n");

        Path java = bin.resolve("java");
        Path tmp = bin.resolve("java.tmp");
        Files.writeString(tmp, sh.toString());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Renamed into place, so that a fork of a parallel build never execs a half-written script.
        Files.move(tmp, java, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return java;
    }

    /**
     * Writes {@code home/bin/java} as {@code nsbox-fork} and {@code home/release}; the server
     * runs {@link #command} for each fork.
     *
     * @return the wrapper, {@code home/bin/java}
     */
    static Path writeClient(Path home, Path javaHome) throws IOException {
        Path java = home(home, javaHome).resolve("java");
        ForkServer.writeClient(java);
        return java;
    }

    /**
     * What the fork server makes of a fork's command: {@link #testJvm} in place of its
     * {@code argv[0]}, and the real {@code JAVA_HOME} (Surefire gives the fork the wrapper's).
     * Its warm-up, run once while Maven compiles, is the real java's {@code -version} in the
     * test sandbox, with the flags of its cheapest start: one compiler tier, the serial
     * collector, no perf data file.
     */
    static ForkServer.Command command(Path javaHome, String runId, String userHome) {
        String java = javaHome.resolve("bin/java").toString();
        return new ForkServer.Command(testJvm(javaHome, runId, userHome), Map.of("JAVA_HOME", javaHome.toString()),
                List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                        "-version"));
    }

    /** The real java and the arguments every test JVM gets before Surefire's. */
    private static List<String> testJvm(Path javaHome, String runId, String userHome) {
        // Java takes user.home from getpwuid(getuid()), which in a rootless sandbox's user
        // namespace (the user mapped to 0) answers /root: the test JVM gets Maven's own, as it
        // would without nsbox. Surefire's arguments come after, so an argLine's -Duser.home wins.
        return List.of(javaHome.resolve("bin/java").toString(), "-Duser.home=" + userHome, "-D" + MARKER + "=" + runId);
    }

    /** {@code home/bin}, made, with {@code home/release} copied from the real JDK. */
    private static Path home(Path home, Path javaHome) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.copy(javaHome.resolve("release"), home.resolve("release"), StandardCopyOption.REPLACE_EXISTING);
        return bin;
    }

    /** One word for sh(1): single quotes, with each ' written as '\''. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
