package dev.nsbox.maven;

import dev.nsbox.spec.EnvSpec;
import dev.nsbox.spec.ProcessSpec;
import dev.nsbox.spec.Spec;

import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.toolchain.Toolchain;
import org.apache.maven.toolchain.ToolchainManager;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The build's JDK toolchain as the steps see it: {@code JAVA_HOME} set to its home, and its
 * {@code bin} first on {@code PATH}, so that {@code java}, {@code javac} and tools that read
 * {@code JAVA_HOME} (Gradle, Maven, scripts) use the JDK the build chose, as the compiler and
 * Surefire do. The values go over the spec's {@code process.env}; the pom's {@code environment}
 * and a step's own {@code env} still win.
 *
 * <p>{@code PATH} is the toolchain's {@code bin}, then the {@code PATH} the step would otherwise
 * have: the spec's {@code process.env.set}, else the caller's when the spec keeps it, else
 * {@code /usr/bin:/bin} (what execvp(3) searches when {@code PATH} is unset).
 *
 * <p>Immutable.
 *
 * @param home the toolchain's JDK home ({@code jdkHome} of toolchains.xml)
 */
record JdkToolchain(Path home) {

    /** The JDK whose {@code java} is {@code javaTool} ({@code HOME/bin/java}, as Toolchain.findTool gives it). */
    static JdkToolchain ofJavaTool(String javaTool) {
        Path java = Path.of(javaTool).toAbsolutePath().normalize();
        Path bin = java.getParent();
        if (bin == null || bin.getParent() == null || !bin.getFileName().toString().equals("bin")) {
            throw new IllegalArgumentException("the JDK toolchain's java is not in a bin folder: " + javaTool);
        }
        return new JdkToolchain(bin.getParent());
    }

    /**
     * The JDK toolchain the build selected (maven-toolchains-plugin's {@code toolchain} goal), or
     * null when it uses none.
     */
    static JdkToolchain selected(ToolchainManager toolchains, MavenSession session) throws MojoExecutionException {
        Toolchain tc = toolchains == null ? null : toolchains.getToolchainFromBuildContext("jdk", session);
        if (tc == null) {
            return null;
        }
        String java = tc.findTool("java");
        if (java == null) {
            throw new MojoExecutionException("the build's JDK toolchain " + tc + " has no bin/java; fix its jdkHome"
                    + " in toolchains.xml");
        }
        try {
            return ofJavaTool(java);
        } catch (IllegalArgumentException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        }
    }

    Path bin() {
        return home.resolve("bin");
    }

    /** {@code spec} with the toolchain in every step's environment; {@code callerEnv} is this process's. */
    Spec apply(Spec spec, Map<String, String> callerEnv) {
        ProcessSpec p = spec.process();
        EnvSpec env = p.env();
        String path = env.set().get("PATH");
        if (path == null && (!env.clear() || env.keep().contains("PATH"))) {
            path = callerEnv.get("PATH");
        }
        Map<String, String> set = new LinkedHashMap<>(env.set());
        set.put("JAVA_HOME", home.toString());
        set.put("PATH", bin() + ":" + (path == null || path.isEmpty() ? "/usr/bin:/bin" : path));
        ProcessSpec process = new ProcessSpec(p.cwd(), new EnvSpec(env.clear(), env.keep(), set, env.origins()),
                p.timeout(), p.noNewPrivileges(), p.capabilities(), p.seccomp(), p.origins());
        return new Spec(spec.file(), spec.baseDir(), spec.version(), spec.name(), spec.description(),
                spec.namespaces(), spec.user(), spec.hostname(), spec.propagation(), spec.hostEffects(), spec.root(),
                spec.mounts(), process, spec.limits(), spec.steps(), spec.origins());
    }
}
