package dev.nsbox.seccomp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeccompNamesTest {

    @Test
    void callsAndGroupsAreKnown() {
        assertTrue(SeccompNames.isKnown("mount"));
        assertTrue(SeccompNames.isKnown("@mount"));
        assertFalse(SeccompNames.isKnown("@mounts"));
        assertFalse(SeccompNames.isKnown("mout"));
        assertEquals(Optional.empty(), SeccompNames.problem("keyctl"));
    }

    @Test
    void aMisspeltWordGetsTheNearestKnownOne() {
        assertEquals(Optional.of("mount"), SeccompNames.closest("mout"));
        assertEquals(Optional.of("@mount"), SeccompNames.closest("@mounts"));
        assertEquals(Optional.of("@keyring"), SeccompNames.closest("keyring"));
        assertEquals(Optional.of("unshare"), SeccompNames.closest("UNSHARE"));
        assertEquals(Optional.empty(), SeccompNames.closest("frobnicate"));
        assertEquals(Optional.of("unknown system call \"mout\"; did you mean \"mount\"?"), SeccompNames.problem("mout"));
        assertEquals(Optional.of("unknown system call \"frobnicate\""), SeccompNames.problem("frobnicate"));
        assertTrue(SeccompNames.problem("@zzzzzzzz").orElseThrow().contains("expected one of @aio, "));
    }

    @Test
    void aCustomPolicyRefusesUnknownWordsAndNamesEach() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SeccompPolicy.Custom(List.of("mout"), List.of("@nope", "mount")));
        assertEquals("allow: unknown system call \"mout\"; did you mean \"mount\"?\n"
                + "deny: " + SeccompNames.problem("@nope").orElseThrow(), e.getMessage());
    }
}
