package dev.nsbox.spec.yaml;

import dev.nsbox.spec.Diagnostic;
import dev.nsbox.spec.Origin;
import dev.nsbox.spec.Spec;
import dev.nsbox.spec.SpecException;
import dev.nsbox.validate.Validator;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Reads a spec file (version 1 of docs/spec-reference.md) into a checked {@link Spec}: strict UTF-8, one YAML
 * 1.2 document (core schema), every key and value checked, variables expanded, then every check
 * of {@link Validator}.
 *
 * <p>Hostile input fails fast with one error: files over {@value #MAX_BYTES} bytes are refused
 * before they are parsed (and never read further than one byte past the limit), anchors, aliases
 * and merge keys are refused (a spec has no use for them, and they are how "billion laughs"
 * documents grow), nesting deeper than {@value #MAX_DEPTH} levels is
 * refused as the composer takes each event ({@link CheckedParser}), so the recursive composer
 * never goes deeper than that.
 *
 * <p>Stateless and thread-safe. Reads only the spec file itself.
 */
public final class SpecLoader {

    private SpecLoader() {
    }

    /**
     * The largest spec accepted, in bytes. Real specs are a few kilobytes; this leaves room for
     * fifty times that, while the worst legal file still loads in well under a second (a 1 MiB
     * one took two to four seconds of YAML parsing alone on a busy two-core machine).
     */
    public static final int MAX_BYTES = 256 * 1024;
    /** How many diagnostics a failing spec reports at most (then one line counting the rest). */
    public static final int MAX_DIAGNOSTICS = 100;
    /** The deepest nesting of maps and lists accepted; a spec needs five. */
    public static final int MAX_DEPTH = 32;

    /** {@link #load(Path, String, Map)} naming the file by its path. */
    public static LoadedSpec load(Path file, Map<String, String> variables) throws SpecException {
        return load(file, file.toString(), variables);
    }

    /**
     * Loads and checks the spec in {@code file}.
     *
     * @param displayName how messages name the file (the path as the user typed it)
     * @param variables   values for {@code ${name}}; see {@link Variables#forCli}
     * @throws SpecException with every error and warning, in document order
     */
    public static LoadedSpec load(Path file, String displayName, Map<String, String> variables) throws SpecException {
        return load(file, displayName, variables, (f, b) -> { });
    }

    /**
     * {@link #load(Path, String, Map)}, telling {@code reads} the bytes of every file it reads
     * (the spec, then each {@code extends} base; absolute, normalized), exactly as they were parsed:
     * what a cache of the result must check again (the engine's plan cache).
     */
    public static LoadedSpec load(Path file, String displayName, Map<String, String> variables,
                                  BiConsumer<Path, byte[]> reads) throws SpecException {
        byte[] bytes = read(file, displayName);
        reads.accept(file.toAbsolutePath().normalize(), bytes);
        String text = decode(bytes, displayName);
        Path dir = file.toAbsolutePath().normalize().getParent();
        return load(text, displayName, dir == null ? Path.of("/") : dir, variables, file.toAbsolutePath().normalize(),
                reads);
    }

    /**
     * Loads and checks a spec given as text (tests, the Maven plugin).
     *
     * @param baseDir the folder relative paths are resolved against, made absolute
     * @throws SpecException with every error and warning, in document order
     */
    public static LoadedSpec load(String text, String displayName, Path baseDir, Map<String, String> variables)
            throws SpecException {
        return load(text, displayName, baseDir, variables, null, (f, b) -> { });
    }

    /** @param file the spec's own file, absolute, to tell a cycle of {@code extends}; null for text */
    private static LoadedSpec load(String text, String displayName, Path baseDir, Map<String, String> variables,
            Path file, BiConsumer<Path, byte[]> reads) throws SpecException {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        Node doc = compose(text, displayName);
        String base = baseDir.toAbsolutePath().normalize().toString();
        Extends ext = new Extends((f, label) -> composeBase(f, label, reads));
        doc = ext.compose(doc, new Extends.Document(displayName, base, text), file);
        SpecReader reader = new SpecReader(displayName, base, variables, text);
        reader.documents(ext.documents());
        Spec spec = reader.read(doc);
        List<Diagnostic> all = new ArrayList<>(ext.diagnostics());
        all.addAll(reader.diagnostics());
        if (spec != null) {
            all.addAll(Validator.validate(spec));
        } else if (reader.partial() != null && all.stream().noneMatch(d -> d.isError()
                && d.origin().path().startsWith("namespaces"))) {
            // Every problem at once: the checks across parts run on what did parse. Not when the
            // namespaces are in error: each check that needs one would only repeat that error.
            all.addAll(Validator.validate(reader.partial()));
        }
        // The spec's own problems first, then each base's, each file in line order.
        List<String> files = List.copyOf(ext.documents().keySet());
        // One comparator of our own: Comparator.comparingInt(...).thenComparingInt(...) makes
        // lambdas of the JDK's that an AppCDS archive of JDK 17 does not keep, spun on every cold start.
        all.sort((a, b) -> {
            int c = Integer.compare(Math.max(0, files.indexOf(a.origin().file())),
                    Math.max(0, files.indexOf(b.origin().file())));
            if (c == 0) {
                c = Integer.compare(a.origin().line(), b.origin().line());
            }
            return c != 0 ? c : Integer.compare(a.origin().column(), b.origin().column());
        });
        if (spec == null || all.stream().anyMatch(Diagnostic::isError)) {
            throw new SpecException(capped(all));
        }
        return new LoadedSpec(spec, all);
    }

    /** One document's tree, every limit checked, its marks named {@code label}. */
    private static Node compose(String text, String label) throws SpecException {
        if (text.length() > MAX_BYTES) {
            throw new SpecException(Diagnostic.error(new Origin(label, 1, 1, ""),
                    "the spec is " + text.length() + " characters long; a spec may be at most " + MAX_BYTES
                            + " bytes (256 KiB)"));
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setSchema(new CoreSchema())
                .setUseMarks(true)
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(0)
                .setCodePointLimit(MAX_BYTES + 1)
                .build();
        try {
            Optional<Node> composed;
            try {
                composed = new Composer(settings, new CheckedParser(new ParserImpl(settings,
                        new StreamReader(settings, new StringReader(text))), label, MAX_DEPTH)).getSingleNode();
            } catch (CheckedParser.Refused r) {
                throw r.refusal();
            }
            if (composed.isEmpty()) {
                throw new SpecException(Diagnostic.error(new Origin(label, 1, 1, ""),
                        "the spec is empty; it needs at least \"version: 1\""));
            }
            return composed.get();
        } catch (YamlEngineException e) {
            throw new SpecException(syntaxError(e, text, label));
        }
    }

    /** A base file of {@code extends}: read and composed under the same limits as a spec. */
    private static Map.Entry<Node, String> composeBase(Path file, String label, BiConsumer<Path, byte[]> reads)
            throws SpecException {
        byte[] bytes = read(file, label);
        reads.accept(file.toAbsolutePath().normalize(), bytes);
        String text = decode(bytes, label);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return Map.entry(compose(text, label), text);
    }

    /**
     * The first {@value #MAX_DIAGNOSTICS} diagnostics, and one more line saying how many were left
     * out, as compilers do: past that, more lines only hide the first, which is the one to fix.
     */
    private static List<Diagnostic> capped(List<Diagnostic> all) {
        if (all.size() <= MAX_DIAGNOSTICS) {
            return all;
        }
        List<Diagnostic> shown = new ArrayList<>(all.subList(0, MAX_DIAGNOSTICS));
        int more = all.size() - MAX_DIAGNOSTICS;
        shown.add(Diagnostic.error(all.get(MAX_DIAGNOSTICS).origin(), more + " more problem"
                + (more == 1 ? "" : "s") + " not shown"));
        return shown;
    }

    /** One line for a YAML syntax error, at the problem's mark. */
    private static Diagnostic syntaxError(YamlEngineException e, String text, String file) {
        if (e instanceof MarkedYamlEngineException m) {
            Mark at = m.getProblemMark().or(m::getContextMark).orElse(null);
            StringBuilder msg = new StringBuilder("YAML syntax: ");
            msg.append(oneLine(m.getProblem()));
            if (m.getContext() != null && !m.getContext().isBlank()) {
                msg.append(" (").append(oneLine(m.getContext()));
                m.getContextMark().filter(c -> at == null || c.getLine() != at.getLine())
                        .ifPresent(c -> msg.append(" at line ").append(c.getLine() + 1));
                msg.append(')');
            }
            Origin o = at == null ? new Origin(file, 1, 1, "")
                    : new Origin(file, at.getLine() + 1, at.getColumn() + 1, "");
            return Diagnostic.error(o, msg.toString());
        }
        if (e instanceof ReaderException r) {
            int[] lc = lineColumn(text, r.getPosition());
            return Diagnostic.error(new Origin(file, lc[0], lc[1], ""), String.format(
                    "character U+%04X is not allowed in YAML; write it with an escape in a double-quoted string",
                    r.getCodePoint()));
        }
        return Diagnostic.error(new Origin(file, 1, 1, ""), "YAML: " + oneLine(e.getMessage()));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    /** 1-based line and column of the code point at {@code index}. */
    private static int[] lineColumn(String text, int index) {
        int line = 1;
        int column = 1;
        int i = 0;
        for (int cp = 0; cp < index && i < text.length(); cp++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new int[] {line, column};
    }

    /**
     * The file's bytes, at most {@link #MAX_BYTES}: a bigger file, a device that never ends or a
     * FIFO is refused after reading one byte more than that.
     */
    private static byte[] read(Path file, String name) throws SpecException {
        if (Files.isDirectory(file)) {
            throw new SpecException(Diagnostic.error(Origin.synthetic(name), "is a folder without any *.yaml spec in it"));
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new SpecException(Diagnostic.error(Origin.synthetic(name), "cannot read: no such file"));
        } catch (IOException e) {
            throw new SpecException(Diagnostic.error(Origin.synthetic(name), "cannot read: " + e.getMessage()));
        }
        if (bytes.length > MAX_BYTES) {
            String size;
            try {
                size = Files.size(file) + " bytes";
            } catch (IOException e) {
                size = "more than " + MAX_BYTES + " bytes";
            }
            throw new SpecException(Diagnostic.error(new Origin(name, 1, 1, ""),
                    "the file is " + size + " long; a spec may be at most " + MAX_BYTES + " bytes (256 KiB)"));
        }
        return bytes;
    }

    /** Strict UTF-8: the first invalid byte is an error naming its offset, line and column. */
    private static String decode(byte[] bytes, String name) throws SpecException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int column = new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8)
                    .codePointCount(0, new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8).length()) + 1;
            throw new SpecException(Diagnostic.error(new Origin(name, line, column, ""), String.format(
                    "not UTF-8: byte 0x%02x at byte offset %d is invalid; a spec must be UTF-8 text",
                    bytes[offset] & 0xff, offset)));
        }
        out.flip();
        return out.toString();
    }
}
