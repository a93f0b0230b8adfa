package dev.nsbox.plan;

import dev.nsbox.mounts.Kernel;
import dev.nsbox.mounts.MountEvent;
import dev.nsbox.mounts.MountInfo;
import dev.nsbox.mounts.MountNamespace;
import dev.nsbox.mounts.MountTable;
import dev.nsbox.spec.Origin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code nsbox explain --format dot}: the sandbox's mount tree after set-up as a Graphviz graph,
 * from the same {@link Simulator} run as the text of {@link Explainer}.
 *
 * <ul>
 *   <li>A box per mount of the sandbox: the ones the plan made (named by the spec's
 *       {@code mounts[N]}, and the base file when {@code extends} brought it), and the mounts on
 *       the way to them from {@code /}; the other copies of the host's mounts are counted in one
 *       grey box, so that a host with fifty mounts still gives a picture one can read.</li>
 *   <li>Solid arrows: the tree (a mount points at the mounts on top of it).</li>
 *   <li>Dashed arrows labelled with a peer group: where a mount's copies go, one per propagation
 *       event of the simulation, and the peer groups that still join a sandbox mount to a mount
 *       of another namespace.</li>
 *   <li>Red: everything that reaches the host (a host effect), and the host's mounts it reaches,
 *       in a cluster of their own.</li>
 * </ul>
 *
 * <p>Nodes are named in the order they first appear ({@code s1}, {@code s2}, ... for the
 * sandbox's mounts, {@code h1}, ... for the host's), not by the kernel's mount IDs, which differ
 * from one mount namespace to the next (proc_pid_mountinfo(5): IDs are reused and allocated per
 * mount): two builds on one host write the same bytes.
 *
 * <p>Pure: no I/O; the same simulation always gives the same text.
 */
public final class ExplainDot {

    private ExplainDot() {
    }

    private static final String RED = "#c0392b";
    private static final String GREY = "#7f8c8d";

    /** The graph of {@code plan} simulated on {@code host} with the rules of {@code kernel}. */
    public static String dot(Plan plan, MountTable host, Kernel kernel) {
        String file = plan.spec() == null ? null : plan.spec().file();
        String name = plan.spec() == null || plan.spec().name() == null ? file : plan.spec().name();
        return dot(Simulator.simulate(plan, host, kernel), name, file);
    }

    /**
     * @param title    the graph's title (the spec's name)
     * @param specFile the spec's own file: a mount a base file wrote says which file that was
     */
    public static String dot(Simulation sim, String title, String specFile) {
        MountTable sandbox = sim.sandboxAfter();
        Map<Integer, OpOutcome> made = new LinkedHashMap<>();
        for (OpOutcome o : sim.outcomes()) {
            if (o.mountId() != 0 && sandbox.byId(o.mountId()).isPresent()) {
                made.put(o.mountId(), o);
            }
        }
        // The mounts shown: those the plan made and the mounts below them up to /.
        Set<Integer> shown = new LinkedHashSet<>();
        sandbox.root().ifPresent(r -> shown.add(r.id()));
        for (int id : made.keySet()) {
            MountInfo m = sandbox.byId(id).orElse(null);
            while (m != null && shown.add(m.id())) {
                m = sandbox.parent(m).orElse(null);
            }
        }
        Map<Integer, List<MountInfo>> hostPeers = new LinkedHashMap<>();
        if (sim.ownNamespace()) {
            for (MountInfo m : sandbox.mounts()) {
                List<MountInfo> peers = peersInHost(m, sim.hostAfter());
                if (!peers.isEmpty() && shown.contains(m.id())) {
                    hostPeers.put(m.id(), peers);
                }
            }
        }

        StringBuilder sb = new StringBuilder();
        sb.append("digraph nsbox {\n");
        sb.append("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=")
                .append(quote((title == null ? "spec" : title) + ": the sandbox's mounts after set-up\n"
                        + verdict(sim))).append("];\n");
        sb.append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", "
                + "fontsize=10];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=9];\n");

        sb.append("  subgraph cluster_sandbox {\n    label=\"sandbox (")
                .append(sim.ownNamespace() ? "its own mount namespace" : "the host's namespace: none of its own")
                .append(")\";\n    color=\"#2c3e50\";\n");
        for (MountInfo m : sandbox.mounts()) {
            if (!shown.contains(m.id())) {
                continue;
            }
            OpOutcome o = made.get(m.id());
            List<String> lines = new ArrayList<>();
            lines.add(m.mountPoint());
            lines.add(m.fsType() + (m.readOnly() ? ", read-only" : ""));
            lines.add(m.propagationFields());
            String fill = "#ffffff";
            if (o != null) {
                lines.add(o.label() + from(o.op().origin(), specFile));
                fill = "#d6eaf8";
            } else {
                lines.add("copy of the host's");
            }
            boolean leaks = sim.effects().stream().anyMatch(e -> e.label().equals(o == null ? null : o.label()));
            sb.append("    ").append(node("s", m.id())).append(" [label=").append(quote(String.join("\n", lines)))
                    .append(", fillcolor=\"").append(fill).append('"')
                    .append(leaks ? ", color=\"" + RED + "\", penwidth=2" : "").append("];\n");
        }
        int hidden = sandbox.size() - (int) sandbox.mounts().stream().filter(m -> shown.contains(m.id())).count();
        if (hidden > 0) {
            sb.append("    others [label=").append(quote(hidden + " more cop" + (hidden == 1 ? "y" : "ies")
                    + " of host mounts,\nuntouched by the plan")).append(", color=\"").append(GREY)
                    .append("\", fontcolor=\"").append(GREY).append("\", style=\"rounded,dashed\"];\n");
        }
        sb.append("  }\n");

        // The host's side: the mounts a sandbox mount is joined to, and those an effect reaches.
        Map<String, String> hostNodes = new LinkedHashMap<>();
        List<String> edges = new ArrayList<>();
        for (MountInfo m : sandbox.mounts()) {
            if (shown.contains(m.id()) && m.parentId() != m.id()) {
                sandbox.byId(m.parentId()).filter(p -> shown.contains(p.id()))
                        .ifPresent(p -> edges.add(node("s", p.id()) + " -> " + node("s", m.id()) + ";"));
            }
        }
        int other = 0;
        Set<String> reached = new LinkedHashSet<>();
        Map<String, String> otherNodes = new LinkedHashMap<>();
        for (OpOutcome o : sim.outcomes()) {
            for (MountEvent ev : o.events()) {
                if (ev.via() == null) {
                    continue;
                }
                boolean host = ev.namespace() == sim.host() && sim.host() != sim.sandbox();
                String target;
                if (host) {
                    target = node("h", ev.mountId());
                    if (ev.kind() == MountEvent.Kind.UMOUNT) {
                        target = "hx" + (other++);
                    }
                    hostNodes.put(target, (ev.kind() == MountEvent.Kind.UMOUNT ? "unmounted: " : "new: ")
                            + ev.path() + "\n" + ev.fsType() + "\n(" + o.label() + ", propagated)");
                    reached.add(target);
                } else if (ev.namespace() == sim.sandbox()) {
                    target = node("s", ev.mountId());
                    if (!shown.contains(ev.mountId())) {
                        continue;
                    }
                } else {
                    target = "ox" + (other++);
                    otherNodes.put(target, ev.path() + "\n" + ev.fsType() + "\nin " + name(ev.namespace()));
                }
                String source = o.mountId() != 0 && shown.contains(o.mountId()) ? node("s", o.mountId()) : null;
                if (source == null) {
                    continue;
                }
                edges.add(source + " -> " + target + " [style=dashed, label=" + quote(ev.kind().word()
                        + " copy via " + ev.via()) + (host ? ", color=\"" + RED + "\", fontcolor=\"" + RED
                        + "\", penwidth=2" : "") + "];");
            }
        }
        for (Map.Entry<Integer, List<MountInfo>> e : hostPeers.entrySet()) {
            MountInfo m = sandbox.byId(e.getKey()).orElseThrow();
            for (MountInfo h : e.getValue()) {
                if (reached.contains(node("h", h.id()))) {
                    continue; // the copy's own arrow already says how it got there
                }
                hostNodes.putIfAbsent(node("h", h.id()), hostLabel(h));
                boolean out = m.sharedGroup() != 0 && m.sharedGroup() == h.sharedGroup();
                String group = out ? "shared:" + m.sharedGroup() : "master:" + m.masterGroup();
                // A peer sends both ways; a slave only receives from its master.
                edges.add(node("s", m.id()) + " -> " + node("h", h.id()) + " [style=dashed, dir="
                        + (out ? "both" : "back") + ", label=" + quote("peer group " + group
                        + (out ? "" : "\n(receives only)")) + (out ? ", color=\"" + RED + "\", fontcolor=\"" + RED
                        + "\"" : ", color=\"" + GREY + "\"") + "];");
            }
        }
        if (!hostNodes.isEmpty()) {
            sb.append("  subgraph cluster_host {\n    label=\"host\";\n    color=\"").append(RED)
                    .append("\";\n    fontcolor=\"").append(RED).append("\";\n");
            hostNodes.forEach((id, label) -> sb.append("    ").append(id).append(" [label=").append(quote(label))
                    .append(reached.contains(id) ? ", color=\"" + RED + "\", fillcolor=\"#fadbd8\", penwidth=2"
                            : "").append("];\n"));
            sb.append("  }\n");
        }
        otherNodes.forEach((id, label) -> sb.append("  ").append(id).append(" [label=").append(quote(label))
                .append(", style=\"rounded,dashed\"];\n"));
        for (String e : edges) {
            sb.append("  ").append(e).append('\n');
        }
        sb.append("}\n");
        return renumber(sb.toString());
    }

    /**
     * {@code dot} with each node name outside quotes ({@code s} or {@code h} and a mount ID)
     * replaced by the same letter and its rank of first appearance.
     */
    static String renumber(String dot) {
        Map<String, String> names = new LinkedHashMap<>();
        Map<Character, Integer> counts = new LinkedHashMap<>();
        StringBuilder out = new StringBuilder(dot.length());
        boolean quoted = false;
        for (int i = 0; i < dot.length(); i++) {
            char c = dot.charAt(i);
            if (quoted) {
                out.append(c);
                if (c == '\\' && i + 1 < dot.length()) {
                    out.append(dot.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (c == '"') {
                quoted = true;
                out.append(c);
                continue;
            }
            boolean start = (c == 's' || c == 'h') && (i == 0 || !Character.isLetterOrDigit(dot.charAt(i - 1))
                    && dot.charAt(i - 1) != '_');
            int end = i + 1;
            while (start && end < dot.length() && Character.isDigit(dot.charAt(end))) {
                end++;
            }
            if (start && end > i + 1 && (end == dot.length() || !Character.isLetterOrDigit(dot.charAt(end)))) {
                String old = dot.substring(i, end);
                out.append(names.computeIfAbsent(old, k -> c + String.valueOf(counts.merge(c, 1, Integer::sum))));
                i = end - 1;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The host's mounts in a peer group with {@code m} (both ways) or its master (into the sandbox). */
    private static List<MountInfo> peersInHost(MountInfo m, MountTable host) {
        List<MountInfo> peers = new ArrayList<>();
        for (MountInfo h : host.mounts()) {
            if (h.sharedGroup() != 0 && (h.sharedGroup() == m.sharedGroup() || h.sharedGroup() == m.masterGroup())) {
                peers.add(h);
            }
        }
        return peers;
    }

    private static String hostLabel(MountInfo h) {
        return h.mountPoint() + "\n" + h.fsType() + "\n" + h.propagationFields();
    }

    private static String verdict(Simulation sim) {
        if (!sim.ownNamespace()) {
            return "NOT sealed: no mount namespace of its own";
        }
        return sim.sealed() ? "sealed: nothing propagates to the host"
                : "NOT sealed: red marks what reaches the host";
    }

    private static String from(Origin o, String specFile) {
        return specFile == null || o.file().equals(specFile) || o.line() <= 0 ? ""
                : "\nfrom " + o.location();
    }

    private static String name(MountNamespace ns) {
        return ns.anonymous() ? "a detached tree" : ns.name();
    }

    private static String node(String prefix, int id) {
        return prefix + id;
    }

    /** A DOT string: quotes and backslashes escaped, line breaks as DOT's centred {@code \n}. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < 0x20 ? ' ' : c);
            }
        }
        return sb.append('"').toString();
    }
}
