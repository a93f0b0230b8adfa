package dev.nsbox.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The cache of jffi's stub: files only, no native code loaded, no privilege needed. */
class JffiStubTest {

    private static final String RESOURCE = "jni/x86_64-Linux/libjffi-1.2.so";

    @TempDir
    Path dir;

    private ClassLoader jarWith(String name, byte[] content) throws IOException {
        Path jar = dir.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new ZipEntry(RESOURCE));
            out.write(content);
            out.closeEntry();
        }
        return new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
    }

    @Test
    void theFirstCallCopiesTheStubAndLaterCallsFindIt() throws IOException {
        byte[] stub = "not really ELF".getBytes();
        ClassLoader loader = jarWith("a", stub);
        Path cache = dir.resolve("cache");
        Path folder = JffiStub.cached(cache, RESOURCE, loader);
        Path file = folder.resolve("libjffi-1.2.so");
        assertArrayEquals(stub, Files.readAllBytes(file));
        // Only the stub is left: the temporary copy was renamed into place.
        try (var list = Files.list(folder)) {
            assertEquals(1, list.count());
        }
        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(file, written);
        assertEquals(folder, JffiStub.cached(cache, RESOURCE, loader));
        assertEquals(written, Files.getLastModifiedTime(file), "a cached stub is not written again");
    }

    @Test
    void anotherStubGetsAFolderOfItsOwn() throws IOException {
        Path cache = dir.resolve("cache");
        Path a = JffiStub.cached(cache, RESOURCE, jarWith("a", "stub one".getBytes()));
        Path b = JffiStub.cached(cache, RESOURCE, jarWith("b", "stub two, longer".getBytes()));
        assertNotEquals(a, b);
        assertEquals("stub one", Files.readString(a.resolve("libjffi-1.2.so")));
        assertEquals("stub two, longer", Files.readString(b.resolve("libjffi-1.2.so")));
    }

    @Test
    void aTruncatedCopyIsReplaced() throws IOException {
        ClassLoader loader = jarWith("a", "the whole stub".getBytes());
        Path cache = dir.resolve("cache");
        Path folder = JffiStub.cached(cache, RESOURCE, loader);
        try (OutputStream out = Files.newOutputStream(folder.resolve("libjffi-1.2.so"))) {
            out.write("the".getBytes());
        }
        assertEquals(folder, JffiStub.cached(cache, RESOURCE, loader));
        assertEquals("the whole stub", Files.readString(folder.resolve("libjffi-1.2.so")));
    }

    @Test
    void aStubOutsideAJarIsLeftToJffi() throws IOException {
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes.resolve("jni/x86_64-Linux"));
        Files.writeString(classes.resolve(RESOURCE), "stub");
        ClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null);
        assertNull(JffiStub.cached(dir.resolve("cache"), RESOURCE, loader));
        assertNull(JffiStub.cached(dir.resolve("cache"), RESOURCE, new URLClassLoader(new URL[0], null)));
    }

    @Test
    void loadingTheBindingLeavesNoPropertyBehind() {
        // Surefire sets neither; Sys sets them only while the binding loads (Maven's JVM is shared).
        Sys.get();
        assertNull(System.getProperty(JffiStub.PROPERTY));
        assertNull(System.getProperty("jnr.ffi.asm.enabled"));
    }

    @Test
    void theCacheIsTheLaunchers() {
        assertEquals(Path.of("/x/nsbox"), JffiStub.cacheDirectory(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/nsbox"), JffiStub.cacheDirectory(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.cache/nsbox"), JffiStub.cacheDirectory(Map.of("XDG_CACHE_HOME", "rel", "HOME", "/h")));
    }
}
