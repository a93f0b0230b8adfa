package dev.nsbox.exec;

import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;
import java.io.InputStream;

/**
 * The supervisor's executable, {@code nsbox-init}, compiled statically by the build and carried
 * in the jar next to this class. It is copied once per JVM into a memfd (memfd_create(2),
 * {@code MFD_CLOEXEC}): nothing is written to the host's disk, and {@code /proc/self/fd/N}
 * executes it from any mount namespace whose {@code /proc} is still the host's.
 */
final class InitBinary {

    private InitBinary() {
    }

    private static int memfd = -1;

    /** The memfd holding the supervisor, made on first use. */
    static synchronized int memfd(Sys sys) throws SyscallException, IOException {
        if (memfd >= 0) {
            return memfd;
        }
        byte[] image;
        try (InputStream in = InitBinary.class.getResourceAsStream("nsbox-init")) {
            if (in == null) {
                throw new IOException("the supervisor dev/nsbox/exec/nsbox-init is missing from the classpath; "
                        + "the build compiles it from engine/src/main/c/nsbox-init.c with cc -static");
            }
            image = in.readAllBytes();
        }
        int fd = sys.memfdCreate("nsbox-init", Sys.MFD_CLOEXEC);
        try {
            sys.writeFully(fd, image, "write(memfd, nsbox-init, " + image.length + ")");
            // Keep it out of the way of the low numbers the spawn's file actions use.
            int high = sys.dupAtLeast(fd, 10);
            sys.close(fd);
            fd = high;
        } catch (SyscallException e) {
            sys.close(fd);
            throw e;
        }
        memfd = fd;
        return fd;
    }
}
