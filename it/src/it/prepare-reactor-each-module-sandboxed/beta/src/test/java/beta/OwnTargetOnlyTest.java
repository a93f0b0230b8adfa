package beta;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OwnTargetOnlyTest {

    private static final Path BASEDIR = Path.of(System.getProperty("user.dir"));

    @Test
    void onlyThisModulesTargetIsWritableNotASiblingsFolder() throws Exception {
        assertEquals("nsbox-tests", InetAddress.getLocalHost().getHostName());
        Files.writeString(BASEDIR.resolve("target/written-by-beta.txt"), "ok");
        assertThrows(FileSystemException.class,
                () -> Files.writeString(BASEDIR.resolveSibling("alpha").resolve("written-by-beta.txt"), "x"));
    }
}
