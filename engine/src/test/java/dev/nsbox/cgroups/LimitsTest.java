package dev.nsbox.cgroups;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitsTest {

    @Test
    void cpuBecomesAQuotaPerHundredMilliseconds() {
        assertEquals(OptionalLong.of(150_000), Limits.NONE.withCpu(new BigDecimal("1.5")).cpuQuotaMicros());
        assertEquals(OptionalLong.of(200_000), Limits.NONE.withCpu(new BigDecimal("2")).cpuQuotaMicros());
        assertEquals(OptionalLong.of(12_346), Limits.NONE.withCpu(new BigDecimal("0.123456")).cpuQuotaMicros());
        // The kernel refuses a quota under 1 ms.
        assertEquals(OptionalLong.of(1_000), Limits.NONE.withCpu(new BigDecimal("0.001")).cpuQuotaMicros());
        assertEquals(OptionalLong.of(1_000), Limits.NONE.withCpu(new BigDecimal("0.0001")).cpuQuotaMicros());
        assertEquals(OptionalLong.empty(), Limits.NONE.cpuQuotaMicros());
    }

    @Test
    void rlimitsAreSoftEqualsHardInSetOrder() {
        Limits l = Limits.NONE.withFileSize(1L << 30).withOpenFiles(1024);
        assertEquals(List.of(new Limits.Rlimit("RLIMIT_NOFILE", 7, 1024, 1024),
                new Limits.Rlimit("RLIMIT_FSIZE", 1, 1L << 30, 1L << 30)), l.rlimits());
        assertEquals("setrlimit(RLIMIT_NOFILE, {1024, 1024})", l.rlimits().get(0).describe());
        assertFalse(l.needsCgroup());
        assertTrue(Limits.NONE.rlimits().isEmpty());
    }

    @Test
    void controllersFollowTheLimitsGiven() {
        assertEquals(Set.of(), Limits.NONE.controllers());
        assertEquals(List.of("memory", "pids", "cpu"), List.copyOf(
                Limits.NONE.withCpu(BigDecimal.ONE).withPids(5).withMemory(1).controllers()));
        assertEquals(List.of("pids"), List.copyOf(Limits.NONE.withPids(5).controllers()));
        assertTrue(Limits.NONE.withPids(5).needsCgroup());
    }

    @Test
    void nonsenseIsRefusedWhenMade() {
        assertEquals("memory must be more than 0 bytes: 0",
                assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withMemory(0)).getMessage());
        assertEquals("pids must be at least 1: 0",
                assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withPids(0)).getMessage());
        assertEquals("cpu must be more than 0: 0.0",
                assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withCpu(new BigDecimal("0.0")))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withOpenFiles(-1));
        assertThrows(IllegalArgumentException.class, () -> Limits.NONE.withFileSize(-1));
    }
}
