/** The conflict radar's pure decisions (src/domain/radar.ts). */
import { describe, expect, it } from 'vitest';
import {
  baseCandidates,
  baseConflictKey,
  branchesToMeasure,
  emptyRadarCache,
  foundConflicts,
  isRadarLive,
  overlaps,
  pairKey,
  pairsToMerge,
  pruneCache,
  taskRadars,
  toRadarCache,
  type BranchLook,
  type RadarBranch,
  type RadarCache,
} from '../../src/domain/radar.js';
import { parseTask } from '../../src/domain/task.js';
import { parseLeftRight, parseMergeTreeStdin } from '../../src/git/radar.js';
import {
  conflictFollowupText,
  describeConflict,
  oldGitMessage,
  parseGitVersion,
  supportsRadar,
} from '../../src/domain/radar-words.js';
import { parseConfig } from '../../src/config/parse.js';

const branch = (
  slug: string,
  tip: string | null,
  baseTip: string | null = 'm1',
  base = 'main',
): RadarBranch => ({
  slug,
  branch: `task/${slug}`,
  base,
  tip,
  baseTip,
});
const look = (tip: string, files: string[], more: Partial<BranchLook> = {}): BranchLook => ({
  tip,
  base: 'main',
  baseTip: 'm1',
  behind: 0,
  ahead: files.length > 0 ? 1 : 0,
  files,
  conflicts: [],
  ...more,
});
const cacheWith = (
  branches: Record<string, BranchLook>,
  pairs: Record<string, string[]> = {},
): RadarCache => ({
  ...emptyRadarCache(),
  branches,
  pairs,
});
const branchOf = (slug: string): string => `task/${slug}`;

describe('branchesToMeasure: only what moved', () => {
  const cache = cacheWith({ a: look('a1', ['x']), b: look('b1', ['y']) });
  it.each([
    ['nothing moved', [branch('a', 'a1'), branch('b', 'b1')], []],
    ['a branch tip moved', [branch('a', 'a2'), branch('b', 'b1')], ['a']],
    ['the base moved: every branch on it', [branch('a', 'a1', 'm2'), branch('b', 'b1', 'm2')], ['a', 'b']],
    ['the base was changed in the task file', [branch('a', 'a1', 'm1', 'develop')], ['a']],
    ['a new live branch', [branch('a', 'a1'), branch('c', 'c1')], ['c']],
    ['a branch that does not exist yet', [branch('d', null)], []],
    ['a base that does not exist', [branch('e', 'e1', null)], []],
  ])('%s', (_, branches, expected) => {
    expect(branchesToMeasure(branches, cache).map((b) => b.slug)).toEqual(expected);
  });
});

describe('pairKey', () => {
  it('is the same whichever way round', () => {
    expect(pairKey({ slug: 'b', tip: 'b1' }, { slug: 'a', tip: 'a1' })).toBe('a@a1 b@b1');
    expect(pairKey({ slug: 'a', tip: 'a1' }, { slug: 'b', tip: 'b1' })).toBe('a@a1 b@b1');
  });
});

describe('overlaps', () => {
  it.each([
    [['src/x.ts'], ['src/x.ts'], true],
    [['src/x.ts'], ['src/y.ts'], false],
    [['src'], ['src/x.ts'], true], // a file on one side where the other has a folder
    [['src/a/b.ts'], ['src/a'], true],
    [['srcx/a.ts'], ['src/a.ts'], false],
    [[], ['x'], false],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });
});

describe('pairsToMerge', () => {
  const branches = [branch('a', 'a1'), branch('b', 'b1'), branch('c', 'c1'), branch('d', 'd1')];
  const looks = {
    a: look('a1', ['shared.txt']),
    b: look('b1', ['shared.txt', 'b.txt']),
    c: look('c1', ['c.txt']),
    d: look('d1', [], { ahead: 0 }), // changed nothing since its base
  };
  it('merges only pairs that both changed and touch a common file', () => {
    expect(pairsToMerge(branches, looks, {})).toEqual([{ a: 'a', b: 'b', key: 'a@a1 b@b1' }]);
  });
  it('does not merge a pair of tips merged before', () => {
    expect(pairsToMerge(branches, looks, { 'a@a1 b@b1': ['shared.txt'] })).toEqual([]);
  });
  it('merges again when one tip moved', () => {
    const moved = [branch('a', 'a2'), branch('b', 'b1')];
    expect(pairsToMerge(moved, { ...looks, a: look('a2', ['shared.txt']) }, { 'a@a1 b@b1': [] })).toEqual([
      { a: 'a', b: 'b', key: 'a@a2 b@b1' },
    ]);
  });
  it('skips a branch whose look is not at its current tip', () => {
    expect(pairsToMerge([branch('a', 'a9'), branch('b', 'b1')], looks, {})).toEqual([]);
  });
  it('does not merge a branch with the branch it is based on (that is its base merge)', () => {
    const stacked = [branch('a', 'a1'), branch('b', 'b1', 'a1', 'task/a')];
    const stackedLooks = {
      a: look('a1', ['shared.txt']),
      b: look('b1', ['shared.txt'], { base: 'task/a', baseTip: 'a1' }),
    };
    expect(pairsToMerge(stacked, stackedLooks, {})).toEqual([]);
  });
  it('at 20 live branches touching disjoint files, merges no pair', () => {
    const many = Array.from({ length: 20 }, (_, i) => branch(`t${i}`, `tip${i}`));
    const theirLooks = Object.fromEntries(many.map((b, i) => [b.slug, look(`tip${i}`, [`f${i}.txt`])]));
    expect(pairsToMerge(many, theirLooks, {})).toEqual([]);
  });
});

describe('pruneCache', () => {
  it('keeps looks at current tips and pairs whose both sides are current', () => {
    const cache = cacheWith(
      { a: look('a1', ['x']), b: look('b1', ['x']), gone: look('g1', ['x']) },
      { 'a@a1 b@b1': ['x'], 'a@a0 b@b1': ['x'], 'a@a1 gone@g1': [] },
    );
    const next = pruneCache(cache, [branch('a', 'a1'), branch('b', 'b1')], null);
    expect(Object.keys(next.branches)).toEqual(['a', 'b']);
    expect(next.pairs).toEqual({ 'a@a1 b@b1': ['x'] });
    expect(next.off).toBeNull();
  });
  it('carries why the radar is off', () => {
    expect(pruneCache(emptyRadarCache(), [], 'off').off).toBe('off');
  });
});

describe('taskRadars', () => {
  it('gives each task its base conflict, its pair conflicts (both sides) and how far behind', () => {
    const cache = cacheWith(
      {
        a: look('a1', ['x'], { behind: 3, conflicts: ['y'] }),
        b: look('b1', ['x']),
        c: look('c1', ['z']),
      },
      { 'a@a1 b@b1': ['x'], 'a@a1 c@c1': [] },
    );
    const r = taskRadars(cache, branchOf);
    expect(r.a).toEqual({
      base: 'main',
      behind: 3,
      ahead: 1,
      conflicts: [
        { with: 'b', kind: 'task', branch: 'task/b', files: ['x'] },
        { with: 'main', kind: 'base', branch: 'main', files: ['y'] },
      ],
    });
    expect(r.b?.conflicts).toEqual([{ with: 'a', kind: 'task', branch: 'task/a', files: ['x'] }]);
    expect(r.c?.conflicts).toEqual([]);
  });
});

describe('foundConflicts', () => {
  it('tells a base conflict to its task and a pair to both, notifying a person once per conflict', () => {
    const measured = { a: look('a1', ['x'], { conflicts: ['y'] }), b: look('b1', ['x']) };
    const found = foundConflicts(measured, [{ a: 'a', b: 'b', key: 'a@a1 b@b1', files: ['x'] }], branchOf);
    expect(found).toEqual([
      {
        slug: 'a',
        key: 'base a@a1 main@m1',
        notify: true,
        conflict: { with: 'main', kind: 'base', branch: 'main', files: ['y'] },
      },
      {
        slug: 'a',
        key: 'a@a1 b@b1',
        notify: true,
        conflict: { with: 'b', kind: 'task', branch: 'task/b', files: ['x'] },
      },
      {
        slug: 'b',
        key: 'a@a1 b@b1',
        notify: false,
        conflict: { with: 'a', kind: 'task', branch: 'task/a', files: ['x'] },
      },
    ]);
  });
  it('finds nothing in clean merges', () => {
    expect(
      foundConflicts({ a: look('a1', ['x']) }, [{ a: 'a', b: 'b', key: 'k', files: [] }], branchOf),
    ).toEqual([]);
  });
  it('keys a base conflict by both tips, so a base that moves makes it new', () => {
    expect(baseConflictKey('a', look('a1', []))).not.toBe(
      baseConflictKey('a', look('a1', [], { baseTip: 'm2' })),
    );
  });
});

describe('what a person and an agent read', () => {
  it.each([
    [
      { with: 'main', kind: 'base' as const, branch: 'main', files: ['a.ts'] },
      'conflicts with its base main in a.ts',
    ],
    [
      { with: 'beta', kind: 'task' as const, branch: 'task/beta', files: ['a', 'b', 'c', 'd', 'e'] },
      'conflicts with beta (task/beta) in a, b, c and 2 more',
    ],
  ])('describeConflict %#', (c, text) => {
    expect(describeConflict(c)).toBe(text);
  });
  it('the follow-up names the files, what they conflict with, and says to rebase onto the base', () => {
    const text = conflictFollowupText(
      { with: 'beta', kind: 'task', branch: 'task/beta', files: ['src/x.ts'] },
      { branch: 'task/alpha', base: 'main' },
    );
    expect(text).toContain('task/beta (task beta)');
    expect(text).toContain('- src/x.ts');
    expect(text).toContain('git rebase main');
    const base = conflictFollowupText(
      { with: 'main', kind: 'base', branch: 'main', files: ['y'] },
      { branch: 'task/alpha', base: 'main' },
    );
    expect(base).toContain('no longer merges cleanly into its base main');
  });
});

describe('git', () => {
  it.each([
    ['git version 2.39.5', [2, 39, 5]],
    ['git version 2.37.1.windows.1', [2, 37, 1]],
    ['git version 2.38', [2, 38, 0]],
    ['nonsense', null],
  ])('parseGitVersion(%s)', (text, v) => {
    expect(parseGitVersion(text)).toEqual(v);
  });
  it.each([
    ['git version 2.38.0', true],
    ['git version 2.39.5', true],
    ['git version 3.0.0', true],
    ['git version 2.37.9', false],
    ['git version 1.99.0', false],
    [null, true],
  ])('supportsRadar(%s) → %s', (text, ok) => {
    expect(supportsRadar(text)).toBe(ok);
  });
  it('says in one sentence why the radar is off', () => {
    const m = oldGitMessage('git version 2.37.1');
    expect(m).toBe(
      'The conflict radar is off: git version 2.37.1 is older than git 2.38, whose `git merge-tree --write-tree` it needs; upgrade git to turn it on.',
    );
    expect(m.split('. ')).toHaveLength(1);
  });
  it.each([
    ['', []],
    ['1\0tree1\0\0', [[]]],
    ['0\0tree1\0b.txt\0a.txt\0a.txt\0\0', [['a.txt', 'b.txt']]],
    ['0\0t1\0f.txt\0g.txt\0\0' + '1\0t2\0\0' + '0\0t3\0h\0\0', [['f.txt', 'g.txt'], [], ['h']]],
  ])('parseMergeTreeStdin %#', (out, files) => {
    expect(parseMergeTreeStdin(out)).toEqual(files);
  });
  it.each([
    ['', { behind: 0, ahead: 0, files: [] }],
    [
      '\0>\n\nsrc/a.ts\nsrc/b.ts\n\0>\n\nsrc/a.ts\n',
      { behind: 0, ahead: 2, files: ['src/a.ts', 'src/b.ts'] },
    ],
    // The base's own files are not the branch's; a file named ">" is a file.
    ['\0<\n\nmain.txt\n\0>\n\n>\n\0<\n', { behind: 2, ahead: 1, files: ['>'] }],
  ])('parseLeftRight %#', (out, counts) => {
    expect(parseLeftRight(out)).toEqual(counts);
  });
});

describe('what is watched, and the cache read back', () => {
  it.each([
    [{ state: 'idle', branch: 'task/a', worktree: '/w/a' }, true],
    [{ state: 'done', branch: 'task/a', worktree: '/w/a' }, true],
    [{ state: 'running', branch: 'task/a', worktree: '/w/a' }, true],
    [{ state: 'cancelled', branch: 'task/a', worktree: '/w/a' }, false],
    [{ state: 'idle', branch: 'task/a', worktree: null }, false], // removed
    [{ state: 'idle', branch: null, worktree: null }, false],
  ])('isRadarLive(%j) → %s', (t, live) => {
    expect(isRadarLive(t)).toBe(live);
  });
  it.each([null, 'x', { version: 2 }, { version: 1, branches: {} }])(
    'a bad cache reads as empty: %j',
    (raw) => {
      expect(toRadarCache(raw)).toEqual(emptyRadarCache());
    },
  );
});

describe('onConflict settings', () => {
  it('a task may set report or followup; anything else is a problem', () => {
    const ok = parseTask('tasks/a.md', 'a', '---\nonConflict: followup\n---\nDo it.\n');
    expect(ok.ok && ok.value.onConflict).toBe('followup');
    const none = parseTask('tasks/a.md', 'a', '---\ntitle: x\n---\nDo it.\n');
    expect(none.ok && none.value.onConflict).toBeUndefined();
    const bad = parseTask('tasks/a.md', 'a', '---\nonConflict: rebase\n---\nDo it.\n');
    expect(bad.ok).toBe(false);
  });
  it('baton.yaml defaults to report and takes followup', () => {
    expect(parseConfig(null, 'baton.yaml', {}, '/r').config.onConflict).toBe('report');
    expect(parseConfig('onConflict: followup\n', 'baton.yaml', {}, '/r').config.onConflict).toBe('followup');
    expect(parseConfig('onConflict: nope\n', 'baton.yaml', {}, '/r').errors).toHaveLength(1);
  });
});

describe('baseCandidates: the base a task is measured against', () => {
  const tasks = new Map<string, { base?: string; after?: string[] }>([
    ['plain', {}],
    ['named', { base: 'develop' }],
    ['child', { base: 'after', after: ['parent'] }],
    ['parent', { base: 'release' }],
    ['grandchild', { base: 'after', after: ['child'] }],
    ['loop', { base: 'after', after: ['loop'] }],
  ]);
  it.each([
    ['plain', ['main']],
    ['named', ['develop']],
    ['child', ['task/parent', 'release']], // the dependency's branch while it exists, then its base
    ['grandchild', ['task/child', 'task/parent', 'release']],
    ['loop', ['main']],
  ])('%s → %j', (slug, expected) => {
    expect(baseCandidates(slug, tasks, branchOf, 'main')).toEqual(expected);
  });
  it('names nothing on a detached HEAD with no base', () => {
    expect(baseCandidates('plain', tasks, branchOf, null)).toEqual([]);
  });
});
