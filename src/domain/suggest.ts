/**
 * "did you mean": the known name closest to a misspelt one, offered only when it is close enough
 * that the guess is more help than noise. Pure.
 */
import { distance } from 'fastest-levenshtein';

/**
 * How many edits a name of `length` characters may be from a known one and still be suggested:
 * none for one or two characters (only a slip of case), one for three (where two edits make
 * most names alike), then two, or a third of the length for long names (`heartbeatSecs` is
 * three edits from `heartbeatSeconds`).
 */
export function maxSuggestDistance(length: number): number {
  if (length < 3) return 0;
  return length < 4 ? 1 : Math.max(2, Math.floor(length / 3));
}

/**
 * The name in `known` closest to `word` when it is within `maxSuggestDistance` edits, else
 * undefined. Case is ignored in the distance (`MaxConcurrent` is one slip, not one edit), and a
 * tie goes to the name written with the fewer edits as cased, then to the first in `known`.
 * `word` itself is never suggested.
 */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = maxSuggestDistance(word.length);
  let best: { name: string; d: number; exact: number } | undefined;
  for (const name of known) {
    if (name === word) continue;
    const d = distance(lower, name.toLowerCase());
    if (d > limit) continue;
    const exact = distance(word, name);
    if (best === undefined || d < best.d || (d === best.d && exact < best.exact)) best = { name, d, exact };
  }
  return best?.name;
}

/** `; did you mean <name>?` for the closest name in `known`, or '' when none is close. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const name = suggest(word, known);
  return name === undefined ? '' : `; did you mean ${name}?`;
}
