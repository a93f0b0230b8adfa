package dev.nsbox.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link CgroupFs} on the machine's own files, with plain java.nio calls. */
final class LiveCgroupFs implements CgroupFs {

    static final LiveCgroupFs INSTANCE = new LiveCgroupFs();

    private LiveCgroupFs() {
    }

    @Override
    public String read(String path) throws IOException {
        return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    }

    @Override
    public void write(String path, String value) throws IOException {
        // Only WRITE: O_CREAT on a missing interface file would fail with a misleading errno, and
        // the kernel parses each write(2) on its own, so the value goes in one call.
        Files.write(Path.of(path), value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
    }

    @Override
    public void mkdir(String path) throws IOException {
        Files.createDirectory(Path.of(path));
    }

    @Override
    public void rmdir(String path) throws IOException {
        // Files.delete issues rmdir(2) for a directory; cgroupfs allows it while the interface
        // files are still listed, and answers EBUSY while a process remains.
        Files.delete(Path.of(path));
    }

    @Override
    public boolean exists(String path) {
        return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public int owner(String path) throws IOException {
        return ((Number) Files.getAttribute(Path.of(path), "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    @Override
    public boolean writable(String path) {
        return Files.isWritable(Path.of(path));
    }

    @Override
    public int uid() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return Integer.parseInt(l.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
