package dev.nsbox.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * A generated spec, kept as data so that a failing case can be shrunk mount by mount. Paths may
 * contain {@code $B}, the scratch base directory.
 */
record SpecShape(String propagation, boolean pid, String rootType, boolean rootReadOnly, List<MountShape> mounts) {

    /**
     * One entry of {@code mounts:}; a field that is {@code null} is left out of the YAML (the
     * spec's default applies).
     */
    record MountShape(String type, String source, String target, Boolean recursive, Boolean readOnly,
                      String propagation) {

        String yaml(String base) {
            List<String> kv = new ArrayList<>();
            kv.add("type: " + type);
            if (source != null) {
                kv.add("source: \"" + source.replace("$B", base) + "\"");
            }
            kv.add("target: \"" + target.replace("$B", base) + "\"");
            if (recursive != null) {
                kv.add("recursive: " + recursive);
            }
            if (readOnly != null) {
                kv.add("readOnly: " + readOnly);
            }
            if (propagation != null) {
                kv.add("propagation: " + propagation);
            }
            return "  - {" + String.join(", ", kv) + "}\n";
        }
    }

    SpecShape withMounts(List<MountShape> m) {
        return new SpecShape(propagation, pid, rootType, rootReadOnly, List.copyOf(m));
    }

    SpecShape withPropagation(String p) {
        return new SpecShape(p, pid, rootType, rootReadOnly, mounts);
    }

    boolean hostRoot() {
        return rootType.equals("host");
    }

    /**
     * The spec's text. A host root reads its own mount table in a step (the sandbox side of the
     * comparison); a tmpfs root has no programs, so its step fails to start, which still marks
     * the moment set-up is done.
     */
    String yaml(String base) {
        StringBuilder sb = new StringBuilder("version: 1\nname: fuzz\n");
        sb.append("namespaces: [mount").append(pid ? ", pid" : "").append("]\n");
        sb.append("propagation: ").append(propagation).append('\n');
        sb.append("hostEffects: allow\n");
        sb.append("root: {type: ").append(rootType).append(rootReadOnly ? ", readOnly: true" : "").append("}\n");
        sb.append("process: {cwd: /}\n");
        if (!mounts.isEmpty()) {
            sb.append("mounts:\n");
            for (MountShape m : mounts) {
                sb.append(m.yaml(base));
            }
        }
        // A spec may cover /proc (a bind on it): the table is then unreadable, which is no failure.
        sb.append("steps:\n  - name: probe\n    run: [/bin/sh, -c, \"cat /proc/self/mountinfo 2>/dev/null; exit 0\"]\n");
        return sb.toString();
    }
}
