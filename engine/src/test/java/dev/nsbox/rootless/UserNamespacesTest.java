package dev.nsbox.rootless;

import dev.nsbox.host.UserNamespaces;
import dev.nsbox.host.UserNamespaces.Mapping;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How nsbox asks unshare(1) for a user namespace, and when it believes it is in one. */
class UserNamespacesTest {

    @Test
    void mappingsParseStrictly() {
        assertEquals(Optional.of(new Mapping(1000, 100)), Mapping.parse("1000:100"));
        assertEquals(Optional.empty(), Mapping.parse("1000"));
        assertEquals(Optional.empty(), Mapping.parse("a:b"));
        assertEquals(Optional.empty(), Mapping.parse(null));
    }

    @Test
    void rootIsMappedWithMapRootUserAndAnyOtherIdKeepsItsCapabilities() throws Exception {
        Assumptions.assumeTrue(UserNamespaces.unshareBinary(System.getenv()).isPresent(), "needs unshare(1) on PATH");
        List<String> root = UserNamespaces.wrap(new Mapping(0, 0), List.of("java", "x"), System.getenv());
        assertEquals(List.of("--user", "--map-root-user", "--", "java", "x"), root.subList(1, root.size()));
        int[] v = UserNamespaces.unshareVersion(UserNamespaces.unshareBinary(System.getenv()).get()).orElseThrow();
        Assumptions.assumeTrue(v[0] > 2 || v[1] >= 38, "needs util-linux 2.38 for --map-user");
        List<String> other = UserNamespaces.wrap(new Mapping(1000, 1000), List.of("java"), System.getenv());
        // Without --keep-caps, execve(2) as uid 1000 would drop every capability in the namespace.
        assertEquals(List.of("--user", "--map-user=1000", "--map-group=1000", "--keep-caps", "--", "java"),
                other.subList(1, other.size()));
    }

    @Test
    void anInheritedMarkerIsNotBelievedInTheInitialUserNamespace() {
        Assumptions.assumeTrue(UserNamespaces.inInitialUserNamespace(), "runs in the initial user namespace");
        assertEquals(Optional.empty(), UserNamespaces.entered(Map.of(UserNamespaces.MARKER, "0:0")));
    }

    @Test
    void aMissingUnshareSaysHowToInstallIt() {
        try {
            UserNamespaces.wrap(new Mapping(0, 0), List.of("java"), Map.of("PATH", "/nonexistent"));
            // /usr/bin and /bin are searched as well: only a machine without util-linux fails.
            assertTrue(UserNamespaces.unshareBinary(Map.of("PATH", "/nonexistent")).isPresent());
        } catch (UserNamespaces.Unavailable e) {
            assertTrue(e.getMessage().contains("install util-linux"), e.getMessage());
        }
    }
}
