package dev.nsbox.cgroups;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a sandbox's cgroup will be made on this machine: the steps in order, and what the
 * resulting cgroup is.
 *
 * <p>Immutable. Computing it reads the cgroup files but writes none.
 *
 * @param name        the sandbox cgroup's own name ({@code nsbox-1234-1})
 * @param mode        the layout it was planned for
 * @param ops         the steps, in order
 * @param directories per controller ({@code memory}, {@code pids}, {@code cpu}), the sandbox
 *                    cgroup's directory; one directory for all on cgroup v2
 * @param limits      the limits it writes
 */
public record CgroupPlan(String name, CgroupLayout.Mode mode, List<CgroupOp> ops, Map<String, String> directories,
                         Limits limits) {

    public CgroupPlan {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(limits, "limits");
        ops = List.copyOf(ops);
        directories = Map.copyOf(directories);
    }

    /** Every step in C call syntax, one a line. */
    public List<String> describe() {
        return ops.stream().map(CgroupOp::describe).toList();
    }
}
