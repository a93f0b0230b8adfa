package dev.nsbox.cgroups;

import java.util.Objects;

/**
 * One step of making a sandbox's cgroup, as data: {@link Cgroups#plan} lists them, {@code plan}
 * prints them in C call syntax, and {@link Cgroups#create} performs exactly them in order.
 */
public sealed interface CgroupOp {

    /** The step in C call syntax, with a C comment where it is conditional. */
    String describe();

    /**
     * mkdir(2) of a cgroup directory.
     *
     * @param path     the directory
     * @param ifAbsent true for a shared parent nsbox keeps: an existing one is used as it is
     */
    record Mkdir(String path, boolean ifAbsent) implements CgroupOp {
        public Mkdir {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String describe() {
            return "mkdir(\"" + path + "\", 0755)" + (ifAbsent ? " /* unless it exists */" : "");
        }
    }

    /**
     * One write(2) of a value to an interface file.
     *
     * @param path      the file
     * @param value     what is written
     * @param ifPresent true where the kernel may lack the file (swap accounting off:
     *                  {@code memory.swap.max}, {@code memory.memsw.limit_in_bytes}); skipped then
     */
    record Write(String path, String value, boolean ifPresent) implements CgroupOp {
        public Write {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String describe() {
            return "write(\"" + path + "\", \"" + value + "\")" + (ifPresent ? " /* where the kernel has it */" : "");
        }
    }

    /**
     * Moves every process of the cgroup {@code from} into {@code to}, one write of a pid to
     * {@code to/cgroup.procs} each, until {@code from/cgroup.procs} is empty: cgroup v2 lets a
     * cgroup enable controllers for its children only while it holds no process itself
     * (Documentation/admin-guide/cgroup-v2.rst, "No Internal Process Constraint").
     */
    record MoveProcesses(String from, String to) implements CgroupOp {
        public MoveProcesses {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }

        @Override
        public String describe() {
            return "write(\"" + to + "/cgroup.procs\", PID) /* for each PID in " + from + "/cgroup.procs */";
        }
    }
}
