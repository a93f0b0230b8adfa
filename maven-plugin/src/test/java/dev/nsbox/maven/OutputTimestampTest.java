package dev.nsbox.maven;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** project.build.outputTimestamp read as maven-jar-plugin reads it, and set on what the plugin writes. */
class OutputTimestampTest {

    private static final Instant T = Instant.parse("2024-01-02T03:04:05Z");

    @Test
    void secondsAndIsoDateTimesAreTimestampsAndOneNonDigitCharacterIsNone() {
        assertEquals(Optional.of(new OutputTimestamp(FileTime.from(T))), OutputTimestamp.parse("1704164645"));
        assertEquals(Optional.of(new OutputTimestamp(FileTime.from(T))), OutputTimestamp.parse("2024-01-02T04:04:05+01:00"));
        assertEquals(Optional.empty(), OutputTimestamp.parse(null));
        assertEquals(Optional.empty(), OutputTimestamp.parse("a"));
        assertEquals(Optional.of(new OutputTimestamp(FileTime.from(Instant.ofEpochSecond(7)))), OutputTimestamp.parse("7"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputTimestamp.parse("yesterday"));
        assertEquals("project.build.outputTimestamp must be seconds since 1970 or an ISO-8601 date-time with its offset"
                + " (2024-01-02T03:04:05Z), got \"yesterday\"", e.getMessage());
    }

    @Test
    void aWrittenTreeAndTheFoldersAboveItGetTheTimeButNotTheBuildDirectoryNorALinksTarget(@TempDir Path tmp)
            throws Exception {
        Path outside = Files.writeString(tmp.resolve("host-file"), "host");
        FileTime hostTime = Files.getLastModifiedTime(outside);
        Path target = Files.createDirectories(tmp.resolve("target"));
        Path bundle = Files.createDirectories(target.resolve("a/bundle/rootfs"));
        Path config = Files.writeString(bundle.getParent().resolve("config.json"), "{}");
        Path link = Files.createSymbolicLink(bundle.resolve("lib64"), outside);
        FileTime before = Files.getLastModifiedTime(target);

        OutputTimestamp.parse("1704164645").orElseThrow().stamp(bundle.getParent(), target);

        for (Path p : new Path[] {config, bundle, bundle.getParent(), target.resolve("a")}) {
            assertEquals(T, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant(), p.toString());
        }
        assertEquals(before, Files.getLastModifiedTime(target));
        assertEquals(hostTime, Files.getLastModifiedTime(outside));
        assertNotEquals(T, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toInstant());
    }
}
