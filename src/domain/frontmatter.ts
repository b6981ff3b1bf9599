/**
 * Splitting a markdown input file (task or follow-up) into YAML front matter and body, and
 * reading the front matter as a mapping of keys with the file line of each. Pure.
 */
import type { Problem, Result } from './errors.js';
import { describeValue, isRecord, parseYaml } from './yaml.js';

/** A markdown file split at its front-matter fences. */
export interface FrontMatterSplit {
  /** The raw YAML between the fences; null when the file has no front matter. */
  yaml: string | null;
  /** The 1-based file line where the YAML starts (the line after the opening `---`). */
  yamlStartLine: number;
  /** The markdown after the front matter, with `\n` line endings, without leading/trailing blank lines. */
  body: string;
}

// A fence is `---`, tolerating trailing spaces: an editor adding one should not silently turn
// the front matter into part of the prompt.
const FENCE = /^---[ \t]*$/;

/**
 * Splits `text` into front matter and body. Front matter is optional: it opens with a first line
 * `---` (after an optional UTF-8 BOM; CRLF line endings are accepted) and closes at the next `---`
 * line. An opening fence without a closing one is a problem.
 */
export function splitFrontMatter(file: string, text: string): Result<FrontMatterSplit, Problem[]> {
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = normalised.split('\n');
  if (!FENCE.test(lines[0] ?? '')) {
    return { ok: true, value: { yaml: null, yamlStartLine: 1, body: trimBlankLines(normalised) } };
  }
  const close = lines.findIndex((l, i) => i > 0 && FENCE.test(l));
  if (close === -1) {
    return {
      ok: false,
      error: [
        {
          file,
          line: 1,
          message:
            'front matter opened with "---" on line 1 is never closed; expected a line "---" after the YAML',
        },
      ],
    };
  }
  return {
    ok: true,
    value: {
      yaml: lines.slice(1, close).join('\n'),
      yamlStartLine: 2,
      body: trimBlankLines(lines.slice(close + 1).join('\n')),
    },
  };
}

/** One front-matter key: its value and the file line it was written on. */
export interface FrontMatterField {
  value: unknown;
  line: number | undefined;
}

/** Front matter read as a mapping, plus the body. */
export interface FrontMatter {
  /** Keys in the order written; empty when there is no front matter. */
  fields: Map<string, FrontMatterField>;
  body: string;
}

/**
 * Splits `text` and parses its front matter, which must be a YAML mapping (or absent/empty).
 * Problems carry the file line where they were found.
 */
export function parseFrontMatter(file: string, text: string): Result<FrontMatter, Problem[]> {
  const split = splitFrontMatter(file, text);
  if (!split.ok) return split;
  const { yaml, yamlStartLine, body } = split.value;
  const fields = new Map<string, FrontMatterField>();
  if (yaml === null) return { ok: true, value: { fields, body } };
  const parsed = parseYaml(file, yaml, yamlStartLine, {
    what: 'the front matter (put long text in the body)',
  });
  if (!parsed.ok) return parsed;
  const { data, lineOf } = parsed.value;
  if (data === null) return { ok: true, value: { fields, body } };
  if (!isRecord(data)) {
    return {
      ok: false,
      error: [
        {
          file,
          line: yamlStartLine,
          message: `front matter must be a YAML mapping of keys to values (like "status: ready"), found ${describeValue(data)}`,
        },
      ],
    };
  }
  for (const [key, value] of Object.entries(data)) fields.set(key, { value, line: lineOf([key]) });
  return { ok: true, value: { fields, body } };
}

/**
 * Returns a reader for the keys of `fields`: `read(key, accept, expected)` gives the accepted
 * value, or undefined when the key is absent, written with no value (`key:` counts as not set),
 * or not accepted, in which case a problem `<key> must be <expected>, found <value>` is added to
 * `problems` with the key's line.
 */
export function fieldReader(
  file: string,
  fields: Map<string, FrontMatterField>,
  problems: Problem[],
): <T>(key: string, accept: (v: unknown) => T | undefined, expected: string) => T | undefined {
  return (key, accept, expected) => {
    const f = fields.get(key);
    if (f === undefined || f.value === null) return undefined;
    const value = accept(f.value);
    if (value === undefined) {
      const message = `${key} must be ${expected}, found ${describeValue(f.value)}`;
      problems.push(f.line === undefined ? { file, message } : { file, line: f.line, message });
    }
    return value;
  };
}

/** The fields whose keys are not in `known`, as a plain object (unknown keys are kept, not used). */
export function extraFields(
  fields: Map<string, FrontMatterField>,
  known: ReadonlySet<string>,
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, f] of fields) {
    if (known.has(key)) continue;
    // defineProperty, not assignment: a key `__proto__` must stay data, never set a prototype.
    Object.defineProperty(extra, key, {
      value: f.value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return extra;
}

/** Orders problems as a reader meets them: by line, those without a line (the whole file) last. */
export function byLine(a: Problem, b: Problem): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

function trimBlankLines(s: string): string {
  // Leading blank lines go, but the first content line keeps its indentation (it may be code).
  return s.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}
