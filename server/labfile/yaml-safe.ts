import { Composer, Document, LineCounter, Parser, YAMLParseError, type CST } from "yaml";

/**
 * Collections nested deeper than this are refused before yaml composes the
 * document. yaml's composer recurses once per level: a few thousand "[" ran
 * it out of stack, and V8 then aborted the whole process (a fatal "out of
 * memory" while compiling a regex on the exhausted stack), so a bad upload
 * could end the server. A lab file nests about six levels deep.
 */
export const MAX_DEPTH = 64;

/** Where a document first nests deeper than MAX_DEPTH, or null. Iterative: the parser's tree may be arbitrarily deep. */
function tooDeep(root: CST.Token): number | null {
  const stack: [CST.Token | undefined, number][] = [[root, 0]];
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (depth > MAX_DEPTH) return token.offset;
    if (token.type === "document") stack.push([token.value, depth]);
    else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection")
      for (const item of token.items) stack.push([(item as { key?: CST.Token | null }).key ?? undefined, depth + 1], [item.value, depth + 1]);
  }
  return null;
}

/**
 * yaml's parseDocument, with the nesting checked between parsing and
 * composing: the first document, and an error for any other (as
 * parseDocument does).
 */
export function parseDocumentSafely(text: string, lineCounter: LineCounter, options: { uniqueKeys: boolean }): Document.Parsed {
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  for (const token of tokens) {
    const at = tooDeep(token);
    if (at === null) continue;
    const doc = new Document() as Document.Parsed;
    doc.errors.push(new YAMLParseError([at, at + 1], "BAD_INDENT", `collections nested more than ${MAX_DEPTH} levels deep: a lab file needs far fewer`));
    return doc;
  }
  const composer = new Composer({ ...options, prettyErrors: false });
  let doc: Document.Parsed | null = null;
  for (const d of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents; please use YAML.parseAllDocuments()"));
      break;
    }
  }
  return doc!;
}
