// YAML text to plain values, one document at a time: only one document's syntax
// tree is alive at once, and duplicate keys are found in linear time (the
// library's own check compares each key with every earlier one of its map).
// Pure and synchronous: it runs in-process for small texts and in a worker with
// a memory limit for large ones (util/yaml-read).
import { Composer, isMap, isScalar, isSeq, LineCounter, Parser, visit, type Document, type ScalarTag, type Tags } from 'yaml';

export interface YamlOptions {
  /** Read as Kubernetes does: YAML 1.1 (yes/no booleans, 0755 octal) with merge keys. Default: YAML 1.2. */
  kubernetes?: boolean;
  /** One document, as a configuration file holds: a second one is an error. */
  single?: boolean;
}

export interface YamlError {
  /** First line of the parser's message, without a position. */
  message: string;
  line?: number;
  /** Set when the parser points at a character. */
  column?: number;
}

export interface YamlDocument {
  /** The document as plain data; undefined when it has an error. */
  value?: unknown;
  error?: YamlError;
  /** Line of the document's content. */
  line?: number;
  /** The comment above the document (Helm writes "# Source: …" there). */
  comment: string;
  /** Lines of the items of a top-level `items` list (Kubernetes *List kinds). */
  itemLines?: Array<number | undefined>;
}

const MAX_ALIASES = 100;
const BINARY_TAG = 'tag:yaml.org,2002:binary';
const DUPLICATE_KEY = 'Map keys must be unique';
const COLLECTION_KEY = 'a map key is itself a map or a list (a template expression?); object keys must be text';
const TOO_DEEP = 'nested too deeply to read';

/**
 * `!!binary` (YAML 1.1) read as the text of its bytes, as kubectl sends it to
 * the API server; the library's bytes would not survive a thread boundary alike.
 */
function binaryAsText(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== BINARY_TAG) return tag;
    const bytes = tag as ScalarTag;
    return { ...bytes, resolve: (source, onError, options) => Buffer.from(bytes.resolve(source, onError, options) as Uint8Array).toString('utf8') } satisfies ScalarTag;
  });
}

/**
 * The first key that repeats an earlier key of its map, or that is itself a map or
 * list (Kubernetes reads objects as JSON, whose keys are text; a Helm template's
 * `{{ … }}` key reads so): its offset and why.
 */
function firstBadKey(doc: Document): { offset: number; message: string } | undefined {
  let found: { offset: number; message: string } | undefined;
  const keep = (offset: number | undefined, message: string) => {
    if (offset !== undefined && (found === undefined || offset < found.offset)) found = { offset, message };
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (isMap(key) || isSeq(key)) keep(key.range?.[0], COLLECTION_KEY);
        // Equal as the library compares keys: the same scalar value (NaN never equals itself).
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (seen.has(key.value)) keep(key.range?.[0], DUPLICATE_KEY);
        else seen.add(key.value);
      }
    },
  });
  return found;
}

function firstError(doc: Document, lines: LineCounter): YamlError | undefined {
  const parsed = doc.errors[0];
  const bad = firstBadKey(doc);
  const at = (offset: number) => lines.linePos(offset);
  if (bad !== undefined && (!parsed || parsed.pos[0] === -1 || bad.offset < parsed.pos[0])) {
    const { line, col } = at(bad.offset);
    return { message: bad.message, line, column: col };
  }
  if (!parsed) return undefined;
  const message = parsed.message.split('\n')[0]!;
  if (parsed.pos[0] === -1) return { message };
  const { line, col } = at(parsed.pos[0]);
  return { message, line, column: col };
}

function itemLines(doc: Document, lines: LineCounter): Array<number | undefined> | undefined {
  const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
  if (!isSeq(items)) return undefined;
  return items.items.map((node) => {
    const offset = (node as { range?: [number, number, number] }).range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  });
}

function readDocument(doc: Document.Parsed, lines: LineCounter): YamlDocument {
  const start = doc.contents?.range[0];
  const result: YamlDocument = {
    comment: doc.commentBefore ?? doc.contents?.commentBefore ?? '',
    ...(start !== undefined ? { line: lines.linePos(start).line } : {}),
  };
  const error = firstError(doc, lines);
  if (error) return { ...result, error };
  try {
    result.value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (cause) {
    const message = cause instanceof RangeError ? TOO_DEEP : (cause as Error).message.split('\n')[0]!;
    return { ...result, error: { message, line: lines.linePos(start ?? 0).line } };
  }
  const items = itemLines(doc, lines);
  return items ? { ...result, itemLines: items } : result;
}

/**
 * Every document of `text` (just the first with `single`), each with its value
 * or its first error. A text nested too deeply for the parser ends in a
 * document holding that error.
 */
export function parseYamlDocuments(text: string, options: YamlOptions = {}): YamlDocument[] {
  const lines = new LineCounter();
  const composer = new Composer({ ...(options.kubernetes ? { version: '1.1', merge: true, customTags: binaryAsText } : {}), uniqueKeys: false });
  const documents: YamlDocument[] = [];
  try {
    const tokens = new Parser(lines.addNewLine).parse(text);
    for (const doc of options.single ? composer.compose(tokens, true, text.length) : composer.compose(tokens)) {
      if (options.single && documents.length === 1) {
        const first = documents[0]!;
        if (!first.error) documents[0] = { comment: first.comment, error: { message: 'a second YAML document where one is expected', line: lines.linePos(doc.range[0]).line } };
        break;
      }
      documents.push(readDocument(doc, lines));
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    documents.push({ comment: '', error: { message: TOO_DEEP } });
  }
  return documents;
}
