/**
 * Where a YAML syntax error really is. The yaml package reports some errors where it gave up
 * rather than where the mistake was written: an unclosed quote at the end of the text, an
 * unclosed "[" or "{" at the next key, a line indented under a key that already has a value at
 * that key's line. This moves each to the place a person has to fix. Pure.
 */
import type { CST, YAMLError } from 'yaml';

/** A syntax problem at an offset of the YAML text. */
export interface SyntaxProblem {
  offset: number;
  message: string;
}

const INDENTED_UNDER_VALUE =
  'this line is indented more than the key above it, which already has a value; line it up with that key (or, to nest it, leave that key without a value)';

/**
 * The problems behind the composer's `errors` for the text `tokens` were parsed from, in text
 * order. A quote or bracket that is never closed is the cause of every error after it, so
 * when there is one, it is reported where it was opened and the later errors are dropped.
 */
export function locateSyntaxErrors(tokens: CST.Token[], errors: readonly YAMLError[]): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  // "Implicit keys need to be on a single line" spans from the key above to the indented line:
  // its end is the indented line. The "nested mappings" error at the same start says the same.
  const multiline = new Set(errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
  for (const e of errors) {
    if (e.code === 'MULTILINE_IMPLICIT_KEY')
      problems.push({ offset: e.pos[1], message: INDENTED_UNDER_VALUE });
    else if (e.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(e.pos[0])) continue;
    else problems.push({ offset: e.pos[0], message: headline(e.message) });
  }
  const opener = firstUnclosed(tokens);
  const located =
    opener === undefined ? problems : [...problems.filter((p) => p.offset < opener.offset), opener];
  return located.sort((a, b) => a.offset - b.offset);
}

/** The first quote, "[" or "{" in the text that is never closed; an explicit stack, no recursion. */
function firstUnclosed(tokens: CST.Token[]): SyntaxProblem | undefined {
  let first: SyntaxProblem | undefined;
  const found = (offset: number, message: string): void => {
    if (first === undefined || offset < first.offset) first = { offset, message };
  };
  const stack: (CST.Token | null | undefined)[] = [...tokens];
  while (stack.length > 0) {
    const token = stack.pop();
    if (token === null || token === undefined) continue;
    switch (token.type) {
      case 'document':
        stack.push(token.value);
        break;
      case 'double-quoted-scalar':
      case 'single-quoted-scalar':
        if (!isClosedQuote(token.source)) {
          const quote = token.type === 'double-quoted-scalar' ? 'double' : 'single';
          found(token.offset, `a ${quote} quote opened here is never closed`);
        }
        break;
      case 'flow-collection': {
        const close = token.start.source === '[' ? ']' : '}';
        if (!token.end.some((t) => t.source === close)) {
          found(
            token.offset,
            `a "${token.start.source}" opened here is never closed, or a line before its "${close}" is indented less than its key`,
          );
        }
        for (const item of token.items) stack.push(item.key, item.value);
        break;
      }
      case 'block-map':
      case 'block-seq':
        for (const item of token.items) stack.push('key' in item ? item.key : undefined, item.value);
        break;
      default:
        break;
    }
  }
  return first;
}

/** True when a quoted scalar's source ends with its closing quote. */
function isClosedQuote(source: string): boolean {
  const quote = source[0];
  if (source.length < 2 || source.at(-1) !== quote) return false;
  if (quote === '"') {
    // `"a\"` is still open: the last quote is escaped when an odd number of backslashes precede it.
    const backslashes = /\\*$/.exec(source.slice(1, -1))?.[0].length ?? 0;
    return backslashes % 2 === 0;
  }
  // Inside single quotes `''` is one quote: the run of quotes after the opening one is odd when closed.
  const run = /'*$/.exec(source.slice(1))?.[0].length ?? 0;
  return run % 2 === 1;
}

/** The first line of a yaml package message, which can carry a context dump after a newline. */
function headline(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
