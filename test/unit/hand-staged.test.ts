/** Changes staged by hand in a live task's worktree: the pure decisions (src/domain/hand-staged.ts). */
import { describe, expect, it } from 'vitest';
import {
  listPaths,
  mergeEntries,
  settle,
  shellWord,
  type StagedEntry,
} from '../../src/domain/hand-staged.js';
import { parseRawZ } from '../../src/git/staged.js';

const e = (path: string, blob: string, mode = '100644'): StagedEntry => ({ path, mode, blob });

describe('settle', () => {
  const recorded = [e('a', '1'), e('b', '2'), e('c', '3'), e('d', '4', '100755')];
  it.each([
    {
      name: 'an agent commit with the same content carries it',
      commit: [e('a', '1'), e('own', '9')],
      staged: [e('a', '1'), e('b', '2')],
      committed: ['a'],
      left: ['b'],
    },
    {
      name: 'changed since: not the staged content',
      commit: [e('a', '7')],
      staged: [e('a', '7')],
      committed: [],
      left: [],
    },
    {
      name: 'taken back out: forgotten',
      commit: [e('own', '9')],
      staged: [e('own', '9')],
      committed: [],
      left: [],
    },
    {
      name: 'a commit of other paths leaves what is still staged',
      commit: [e('own', '9')],
      staged: [e('b', '2'), e('c', '3'), e('own', '9')],
      committed: [],
      left: ['b', 'c'],
    },
    { name: 'the mode counts', commit: [e('d', '4')], staged: [e('d', '4')], committed: [], left: [] },
  ])('$name', ({ commit, staged, committed, left }) => {
    const r = settle(recorded, commit, staged);
    expect(r.committed.map((x) => x.path)).toEqual(committed);
    expect(r.left.map((x) => x.path)).toEqual(left);
  });
});

describe('mergeEntries', () => {
  it('keeps one entry per path, the newer', () => {
    expect(mergeEntries([e('a', '1'), e('b', '2')], [e('b', '3'), e('c', '4')])).toEqual([
      e('a', '1'),
      e('b', '3'),
      e('c', '4'),
    ]);
  });
});

describe('words', () => {
  it.each([
    [[], ''],
    [['a'], 'a'],
    [['a', 'b', 'c'], 'a, b, c'],
    [['a', 'b', 'c', 'd', 'e'], 'a, b, c and 2 more'],
  ])('listPaths(%j)', (paths, text) => expect(listPaths(paths)).toBe(text));
  it.each([
    ['src/a-b_c.ts', 'src/a-b_c.ts'],
    ['my file', "'my file'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('shellWord(%j)', (s, word) => expect(shellWord(s)).toBe(word));
});

describe('parseRawZ', () => {
  it('reads additions, changes and deletions, paths with spaces and newlines included', () => {
    const z = '0'.repeat(40);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const out = [
      `:000000 100644 ${z} ${a} A`,
      'new file',
      `:100644 100755 ${a} ${b} M`,
      'dir/odd\nname',
      `:100644 000000 ${b} ${z} D`,
      'gone',
      '',
    ].join('\0');
    expect(parseRawZ(out)).toEqual([
      { path: 'new file', mode: '100644', blob: a },
      { path: 'dir/odd\nname', mode: '100755', blob: b },
      { path: 'gone', mode: '000000', blob: z },
    ]);
    expect(parseRawZ('')).toEqual([]);
  });
});
