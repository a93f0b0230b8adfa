package dev.nsbox;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository is self-contained: every relative link of README.md and docs/ leads to a file
 * of the repository, and to a heading that exists when it names one; no file names a document
 * that lives outside it (the spec contract and the platform notes are docs/spec.md and
 * docs/platform.md now), and every {@code docs/...md} a comment names exists.
 */
class DocsLinksTest {

    /** Inline links and images, {@code [text](target)} and {@code [text](target "title")}. */
    private static final Pattern INLINE = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** Reference definitions, {@code [label]: target}. */
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    /**
     * A path into this repository's docs/ as comments write it. Its pages are named in lower
     * case; an upper-case name is another project's (systemd's docs/CGROUP_DELEGATION.md).
     */
    private static final Pattern DOCS_PATH = Pattern.compile("(?<![\\w./-])docs/[a-z0-9./-]*[a-z0-9]\\.md\\b");
    /**
     * Names of documents outside the repository. Written in two parts so that this file does not
     * name them itself.
     */
    private static final List<String> OUTSIDE = List.of("../" + "shared", "SPEC" + ".md", "PLATFORM" + ".md",
            "STYLE" + ".md", "docs/" + "design.md");

    private static Path root;
    private static List<Path> textFiles;

    @BeforeAll
    static void findTheRepository() throws IOException {
        // Surefire runs in engine/; the repository is its parent.
        root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("README.md")) && Files.isDirectory(root.resolve("docs")),
                root + " is not the repository's root");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> Files.isRegularFile(p) && !ignored(root.relativize(p)))
                    .forEach(files::add);
        }
        textFiles = files.stream().filter(DocsLinksTest::isText).toList();
        assertTrue(textFiles.size() > 100, "found only " + textFiles.size() + " text files under " + root);
    }

    /** Build output, version control and editor state; nothing of it is committed. */
    private static boolean ignored(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isText(Path p) {
        try {
            if (Files.size(p) > 4 << 20) {
                return false;
            }
            byte[] bytes = Files.readAllBytes(p);
            for (byte b : bytes) {
                if (b == 0) {
                    return false;
                }
            }
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> markdown() throws IOException {
        List<Path> md = new ArrayList<>();
        md.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(md::add);
        }
        return md;
    }

    @Test
    void everyRelativeLinkOfTheDocsResolvesInsideTheRepository() throws IOException {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path md : markdown()) {
            List<String> lines = Files.readAllLines(md);
            for (int i = 0; i < lines.size(); i++) {
                for (String target : links(lines, i)) {
                    links++;
                    String problem = check(md, target, anchors);
                    if (problem != null) {
                        broken.add(root.relativize(md) + ":" + (i + 1) + ": " + target + ": " + problem);
                    }
                }
            }
        }
        assertTrue(links > 50, "found only " + links + " links");
        assertEquals(List.of(), broken);
    }

    @Test
    void noFileNamesADocumentOutsideTheRepository() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path f : textFiles) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                for (String name : OUTSIDE) {
                    if (lines.get(i).contains(name)) {
                        found.add(root.relativize(f) + ":" + (i + 1) + ": " + name);
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void everyDocsFileAFileNamesExists() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path f : textFiles) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = DOCS_PATH.matcher(lines.get(i));
                while (m.find()) {
                    if (!Files.isRegularFile(root.resolve(m.group()))) {
                        missing.add(root.relativize(f) + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void theCheckerSeesABrokenLinkAndAMissingAnchor() {
        Map<Path, Set<String>> anchors = new HashMap<>();
        Path readme = root.resolve("README.md");
        assertEquals(null, check(readme, "docs/architecture.md", anchors));
        assertEquals("no such file", check(readme, "docs/no-such-page" + ".md", anchors));
        assertEquals("no heading #no-such-heading", check(readme, "docs/architecture.md#no-such-heading", anchors));
        assertEquals("outside the repository", check(readme, "../elsewhere.md", anchors));
        assertEquals(List.of("a.md#b", "c.md"), links(List.of("[x](a.md#b) `[y](code.md)` and [z](c.md \"t\")"), 0));
        assertEquals(Set.of("the-spec-contract-version-1", "why-a-spec-and-not-just-unshare", "a-b", "a-b-1"),
                slugs(List.of("# The spec contract, version 1", "## Why a spec, and not just `unshare`",
                        "## A b", "```", "# not a heading", "```", "## A b")));
    }

    /** The link targets on line {@code i}, outside fenced code and inline code spans. */
    private static List<String> links(List<String> lines, int i) {
        boolean fenced = false;
        for (int k = 0; k < i; k++) {
            if (lines.get(k).stripLeading().startsWith("```")) {
                fenced = !fenced;
            }
        }
        String line = lines.get(i);
        if (fenced || line.stripLeading().startsWith("```")) {
            return List.of();
        }
        String text = line.replaceAll("`[^`]*`", "");
        List<String> targets = new ArrayList<>();
        Matcher m = INLINE.matcher(text);
        while (m.find()) {
            targets.add(m.group(1));
        }
        Matcher r = REFERENCE.matcher(text);
        if (r.matches()) {
            targets.add(r.group(1));
        }
        return targets;
    }

    /** Why {@code target}, linked from {@code md}, does not resolve; null when it does. */
    private static String check(Path md, String target, Map<Path, Set<String>> anchors) {
        if (target.matches("[a-zA-Z][a-zA-Z+.-]*:.*")) {
            return null; // https:, mailto: and the like leave the repository on purpose
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? md : md.getParent().resolve(file).normalize();
        if (!resolved.startsWith(root)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor != null && resolved.toString().endsWith(".md")) {
            Set<String> known = anchors.computeIfAbsent(resolved, p -> {
                try {
                    return slugs(Files.readAllLines(p));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            if (!known.contains(anchor)) {
                return "no heading #" + anchor;
            }
        }
        return null;
    }

    /**
     * The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as
     * hyphens, and {@code -1}, {@code -2}, ... on repeats.
     */
    private static Set<String> slugs(List<String> lines) {
        Set<String> slugs = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : lines) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) {
                continue;
            }
            String slug = m.group(1).toLowerCase(Locale.ROOT)
                    .replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1")
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            slugs.add(n == 0 ? slug : slug + "-" + n);
        }
        return slugs;
    }
}
