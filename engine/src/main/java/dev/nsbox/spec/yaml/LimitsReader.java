package dev.nsbox.spec.yaml;

import dev.nsbox.spec.LimitsSpec;
import dev.nsbox.spec.Origins;
import dev.nsbox.spec.yaml.NodeReader.Entry;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

import static dev.nsbox.spec.yaml.NodeReader.opt;

/**
 * Reads {@code limits:}: sizes as elsewhere in the spec, counts as whole numbers, {@code cpu} as
 * a decimal number of CPUs. Each value is checked here so that the executor never meets a value
 * the kernel would refuse or read differently (a cgroup's {@code pids.max} of 0, a CPU quota
 * below the kernel's 1 ms minimum).
 */
final class LimitsReader {

    /** cpu.max refuses a quota below 1000 us; with the 100000 us period that is 0.01 CPU. */
    static final BigDecimal MIN_CPU = new BigDecimal("0.01");
    /** A sane upper bound that still fits cpu.max's quota in 64 bits. */
    static final BigDecimal MAX_CPU = new BigDecimal("100000");

    private final NodeReader r;

    LimitsReader(NodeReader r) {
        this.r = r;
    }

    LimitsSpec limits(Entry e) {
        MappingNode m = r.map(e.value(), "limits");
        if (m == null) {
            return LimitsSpec.none(r.at(e.key(), "limits"));
        }
        Map<String, Entry> f = r.fields(m, "limits", Grammar.LIMITS.names(), "limits");
        Long memory = opt(f, "memory", n -> size(n, "limits.memory"));
        Long pids = opt(f, "pids", n -> count(n, "limits.pids"));
        BigDecimal cpu = opt(f, "cpu", n -> cpu(n, "limits.cpu"));
        Long openFiles = opt(f, "openFiles", n -> count(n, "limits.openFiles"));
        Long fileSize = opt(f, "fileSize", n -> size(n, "limits.fileSize"));
        return new LimitsSpec(memory, pids, cpu, openFiles, fileSize,
                new Origins(r.at(e.key(), "limits"), r.originsOf(f, "limits")));
    }

    private Long size(Node n, String path) {
        String s = r.number(n, path, "a size such as 256m, 2g or a number of bytes");
        return s == null ? null : r.convert(n, path, s, Values::size);
    }

    private Long count(Node n, String path) {
        String s = r.number(n, path, "a whole number of at least 1");
        if (s == null) {
            return null;
        }
        BigInteger v = NodeReader.integer(s);
        if (v == null || v.signum() <= 0 || v.bitLength() > 62) {
            r.error(r.at(n, path), path + " must be a whole number from 1 to " + Long.MAX_VALUE / 2 + ", got \""
                    + Values.printable(s) + "\"");
            return null;
        }
        return v.longValue();
    }

    private BigDecimal cpu(Node n, String path) {
        String s = r.number(n, path, "a number of CPUs such as 1.5");
        if (s == null) {
            return null;
        }
        BigDecimal v;
        try {
            v = new BigDecimal(s);
        } catch (NumberFormatException ex) {
            v = null;
        }
        if (v == null || v.compareTo(MIN_CPU) < 0 || v.compareTo(MAX_CPU) > 0) {
            r.error(r.at(n, path), path + " must be a number of CPUs from " + MIN_CPU + " to " + MAX_CPU
                    + ", such as 1.5, got \"" + Values.printable(s) + "\"");
            return null;
        }
        return v;
    }
}
