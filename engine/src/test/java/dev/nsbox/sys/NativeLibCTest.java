package dev.nsbox.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JNI library against the real kernel, with calls any user may make. */
class NativeLibCTest {

    @TempDir
    Path tmp;

    @Test
    void bytesGoThroughAPipeBothWays() throws SyscallException {
        Sys sys = Sys.get();
        int[] p = sys.pipe2(Sys.O_CLOEXEC, "pipe2");
        try {
            byte[] sent = "héllo\0world".getBytes(StandardCharsets.UTF_8);
            sys.writeFully(p[1], sent, "write");
            byte[] got = new byte[64];
            int n = sys.read(p[0], got, "read");
            assertArrayEquals(sent, java.util.Arrays.copyOf(got, n));
        } finally {
            sys.close(p[0]);
            sys.close(p[1]);
        }
    }

    @Test
    void aFailedCallKeepsItsErrnoOnItsThread() throws Exception {
        Sys sys = Sys.get();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sys.open(tmp.resolve("missing").toString(), Sys.O_RDONLY, 0, "open"));
        assertEquals(Errnos.ENOENT, e.errno());
        // Another thread's failure does not change this thread's errno.
        AtomicInteger other = new AtomicInteger();
        Thread t = new Thread(() -> {
            SyscallException f = assertThrows(SyscallException.class,
                    () -> sys.mkdir(tmp.toString(), 0700, "mkdir"));
            other.set(f.errno());
        });
        t.start();
        t.join();
        assertEquals(Errnos.EEXIST, other.get());
        assertEquals(Errnos.ENOENT, sys.errno());
    }

    @Test
    void pathsReachTheKernelAsUtf8() throws SyscallException {
        Path dir = tmp.resolve("dé∂\uD83D\uDE00");
        Sys.get().mkdir(dir.toString(), 0700, "mkdir");
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void aSpawnedChildGetsItsArgumentsAndExitStatus() throws SyscallException {
        Sys sys = Sys.get();
        int pid = sys.spawn("/bin/sh", new String[] {"sh", "-c", "test \"$1\" = ä && exit 7", "sh", "ä"},
                new String[] {"PATH=/usr/bin:/bin"}, new int[] {-1, -1, -1}, tmp.toString(), 3, "posix_spawn");
        int[] status = new int[1];
        assertEquals(pid, sys.waitpid(pid, status, 0));
        assertEquals(7, (status[0] >> 8) & 0xff);
    }

    @Test
    void loadingLeavesNothingInTheTemporaryFolder() throws Exception {
        Sys.get();
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("nsbox-sys")
                    && Files.isDirectory(f) && f.toFile().canWrite() && isOurs(f)));
        }
    }

    private static boolean isOurs(Path dir) {
        try {
            return Files.exists(dir.resolve(NativeLibC.LIBRARY));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
