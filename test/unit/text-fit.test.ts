/** Fitting text into a terminal's width: cutting, wrapping, dropping columns, unique id prefixes. */
import { styleText } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  cut,
  fitColumns,
  uniquePrefixes,
  visibleWidth,
  wrap,
  type ColumnSpec,
} from '../../src/cli/text-fit.js';

describe('visibleWidth', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['ab…', 3],
    [styleText('red', 'abc', { validateStream: false }), 3],
    [styleText(['bold', 'green'], 'running', { validateStream: false }), 7],
  ])('%j is %i wide', (s, n) => expect(visibleWidth(s)).toBe(n));
});

describe('cut', () => {
  it.each([
    ['hello', 10, 'hello'],
    ['hello', 5, 'hello'],
    ['hello world', 5, 'hell…'],
    ['hello', 1, '…'],
    ['hello', 0, ''],
    ['ab…cd', 4, 'ab……'],
  ])('cut(%j, %i) = %j', (s, w, out) => {
    expect(cut(s, w)).toBe(out);
    expect(visibleWidth(cut(s, w))).toBeLessThanOrEqual(w);
  });
});

describe('wrap', () => {
  it.each<[string, number, string, string[]]>([
    ['short line', 80, '', ['short line']],
    ['one two three four', 9, '', ['one two', 'three', 'four']],
    ['one two three four', 9, '  ', ['one two', '  three', '  four']],
    ['  indented item that wraps', 14, '    ', ['  indented', '    item that', '    wraps']],
    ['abcdefghijkl', 5, '', ['abcde', 'fghij', 'kl']],
    ['x abcdefghijkl', 5, '  ', ['x', '  abc', '  def', '  ghi', '  jkl']],
    ['', 10, '', ['']],
    ['many   spaces\nand\tlines', 80, '', ['many spaces and lines']],
  ])('wrap(%j, %i, %j)', (text, width, indent, lines) => {
    expect(wrap(text, width, indent)).toEqual(lines);
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(width);
  });
});

describe('fitColumns', () => {
  const col = (natural: number, dropRank: number | null, want = natural, min = want): ColumnSpec => ({
    natural,
    want,
    min,
    dropRank,
  });
  // TASK 10 | STATE 7 | RUNS 4 (rank 1) | AGENT 6 (rank 2) | NOTE 50 (want 20, min 10)
  const table = [col(10, null, 10, 6), col(7, null), col(4, 1), col(6, 2), col(50, null, 20, 10)];
  const used = (w: (number | null)[]): number => {
    const kept = w.filter((x): x is number => x !== null);
    return kept.reduce((a, b) => a + b, 0) + 2 * (kept.length - 1);
  };
  it.each<[number, (number | null)[]]>([
    [200, [10, 7, 4, 6, 50]], // everything fits whole
    [85, [10, 7, 4, 6, 50]], // exactly
    [84, [10, 7, 4, 6, 49]], // the note is cut first
    [55, [10, 7, 4, 6, 20]], // the note at its want, nothing dropped yet
    [54, [10, 7, null, 6, 25]], // RUNS goes; the room it leaves goes back to the note
    [49, [10, 7, null, 6, 20]],
    [48, [10, 7, null, null, 27]], // AGENT goes
    [41, [10, 7, null, null, 20]],
    [35, [10, 7, null, null, 14]], // nothing left to drop: the note is cut towards its min
    [31, [10, 7, null, null, 10]],
    [27, [6, 7, null, null, 10]], // then TASK towards its min
    [20, [6, 7, null, null, 3]], // then below the mins, rightmost first, to two characters
  ])('at width %i: %j', (width, widths) => {
    const got = fitColumns(table, width);
    expect(got).toEqual(widths);
    expect(used(got)).toBeLessThanOrEqual(width);
  });

  it('drops columns by rank, not by position', () => {
    expect(fitColumns([col(5, null), col(5, 2), col(5, 1)], 12)).toEqual([5, 5, null]);
  });
});

describe('uniquePrefixes', () => {
  it.each<[(string | null)[], (string | null)[]]>([
    [[], []],
    [
      [null, 'abc'],
      [null, 'abc'],
    ],
    [['0123456789abcdef'], ['01234567…']],
    [['0123456789ab'], ['01234567…']],
    [['012345678'], ['012345678']], // `01234567…` would be no shorter: shown whole
    [['0123456789'], ['01234567…']],
    [
      ['aaaaaaaaaaaa-1111', 'aaaaaaaaaaaa-2222', 'bbbbbbbbbbbb'],
      ['aaaaaaaaaaaa-1…', 'aaaaaaaaaaaa-2…', 'bbbbbbbb…'],
    ],
    [
      ['abcdefgh', 'abcdefghij'],
      ['abcdefgh', 'abcdefghij'], // a prefix and `…` would be as long as the id
    ],
    [
      ['same-session-id-1', 'same-session-id-1', null],
      ['same-ses…', 'same-ses…', null],
    ],
  ])('%j → %j', (ids, shown) => expect(uniquePrefixes(ids)).toEqual(shown));
});
