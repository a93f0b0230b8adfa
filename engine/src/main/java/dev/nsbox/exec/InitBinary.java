package dev.nsbox.exec;

import dev.nsbox.sys.NativeArch;
import dev.nsbox.sys.Sys;
import dev.nsbox.sys.SyscallException;

import java.io.IOException;

/**
 * The supervisor's executable, {@code nsbox-init}, compiled statically by the build for each
 * {@link NativeArch} and carried in the jar next to this class, under the architecture's
 * directory ({@code dev/nsbox/exec/aarch64/nsbox-init}); the running JVM's {@code os.arch} picks
 * one. It is copied once per JVM into a memfd (memfd_create(2),
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
        byte[] image = image();
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

    /**
     * The bytes of the running architecture's {@code nsbox-init}.
     *
     * @throws NativeArch.UnsupportedArchitectureException when the jar carries none for it
     */
    static byte[] image() throws IOException {
        byte[] image = NativeArch.read(InitBinary.class, "nsbox-init");
        if (image == null) {
            throw new NativeArch.UnsupportedArchitectureException("the supervisor dev/nsbox/exec/"
                    + NativeArch.resource("nsbox-init") + " is missing from the class path: this jar was built without "
                    + "it; engine/src/main/c/build.sh compiles it from engine/src/main/c/nsbox-init.c (a cross compiler "
                    + "for another architecture: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)");
        }
        return image;
    }
}
