package dev.nsbox.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How nsbox gets a user namespace for a JVM that cannot make one itself.
 *
 * <p>{@code unshare(CLONE_NEWUSER)} fails with EINVAL in any multithreaded process, so never in
 * a JVM (docs/platform.md). A single-threaded program must create it and start the JVM inside:
 * util-linux {@code unshare(1)}, present on every mainstream distribution. It is asked for a
 * user namespace and nothing else ({@code unshare --user --map-user=U --map-group=G
 * --keep-caps}); the JVM inside holds every capability there and unshares the other namespaces
 * per sandbox on its own thread, exactly as it does as root.
 *
 * <p>Whoever starts such a JVM sets {@value #MARKER} to {@code U:G} in its environment. The JVM
 * believes it only when its own {@code /proc/self/uid_map} is not the initial namespace's
 * identity map and its uid is {@code U}: an inherited variable alone proves nothing.
 *
 * <p>Reads {@code /proc} and {@code /proc/sys}; {@link #probe} forks {@code unshare}.
 * Changes nothing.
 */
public final class UserNamespaces {

    /** The environment variable naming the mapping of a user namespace made for this JVM. */
    public static final String MARKER = "NSBOX_USERNS";

    /** The environment variable naming the pid of the JVM that relaunched this one in a user namespace. */
    public static final String RELAUNCHED_BY = "NSBOX_RELAUNCHED_BY";

    /**
     * The variables nsbox sets for its own relaunched JVM: they describe nsbox's processes, not
     * the caller, so a step never inherits them.
     */
    public static final java.util.Set<String> INTERNAL_VARIABLES = java.util.Set.of(MARKER, RELAUNCHED_BY);

    /** The first util-linux with {@code --map-user} and {@code --map-group} (2.38). */
    static final int[] MAP_USER_VERSION = {2, 38};

    private static final String INITIAL_UID_MAP = "0 0 4294967295";

    private UserNamespaces() {
    }

    /** A mapping of the caller to {@code uid}:{@code gid} inside. */
    public record Mapping(int uid, int gid) {
        public static Optional<Mapping> parse(String s) {
            if (s == null) {
                return Optional.empty();
            }
            Matcher m = Pattern.compile("([0-9]{1,10}):([0-9]{1,10})").matcher(s.trim());
            if (!m.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Mapping(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        public boolean isRoot() {
            return uid == 0 && gid == 0;
        }

        @Override
        public String toString() {
            return uid + ":" + gid;
        }
    }

    /**
     * The mapping of the user namespace a launcher made for this process, when there is one:
     * {@value #MARKER} is set, this process is not in the initial user namespace, and its uid
     * is the one the marker names.
     */
    public static Optional<Mapping> entered(Map<String, String> environment) {
        Optional<Mapping> m = Mapping.parse(environment.get(MARKER));
        if (m.isEmpty() || inInitialUserNamespace()) {
            return Optional.empty();
        }
        return uid() == m.get().uid() ? m : Optional.empty();
    }

    /** This process's mapping, from its environment. */
    public static Optional<Mapping> entered() {
        return entered(System.getenv());
    }

    /** Whether {@code /proc/self/uid_map} is the initial namespace's identity map of every uid. */
    public static boolean inInitialUserNamespace() {
        return read("/proc/self/uid_map").map(s -> s.trim().replaceAll("\\s+", " ").equals(INITIAL_UID_MAP))
                .orElse(true);
    }

    /** The real uid of this process, from {@code /proc/self/status}; -1 when unreadable. */
    public static int uid() {
        return statusField("Uid:");
    }

    /** The real gid of this process, from {@code /proc/self/status}; -1 when unreadable. */
    public static int gid() {
        return statusField("Gid:");
    }

    private static int statusField(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key)) {
                    return Integer.parseInt(l.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Where the kernel shows its sysctls. */
    static final Path SYSCTL = Path.of("/proc/sys");

    /**
     * A sysctl that can keep an unprivileged user from creating a user namespace.
     *
     * @param name     its name ({@code user.max_user_namespaces}), which is also its path under
     *                 {@code /proc/sys} with dots as slashes
     * @param refusing the value that refuses
     * @param what     what that value does, with the errno the kernel then gives where it is known
     * @param fix      how to enable user namespaces again
     */
    record Policy(String name, String refusing, String what, String fix) {
        Path file(Path sysctl) {
            return sysctl.resolve(name.replace('.', '/'));
        }
    }

    /**
     * The sysctls that restrict user namespaces, in the order they are reported; the one table
     * behind {@link #policyRefusals()} and {@code nsbox doctor}.
     *
     * <p>{@code user.max_user_namespaces} is the kernel's own (kernel/ucount.c): it holds per
     * user namespace, every ancestor's limit counts, and 0 makes {@code unshare(CLONE_NEWUSER)}
     * fail with ENOSPC (measured on Linux 6.18, in a child user namespace whose limit its owner
     * set to 0). {@code kernel.unprivileged_userns_clone} is a Debian and Arch patch: 0 makes
     * the call fail with EPERM for a caller without CAP_SYS_ADMIN.
     * {@code kernel.apparmor_restrict_unprivileged_userns} is Ubuntu's (23.10 and later): the
     * namespace is made, but without capabilities unless an AppArmor profile allows it, so
     * mapping the caller fails. Neither of the last two exists on the kernel nsbox is tested on;
     * their values and errnos are the distributions' documented behaviour, not measured here.
     */
    static final List<Policy> POLICIES = List.of(
            new Policy("user.max_user_namespaces", "0",
                    "user namespaces are disabled: user.max_user_namespaces = 0, so unshare(CLONE_NEWUSER) fails "
                            + "with ENOSPC (No space left on device)",
                    "enable them with 'sysctl -w user.max_user_namespaces=15000' (persist it in /etc/sysctl.d/)"),
            new Policy("kernel.unprivileged_userns_clone", "0",
                    "unprivileged user namespaces are disabled: kernel.unprivileged_userns_clone = 0, so "
                            + "unshare(CLONE_NEWUSER) fails with EPERM (Operation not permitted) without CAP_SYS_ADMIN",
                    "enable them with 'sysctl -w kernel.unprivileged_userns_clone=1' (persist it in /etc/sysctl.d/)"),
            new Policy("kernel.apparmor_restrict_unprivileged_userns", "1",
                    "AppArmor restricts unprivileged user namespaces: kernel.apparmor_restrict_unprivileged_userns = 1 "
                            + "(Ubuntu 23.10 and later), so a user namespace gets no capabilities and unshare(1) "
                            + "cannot map the caller",
                    "allow them for unshare with an AppArmor profile granting 'userns,' (see "
                            + "https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces), or "
                            + "'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' (persist it in /etc/sysctl.d/)"));

    /**
     * What keeps an unprivileged user from creating a user namespace on this machine, read from
     * the sysctls that restrict it; empty when none does. Each entry says what and how to
     * enable it.
     */
    public static List<String> policyRefusals() {
        return policyRefusals(SYSCTL);
    }

    /** {@link #policyRefusals()} read from another {@code /proc/sys} (a test's fake tree). */
    static List<String> policyRefusals(Path sysctl) {
        List<String> out = new ArrayList<>();
        for (Policy p : POLICIES) {
            read(p.file(sysctl).toString()).map(String::trim).filter(p.refusing()::equals)
                    .ifPresent(v -> out.add(p.what() + "; " + p.fix()));
        }
        return out;
    }

    /** The {@code unshare(1)} binary on {@code PATH}, if any. */
    public static Optional<Path> unshareBinary(Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, "unshare");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The util-linux version of {@code unshare} ({@code [2, 38]}), from {@code unshare --version}. */
    public static Optional<int[]> unshareVersion(Path unshare) {
        return run(List.of(unshare.toString(), "--version"), 5).flatMap(r -> {
            Matcher m = Pattern.compile("([0-9]+)\\.([0-9]+)").matcher(r.output());
            return m.find() ? Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))})
                    : Optional.empty();
        });
    }

    static boolean atLeast(int[] version, int[] wanted) {
        return version[0] > wanted[0] || (version[0] == wanted[0] && version[1] >= wanted[1]);
    }

    /**
     * The command that starts {@code argv} in a new user namespace mapping the caller to
     * {@code mapping}, with {@value #MARKER} to be set by the caller.
     *
     * @throws Unavailable when {@code unshare} is missing or too old for the mapping
     */
    public static List<String> wrap(Mapping mapping, List<String> argv, Map<String, String> environment)
            throws Unavailable {
        Path unshare = unshareBinary(environment).orElseThrow(() -> new Unavailable(
                "unshare(1) from util-linux is not on PATH; nsbox needs it to create a user namespace for a caller "
                        + "without CAP_SYS_ADMIN; install util-linux (apt-get install util-linux, dnf install util-linux)"));
        List<String> cmd = new ArrayList<>(List.of(unshare.toString(), "--user"));
        if (mapping.isRoot()) {
            // --map-root-user is as old as util-linux 2.26 and writes the same maps.
            cmd.add("--map-root-user");
        } else {
            int[] v = unshareVersion(unshare).orElse(new int[] {0, 0});
            if (!atLeast(v, MAP_USER_VERSION)) {
                throw new Unavailable("the spec maps the caller to uid " + mapping.uid() + ", gid " + mapping.gid()
                        + ", which needs unshare --map-user/--map-group of util-linux 2.38 or later; " + unshare
                        + " is " + v[0] + "." + v[1] + "; upgrade util-linux, or map to root (user: {uid: 0, gid: 0})");
            }
            // Without --keep-caps, execve(2) as a non-zero uid drops every capability, and the JVM
            // could not make the sandbox's other namespaces.
            cmd.addAll(List.of("--map-user=" + mapping.uid(), "--map-group=" + mapping.gid(), "--keep-caps"));
        }
        cmd.add("--");
        cmd.addAll(argv);
        return cmd;
    }

    /**
     * Tries it: {@code unshare --user --map-root-user true}. Empty when it worked, else what
     * {@code unshare} said.
     */
    public static Optional<String> probe(Map<String, String> environment) {
        Optional<Path> unshare = unshareBinary(environment);
        if (unshare.isEmpty()) {
            return Optional.of("unshare(1) is not on PATH");
        }
        Optional<Result> r = run(List.of(unshare.get().toString(), "--user", "--map-root-user", "true"), 10);
        if (r.isEmpty()) {
            return Optional.of("cannot run " + unshare.get());
        }
        // One line: it ends up inside a one-line diagnostic.
        return r.get().exit() == 0 ? Optional.empty()
                : Optional.of(r.get().output().trim().replaceAll("\\s*\n\\s*", " "));
    }

    /**
     * Why this machine cannot give the caller a user namespace, with how to enable it; empty
     * when it can. Reads the policy sysctls first (they name the fix), then tries it.
     */
    public static Optional<String> refusal(Map<String, String> environment) {
        List<String> policy = policyRefusals();
        if (!policy.isEmpty()) {
            return Optional.of(String.join("; ", policy));
        }
        return probe(environment).map(said -> "this machine refuses an unprivileged user namespace (" + said
                + "): a container's seccomp profile or an LSM may forbid unshare(CLONE_NEWUSER); run "
                + "'nsbox doctor' to see what restricts it");
    }

    /** A machine that cannot give the caller the user namespace it needs. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    record Result(int exit, String output) {
    }

    /** Runs a short probe command, output and error together. */
    static Optional<Result> run(List<String> argv, int seconds) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * A small file of /proc, read to its end with plain reads: {@code Files.readString} gets
     * only the last digit of a /proc/sys value (measured: "9" for "96365"), because those
     * files report a size of 0 and answer reads at an offset differently.
     */
    static Optional<String> read(String path) {
        try (java.io.InputStream in = new java.io.FileInputStream(path)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
