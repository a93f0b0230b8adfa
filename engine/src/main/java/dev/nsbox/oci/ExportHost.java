package dev.nsbox.oci;

import dev.nsbox.seccomp.SeccompArch;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What an export needs to know about the machine it runs on, read once by the caller so that
 * {@link OciBundle} stays pure: the top level of the host's {@code /} (for {@code root: host}),
 * which paths exist (an {@code optional} bind is left out when its source does not) and which
 * are files (a read-only file is bound {@code ro}: crun 1.8 opens an {@code rro} target as a
 * directory, ENOTDIR), the
 * caller's ids (the user namespace's mapping) and the architecture of the seccomp filter.
 *
 * <p>Immutable. The root entries are sorted by name so that the same host gives the same bundle.
 */
public record ExportHost(List<RootEntry> rootEntries, Predicate<String> exists, Predicate<String> isFile, int uid,
                         int gid, SeccompArch arch) {

    public ExportHost {
        Objects.requireNonNull(exists, "exists");
        Objects.requireNonNull(isFile, "isFile");
        Objects.requireNonNull(arch, "arch");
        rootEntries = rootEntries.stream().sorted(Comparator.comparing(RootEntry::name)).toList();
    }
}
