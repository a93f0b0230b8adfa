package dev.nsbox.maven;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code project.build.outputTimestamp}, the time of a reproducible build, as maven-jar-plugin
 * reads it: seconds since 1970 (digits only), or an ISO-8601 date-time with its offset
 * ({@code 2024-01-02T03:04:05Z}); unset, or one character that is not a digit, means none.
 * What the plugin writes into the build directory carries no clock time in its content, so two
 * builds write the same bytes; with a timestamp, each file and folder it writes also gets it as
 * its modification time, so that an archive made of them afterwards is the same as well.
 *
 * <p>Immutable.
 */
record OutputTimestamp(FileTime time) {

    /** The property's name. */
    static final String PROPERTY = "project.build.outputTimestamp";

    /**
     * The timestamp {@code value} names, or none.
     *
     * @throws IllegalArgumentException for a value that is neither form, naming the property
     */
    static Optional<OutputTimestamp> parse(String value) {
        if (value == null || value.isBlank() || value.strip().length() == 1 && !Character.isDigit(value.strip().charAt(0))) {
            return Optional.empty();
        }
        String v = value.strip();
        try {
            Instant t = v.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(v))
                    : OffsetDateTime.parse(v).toInstant();
            return Optional.of(new OutputTimestamp(FileTime.from(t)));
        } catch (DateTimeException | NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be seconds since 1970 or an ISO-8601 date-time with"
                    + " its offset (2024-01-02T03:04:05Z), got \"" + v + "\"");
        }
    }

    /**
     * Sets the modification time of {@code written} (and of everything under it, for a folder),
     * then of each folder above it up to {@code buildDirectory}, which is left alone. Symbolic
     * links are left alone too: setting a time through one would change the file it points at,
     * which may be the host's (an OCI bundle's rootfs links to /usr/lib64, say).
     */
    void stamp(Path written, Path buildDirectory) throws IOException {
        Path file = written.toAbsolutePath().normalize();
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.walk(file)) {
                s.forEach(all::add);
            }
        } else {
            all.add(file);
        }
        Path top = buildDirectory.toAbsolutePath().normalize();
        if (file.startsWith(top)) {
            for (Path p = file.getParent(); p != null && p.startsWith(top) && !p.equals(top); p = p.getParent()) {
                all.add(p);
            }
        }
        // Deepest first: setting a file's time does not change its folder's, but be plain about the order.
        all.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path p : all) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(p)) {
                Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(time, null, null);
            }
        }
    }
}
