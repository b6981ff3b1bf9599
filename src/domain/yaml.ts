/**
 * Safe YAML parsing for user input (task front matter, follow-up front matter, baton.yaml), with
 * file line numbers for every problem. Pure: the text comes in, data and problems come out.
 *
 * The `yaml` package is correct but not hardened against hostile input, so three guards run
 * before it does the expensive work: a size cap (its duplicate-key check is quadratic: a 1 MiB
 * mapping took minutes), a nesting cap measured on its non-recursive parser's output (its
 * composer recurses, and a stack overflow deep inside V8 can abort the whole process), and a ban
 * on collections as keys (turning those into JS keys blows up exponentially).
 */
import { Composer, isMap, isNode, isPair, isScalar, isSeq, LineCounter, Parser, visit } from 'yaml';
import type { CST, Document, Node as YamlNode } from 'yaml';
import type { Problem, Result } from './errors.js';
import { locateSyntaxErrors } from './yaml-errors.js';

/** Alias expansions allowed before a document is judged an alias bomb ("billion laughs"). */
export const MAX_ALIAS_COUNT = 100;
/** Default cap on YAML text, in UTF-16 code units: front matter is metadata; the prompt goes in the body. */
export const MAX_YAML_CHARS = 16 * 1024;
/** Collections nested deeper than this are refused; hand-written YAML rarely passes 5. */
export const MAX_YAML_DEPTH = 64;

/** A parsed YAML document: its plain JS value, and a way to find where a key was written. */
export interface ParsedYaml {
  /** The document as plain data; null when the text holds no document (empty or only comments). */
  data: unknown;
  /** The 1-based file line of the key at `path` (map keys, or list indices as "0", from the root), when there is one. */
  lineOf(path: readonly string[]): number | undefined;
}

/**
 * Parses `text` (YAML that starts on line `firstLine` of `file`) into plain data. Duplicate keys,
 * syntax errors, several documents, collections as keys, alias bombs, excessive nesting and text
 * over `maxChars` (named `what` in the message) are problems, each with the file line where it was found. Never throws.
 */
export function parseYaml(
  file: string,
  text: string,
  firstLine = 1,
  opts: { maxChars?: number; what?: string } = {},
): Result<ParsedYaml, Problem[]> {
  const lineCounter = new LineCounter();
  // Lines of the YAML text are mapped to file lines: the YAML may start below a `---` fence.
  const fileLine = (offset: number): number => lineCounter.linePos(offset).line + firstLine - 1;
  const fail = (offset: number, message: string): Result<never, Problem[]> => ({
    ok: false,
    error: [{ file, line: fileLine(offset), message }],
  });
  const maxChars = opts.maxChars ?? MAX_YAML_CHARS;
  if (text.length > maxChars) {
    return {
      ok: false,
      error: [
        {
          file,
          line: firstLine,
          message: `${opts.what ?? 'the YAML'} is ${text.length} characters long; at most ${maxChars} are allowed`,
        },
      ],
    };
  }
  try {
    const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
    const deep = tooDeep(tokens);
    if (deep !== undefined) {
      return fail(deep, `invalid YAML: collections are nested more than ${MAX_YAML_DEPTH} levels deep`);
    }
    // logLevel 'error', not 'silent': 'silent' would also drop the "several documents" error.
    const composer = new Composer({ uniqueKeys: true, logLevel: 'error' });
    const docs = Array.from(composer.compose(tokens, true, text.length));
    const doc = docs[0];
    if (doc === undefined) return { ok: true, value: { data: null, lineOf: () => undefined } };
    if (docs[1] !== undefined) {
      return fail(
        docs[1].range[0],
        'invalid YAML: expected one document, found more ("---" or "..." inside)',
      );
    }
    if (doc.errors.length > 0) {
      // One problem per line, at the line to fix: later errors on a line only echo the first.
      const lines = new Set<number>();
      const error: Problem[] = [];
      for (const p of locateSyntaxErrors(tokens, doc.errors)) {
        const line = fileLine(p.offset);
        if (lines.has(line)) continue;
        lines.add(line);
        error.push({ file, line, message: `invalid YAML: ${p.message}` });
      }
      return { ok: false, error };
    }
    const complexKey = findComplexKey(doc);
    if (complexKey !== undefined) {
      return fail(
        complexKey,
        'invalid YAML: keys must be plain names, found a list, mapping or alias used as a key',
      );
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      return fail(0, `invalid YAML: ${aliasMessage(e)}`);
    }
    return { ok: true, value: { data: data ?? null, lineOf: (path) => keyLine(doc, path, fileLine) } };
  } catch (e) {
    // Defensive: whatever the parser throws is still just bad input.
    return fail(0, `invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * How a value found in user input is shown after "found": strings quoted, numbers and booleans
 * as written, collections by kind; so `priority must be an integer, found "high"` reads well.
 */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** True for a plain (non-array, non-null) object, i.e. a YAML mapping after `toJS`. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The offset of the first collection nested deeper than MAX_YAML_DEPTH; an explicit stack, no recursion. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [token, outer] = top;
    if (token === undefined) continue;
    switch (token.type) {
      case 'document':
        stack.push([token.value, outer]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        const depth = outer + 1;
        if (depth > MAX_YAML_DEPTH) return token.offset;
        for (const item of token.items)
          stack.push([('key' in item ? item.key : undefined) ?? undefined, depth], [item.value, depth]);
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

function findComplexKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || pair.key === null || isScalar(pair.key)) return undefined;
      found = (pair.key as YamlNode).range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return found;
}

function keyLine(
  doc: Document.Parsed,
  path: readonly string[],
  fileLine: (offset: number) => number,
): number | undefined {
  let node: unknown = doc.contents;
  for (const [i, key] of path.entries()) {
    if (isSeq(node)) {
      // A list item is named by its index; its line is where the item starts.
      const item: unknown = /^\d+$/.test(key) ? node.items[Number(key)] : undefined;
      if (item === undefined) return undefined;
      if (i === path.length - 1) {
        const range = isNode(item) ? item.range : undefined;
        return range ? fileLine(range[0]) : undefined;
      }
      node = item;
      continue;
    }
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair === undefined) return undefined;
    if (i === path.length - 1) {
      const range = isScalar(pair.key) ? pair.key.range : undefined;
      return range ? fileLine(range[0]) : undefined;
    }
    node = pair.value;
  }
  return undefined;
}

function aliasMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/excessive alias count/i.test(m)) {
    return `too many aliases (more than ${MAX_ALIAS_COUNT} expansions); write the values out instead`;
  }
  return m;
}
