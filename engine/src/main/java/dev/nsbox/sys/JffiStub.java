package dev.nsbox.sys;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * jffi's native stub ({@code libjffi-1.2.so}), kept once per stub in the user's cache so that a
 * JVM does not extract it again on every start.
 *
 * <p>Without {@code jffi.boot.library.path}, jffi's {@code StubLoader} copies the stub out of
 * its jar into a new file in {@code java.io.tmpdir} each time a JVM first touches jffi, and
 * deletes it at exit (docs/platform.md, "jnr-ffi"). With that property naming a folder that holds
 * the stub, it loads the stub from there and reads nothing from the jar. So the first JVM
 * copies the stub into {@code ${XDG_CACHE_HOME:-$HOME/.cache}/nsbox/jffi-CRC-SIZE/}, named for
 * the CRC-32 and size the jar records for it (read from the jar's directory, nothing
 * decompressed), and {@link Sys#get()} sets the property to that folder while jffi initialises. A
 * different stub (another jffi) gets a folder of its own. The copy is written to a temporary
 * name in that folder and renamed into place, so that two first calls at once each write their
 * own and a reader never sees a partial file.
 *
 * <p>Only a cache: when the property is set already, when jffi is not in a jar, or when the
 * cache cannot be written, nothing changes and jffi extracts the stub as it always did. Never
 * throws.
 */
final class JffiStub {

    static final String PROPERTY = "jffi.boot.library.path";

    private JffiStub() {
    }

    /**
     * The folder to give jffi as {@value #PROPERTY}, copying the stub there first if needed; null
     * when the property is set already or the cache cannot be used.
     */
    static String folder() {
        if (System.getProperty(PROPERTY) != null) {
            return null;
        }
        try {
            Path cache = cacheDirectory(System.getenv());
            String resource = resourceName();
            if (cache == null || resource == null) {
                return null;
            }
            // The loader that has jffi: the application's for the CLI, the plugin's realm in Maven.
            Path folder = cached(cache, resource, JffiStub.class.getClassLoader());
            return folder == null ? null : folder.toString();
        } catch (IOException | RuntimeException e) {
            // A cache that cannot be used costs one extraction to java.io.tmpdir, as before.
            return null;
        }
    }

    /** {@code ${XDG_CACHE_HOME:-$HOME/.cache}/nsbox}, as the launcher's AppCDS archive. */
    static Path cacheDirectory(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && xdg.startsWith("/")) {
            return Path.of(xdg, "nsbox");
        }
        String home = env.get("HOME");
        if (home == null || !home.startsWith("/")) {
            home = System.getProperty("user.home");
        }
        return home == null || !home.startsWith("/") ? null : Path.of(home, ".cache", "nsbox");
    }

    /** Where jffi's jar keeps the stub for this machine: {@code jni/x86_64-Linux/libjffi-1.2.so}. */
    static String resourceName() {
        if (!System.getProperty("os.name", "").toLowerCase().startsWith("linux")) {
            return null;
        }
        String arch = System.getProperty("os.arch", "");
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        // jffi names the stub for its major and minor version (com.kenai.jffi.Version: 1.2).
        return cpu == null ? null : "jni/" + cpu + "-Linux/libjffi-1.2.so";
    }

    /** The folder holding the cached stub, copied there first when missing; null when jffi is not in a jar. */
    static Path cached(Path cache, String resource, ClassLoader loader) throws IOException {
        URL url = loader.getResource(resource);
        if (url == null) {
            return null;
        }
        URLConnection c = url.openConnection();
        if (!(c instanceof JarURLConnection jar)) {
            return null;
        }
        jar.setUseCaches(false);
        long crc;
        long size;
        try (JarFile file = jar.getJarFile()) {
            JarEntry entry = file.getJarEntry(jar.getEntryName());
            if (entry == null || entry.getCrc() < 0 || entry.getSize() <= 0) {
                return null;
            }
            crc = entry.getCrc();
            size = entry.getSize();
            Path folder = cache.resolve(String.format("jffi-%08x-%d", crc, size));
            Path stub = folder.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            if (Files.isRegularFile(stub) && Files.size(stub) == size) {
                return folder;
            }
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "stub", ".tmp");
            try {
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                if (Files.size(tmp) != size) {
                    return null;
                }
                // rename(2) replaces atomically: a JVM that lost the race to another first call
                // replaces an identical file, and one that has loaded the old copy keeps it mapped.
                Files.move(tmp, stub, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return folder;
        }
    }
}
