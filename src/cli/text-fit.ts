/**
 * Fitting text a person reads into a terminal's width: cutting a cell with `…`, wrapping prose at
 * word boundaries, choosing which table columns to keep, and the shortest prefixes that keep ids
 * apart. Pure: strings in, strings out; colour is applied after fitting, and every width here
 * ignores escape codes anyway.
 *
 * Widths count code points, not terminal cells: what baton prints is ASCII apart from `…` and
 * what users write in titles, where a wide character may make a line one cell too long.
 */
import { stripVTControlCharacters } from 'node:util';

/** The width `s` takes on a terminal, escape codes ignored. */
export function visibleWidth(s: string): number {
  let n = 0;
  for (const _ of stripVTControlCharacters(s)) n++;
  return n;
}

/** `s` cut to at most `width` (code points), ending in `…` when it was cut. Plain text only. */
export function cut(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * `text` wrapped at spaces so that no line is wider than `width`: the first line keeps the
 * text's leading spaces, the others start with `indent`. A word longer than a line is broken
 * where the line ends.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  // What the current line starts with: the text's own leading spaces on the first, `indent` after.
  let lead = /^\s*/.exec(text)?.[0] ?? '';
  const flush = (): void => {
    lines.push(lead + line);
    line = '';
    lead = indent;
  };
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const room = (): number => width - visibleWidth(lead);
    if (line !== '' && visibleWidth(line) + 1 + visibleWidth(word) > room()) flush();
    if (line !== '') {
      line += ` ${word}`;
      continue;
    }
    // A word wider than a whole line: as much as fits, then the rest on the next lines.
    let rest = [...word];
    while (rest.length > room()) {
      const take = Math.max(1, room());
      line = rest.slice(0, take).join('');
      rest = rest.slice(take);
      flush();
    }
    line = rest.join('');
  }
  if (line !== '' || lines.length === 0) lines.push(lead + line);
  return lines;
}

/** A table column as `fitColumns` weighs it. */
export interface ColumnSpec {
  /** Its widest cell, heading included. */
  natural: number;
  /** The width it keeps before any column is dropped for it (at most `natural`). */
  want: number;
  /** The narrowest it is cut to once nothing is left to drop (at most `want`). */
  min: number;
  /** When the table is too wide, columns are dropped lowest rank first; null: never dropped. */
  dropRank: number | null;
}

/**
 * Which columns to show, and how wide, so that the table (columns `gap` apart) fits `width`.
 * Columns are dropped, lowest rank first, while the kept ones at their `want` do not fit; room
 * left over is given back left to right up to each column's natural width. When the kept columns
 * still do not fit, they are cut right to left down to their `min`, then down to two characters
 * (one and `…`). Returns the width of each column, null for a dropped one.
 */
export function fitColumns(cols: readonly ColumnSpec[], width: number, gap = 2): (number | null)[] {
  const widths: (number | null)[] = cols.map((c) => c.want);
  const used = (): number => {
    const kept = widths.filter((w): w is number => w !== null);
    return kept.reduce((a, b) => a + b, 0) + gap * Math.max(0, kept.length - 1);
  };
  if (cols.reduce((a, c) => a + c.natural, 0) + gap * Math.max(0, cols.length - 1) > width) {
    const byRank = cols
      .map((c, i) => ({ i, rank: c.dropRank }))
      .filter((c): c is { i: number; rank: number } => c.rank !== null)
      .sort((a, b) => a.rank - b.rank || a.i - b.i);
    for (const { i } of byRank) {
      if (used() <= width) break;
      widths[i] = null;
    }
  }
  let spare = width - used();
  cols.forEach((c, i) => {
    const w = widths[i];
    if (w === null || w === undefined || spare <= 0) return;
    const more = Math.min(spare, c.natural - w);
    widths[i] = w + more;
    spare -= more;
  });
  for (const floor of [(c: ColumnSpec) => c.min, (c: ColumnSpec) => Math.min(c.min, 2)]) {
    for (let i = cols.length - 1; i >= 0 && spare < 0; i--) {
      const w = widths[i];
      const c = cols[i];
      if (w === null || w === undefined || !c) continue;
      const less = Math.min(-spare, Math.max(0, w - floor(c)));
      widths[i] = w - less;
      spare += less;
    }
  }
  return widths;
}

/**
 * For each id, its shortest prefix of at least `min` characters that no other distinct id in
 * `ids` shares, followed by `…`; the whole id when that would be no shorter. Equal ids show
 * alike, as they should; nulls stay null.
 */
export function uniquePrefixes(ids: readonly (string | null)[], min = 8): (string | null)[] {
  const distinct = [...new Set(ids.filter((id): id is string => id !== null))];
  return ids.map((id) => {
    if (id === null) return null;
    let shared = 0;
    for (const other of distinct) {
      if (other === id) continue;
      let n = 0;
      while (n < id.length && n < other.length && id[n] === other[n]) n++;
      shared = Math.max(shared, n);
    }
    const len = Math.max(min, shared + 1);
    return len + 1 >= id.length ? id : `${id.slice(0, len)}…`;
  });
}
