package dev.nsbox.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The AppCDS archive the {@code nsbox} launcher maps (docs/decisions/0013-appcds-in-the-launcher.md),
 * removed when it is stale, so that the launcher's next call dumps a new one.
 *
 * <p>The launcher names the archive for the jar's and the JVM's paths and starts no process to
 * read their identities; the JVM checks them itself and maps nothing from an archive that is not
 * of this jar and this JVM ({@code -Xshare:auto}), silently. Without this check such an archive
 * would stay, and every later call would run without one. The launcher notices a rebuilt jar
 * itself ({@code test -nt}); this catches the rest by change time, which no copy or package
 * manager sets back: a jar or a JDK ({@code lib/modules}) changed after the archive was written.
 */
final class LauncherArchive {

    /** The system property by which the launcher names the archive it maps. */
    static final String PROPERTY = "nsbox.launcher.archive";

    private LauncherArchive() {
    }

    /**
     * Removes the archive the launcher mapped when the jar or the JDK changed after it was
     * written. Never throws: an archive that cannot be judged is left to the JVM, which ignores it.
     */
    static void removeIfStale() {
        String archive = System.getProperty(PROPERTY);
        if (archive == null || archive.isEmpty()) {
            return;
        }
        try {
            Path file = Path.of(archive);
            List<Path> inputs = new ArrayList<>();
            // The launcher's -jar: the class path is that jar, as the JVM checked it against the archive.
            for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
                if (!entry.isEmpty() && Files.isRegularFile(Path.of(entry))) {
                    inputs.add(Path.of(entry));
                }
            }
            inputs.add(Path.of(System.getProperty("java.home"), "lib", "modules"));
            if (isStale(file, inputs)) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException e) {
            // Left as it is: the JVM maps nothing from an archive that does not fit.
        }
    }

    /** Whether any of {@code inputs} changed after {@code archive} was written. */
    static boolean isStale(Path archive, List<Path> inputs) throws IOException {
        FileTime written = Files.getLastModifiedTime(archive, LinkOption.NOFOLLOW_LINKS);
        for (Path input : inputs) {
            Map<String, Object> a = Files.readAttributes(input, "unix:ctime");
            if (((FileTime) a.get("ctime")).compareTo(written) > 0) {
                return true;
            }
        }
        return false;
    }
}
