package dev.nsbox.spec;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CapabilityTest {

    @Test
    void namesAreFoundWithOrWithoutThePrefixInAnyCase() {
        assertEquals(Optional.of(Capability.CAP_NET_BIND_SERVICE), Capability.byName("CAP_NET_BIND_SERVICE"));
        assertEquals(Optional.of(Capability.CAP_NET_BIND_SERVICE), Capability.byName("net_bind_service"));
        assertEquals(Optional.of(Capability.CAP_NET_BIND_SERVICE), Capability.byName("Cap_Net_Bind_Service"));
        assertEquals(Optional.of(Capability.CAP_SYS_ADMIN), Capability.byName("SYS_ADMIN"));
        assertEquals(Optional.empty(), Capability.byName("CAP_NET_BIND"));
        assertEquals(Optional.empty(), Capability.byName("CAP_"));
        assertEquals(Optional.empty(), Capability.byName(""));
        assertEquals("net_bind_service", Capability.CAP_NET_BIND_SERVICE.word());
    }

    @Test
    void masksHaveTheCapabilitysBit() {
        assertEquals(0x400L, Capability.CAP_NET_BIND_SERVICE.mask());
        assertEquals(1L << 40, Capability.CAP_CHECKPOINT_RESTORE.mask());
        assertEquals(0x200001L, Capability.mask(Set.of(Capability.CAP_CHOWN, Capability.CAP_SYS_ADMIN)));
        assertEquals(0L, Capability.mask(Set.of()));
        assertEquals(EnumSet.of(Capability.CAP_CHOWN, Capability.CAP_SYS_ADMIN), Capability.fromMask(0x200001L | 1L << 62));
        assertEquals(0x1ffffffffffL, Capability.mask(EnumSet.allOf(Capability.class)));
    }

    @Test
    void numbersAreContiguousAndByNumberFindsEach() {
        for (Capability c : Capability.values()) {
            assertEquals(c.ordinal(), c.number(), c.name());
            assertEquals(Optional.of(c), Capability.byNumber(c.number()));
        }
        assertEquals(Optional.empty(), Capability.byNumber(41));
        assertEquals(Optional.empty(), Capability.byNumber(-1));
        assertEquals("CAP_CHOWN", Capability.names().get(0));
        assertEquals(41, Capability.names().size());
    }

    @Test
    void theTableMatchesTheKernelHeader() throws IOException {
        Path header = Path.of("/usr/include/linux/capability.h");
        Assumptions.assumeTrue(Files.isReadable(header), "needs the kernel headers (linux-libc-dev) at " + header);
        Map<String, Integer> defined = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#define\\s+(CAP_[A-Z_]+)\\s+(\\d+)\\s*$").matcher(Files.readString(header));
        while (m.find()) {
            defined.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> ours = new LinkedHashMap<>();
        for (Capability c : Capability.values()) {
            ours.put(c.name(), c.number());
        }
        // A newer header may define more: every one this table has must match, and the
        // header's capabilities up to CAP_CHECKPOINT_RESTORE must all be here.
        defined.entrySet().removeIf(e -> e.getValue() > Capability.CAP_CHECKPOINT_RESTORE.number());
        assertEquals(defined, ours);
    }
}
