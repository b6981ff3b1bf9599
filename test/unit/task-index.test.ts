import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Problem } from '../../src/domain/errors.js';
import { isPlainJson } from '../../src/domain/json.js';
import { parseTask } from '../../src/domain/task.js';
import { readBoard, type Board } from '../../src/ops/board.js';
import type { Repo } from '../../src/ops/repo.js';
import { repoPaths } from '../../src/store/paths.js';
import {
  decodeIndex,
  encodeIndex,
  loadTaskIndex,
  parserFingerprint,
  SETTLE_MS,
  verdictOf,
  type TaskFileCache,
} from '../../src/store/task-index.js';

const NOW = 1_800_000_000_000;
const OLD = NOW - SETTLE_MS - 1;

function cacheOf(entries: [string, string, number][]): TaskFileCache {
  return new Map(
    entries.map(([name, text, changedMs]) => [
      name,
      {
        key: `1:${text.length}:${changedMs}:${changedMs}`,
        changedMs,
        digest: null,
        result: verdictOf(parseTask(`tasks/${name}`, name.slice(0, -3), text)),
      },
    ]),
  );
}

describe('verdictOf', () => {
  it("keeps a valid task's settings, not its prompt", () => {
    const v = verdictOf(parseTask('tasks/a.md', 'a', '---\nagent: codex\nbase: dev\n---\nA long prompt.\n'));
    expect(v).toStrictEqual({
      ok: true,
      task: {
        slug: 'a',
        file: 'tasks/a.md',
        status: 'ready',
        agent: 'codex',
        base: 'dev',
        priority: 0,
        title: undefined,
        after: [],
        afterMerge: false,
      },
    });
  });

  it('words the problems of an invalid one, and tells a failure of the moment apart', () => {
    expect(verdictOf(parseTask('tasks/b.md', 'b', '---\npriority: high\n---\nB.\n'))).toEqual({
      ok: false,
      error: 'tasks/b.md:2: priority must be an integer (higher runs first), found "high"',
      transient: false,
    });
    const gone = { file: 'tasks/c.md', reason: 'vanished', message: 'disappeared' } as Problem;
    expect(verdictOf({ ok: false, error: [gone] })).toEqual({
      ok: false,
      error: 'tasks/c.md: disappeared',
      transient: true,
    });
  });
});

describe('encodeIndex and decodeIndex', () => {
  it('round-trip settled entries exactly, valid and invalid alike', () => {
    const cache = cacheOf([
      ['a.md', '---\npriority: 3\ntitle: A\nagent: codex\nextra: [1, {b: c}]\n---\nDo A.\n', OLD],
      ['b.md', 'Just a prompt.\n', OLD],
      ['c.md', '---\npriority: high\n---\n', OLD],
      ['d.md', '---\nafter: [a, b]\nafter-merge: true\nbase: main\n---\nDo D.\n', OLD],
    ]);
    const back = decodeIndex(encodeIndex('p1', cache, NOW), 'p1');
    expect([...back.keys()]).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    for (const [name, e] of cache) expect(back.get(name)).toStrictEqual(e);
  });

  it('leave out failures of the moment, and fresh files unless a digest vouches for them', () => {
    const cache = cacheOf([
      ['fresh.md', 'Fresh.\n', NOW - SETTLE_MS + 10],
      ['checked.md', 'Checked.\n', NOW - SETTLE_MS + 10],
      ['ok.md', 'Ok.\n', OLD],
    ]);
    const checked = cache.get('checked.md');
    if (checked) checked.digest = 'd1';
    cache.set('gone.md', {
      key: 'k',
      changedMs: OLD,
      digest: null,
      result: { ok: false, error: 'tasks/gone.md: disappeared', transient: true },
    });
    const back = decodeIndex(encodeIndex('p', cache, NOW), 'p');
    expect([...back.keys()]).toEqual(['checked.md', 'ok.md']);
    expect(back.get('checked.md')?.digest).toBe('d1');
  });

  it('trust nothing from another parser, another format, a torn file or a bad row', () => {
    const text = encodeIndex('p1', cacheOf([['a.md', 'A.\n', OLD]]), NOW);
    expect(decodeIndex(text, 'p1').size).toBe(1);
    expect(decodeIndex(text, 'p2').size).toBe(0);
    expect(decodeIndex(text.slice(0, -5), 'p1').size).toBe(0);
    expect(decodeIndex(text.replace('"format":4', '"format":5'), 'p1').size).toBe(0);
    expect(decodeIndex('[]', 'p1').size).toBe(0);
    const rows = [
      ['a.md', 'k', 1, null, 'ready', 1.5, null, null, null, [], false],
      ['e.md', 'k', 1, null, 'ready', 1, null, null, null, ['a'], 'yes'],
      ['f.md', 'k', 1, null, 'ready', 1, null, null, null, [1], false],
      ['b.md', 'k', 1, null, 7],
      ['c', 'k', 1, null, 'x'],
      ['d.md', 'k', 1, 5, 'x'],
    ];
    expect(decodeIndex(JSON.stringify({ format: 4, parser: 'p1', rows }), 'p1').size).toBe(0);
  });
});

describe('isPlainJson', () => {
  it('accepts what JSON gives back unchanged and refuses the rest', () => {
    expect(isPlainJson({ a: [1, 'x', null, true, { b: undefined }] })).toBe(true);
    for (const bad of [NaN, Infinity, -0, [undefined], new Date(0), { d: new Map() }, 1n, () => 1])
      expect(isPlainJson(bad)).toBe(false);
  });
});

describe('the index between board reads', () => {
  let root: string;
  let repo: Repo;
  const indexFile = (): string => path.join(root, '.git', 'baton-task-index.json');
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'baton-index-'));
    mkdirSync(path.join(root, 'tasks/logs'), { recursive: true });
    mkdirSync(path.join(root, '.git'));
    repo = {
      info: { root, commonDir: path.join(root, '.git') },
      config: parseConfig(null, 'baton.yaml', {}, root).config,
      paths: repoPaths(root),
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Reads the board into `cache`, then makes its entries look settled (old, and with no digest). */
  async function readSettled(cache: TaskFileCache): Promise<void> {
    await readBoard(repo, cache);
    for (const e of cache.values()) {
      e.changedMs -= 60_000;
      e.digest = null;
    }
  }

  it('is written by a read that parsed, and a fresh read answers from it with the same board', async () => {
    writeFileSync(path.join(root, 'tasks/alpha.md'), '---\npriority: 2\n---\nAlpha.\n');
    writeFileSync(path.join(root, 'tasks/beta.md'), '---\nstatus: nope\n---\nBeta.\n');
    const first = await readBoard(repo);
    // Files just written are not settled (and ctime cannot be set back): their digests vouch for them.
    const fresh = loadTaskIndex(indexFile(), parserFingerprint());
    expect([...fresh.values()].map((e) => typeof e.digest)).toEqual(['string', 'string']);
    const cache: TaskFileCache = new Map();
    await readSettled(cache);
    writeFileSync(path.join(root, 'tasks/gamma.md'), 'Gamma.\n'); // a change, so the index is written
    await readBoard(repo, cache);
    const index = loadTaskIndex(indexFile(), parserFingerprint());
    // alpha and beta settled (trusted by identity), gamma fresh (trusted by digest).
    expect([...index].map(([n, e]) => [n, e.digest === null]).sort()).toEqual([
      ['alpha.md', true],
      ['beta.md', true],
      ['gamma.md', false],
    ]);
    const view = (b: Board): unknown[] => b.tasks.map((t) => [t.slug, t.state, t.task, t.error]);
    const again = await readBoard(repo); // alpha and beta from the index, gamma parsed
    expect(view(again).slice(0, 2)).toStrictEqual(view(first));
    expect(again.tasks[2]?.task?.slug).toBe('gamma');
    // No temp file is left, in either scheme: write-file-atomic's `<file>.<number>`, or `.tmp`.
    const temps = readdirSync(path.join(root, '.git')).filter((n) => /\.tmp$|^baton-.*\.\d+$/.test(n));
    expect(temps).toEqual([]);
  });

  it('answers for a file rewritten with the same text without parsing it again', async () => {
    const file = path.join(root, 'tasks/alpha.md');
    writeFileSync(file, '---\npriority: 2\n---\nAlpha.\n');
    const cache: TaskFileCache = new Map();
    await readBoard(repo, cache);
    const parsed = cache.get('alpha.md')?.result;
    rmSync(file);
    writeFileSync(file, '---\npriority: 2\n---\nAlpha.\n'); // another inode, the same text
    await readBoard(repo, cache);
    expect(cache.get('alpha.md')?.result).toBe(parsed);
    writeFileSync(file, '---\npriority: 3\n---\nAlpha.\n'); // same size, in place, same moment
    expect((await readBoard(repo, cache)).tasks[0]?.task?.priority).toBe(3);
  });

  it('is never trusted for a file changed since', async () => {
    const file = path.join(root, 'tasks/alpha.md');
    writeFileSync(file, '---\npriority: 2\n---\nAlpha.\n');
    const cache: TaskFileCache = new Map();
    await readSettled(cache);
    writeFileSync(path.join(root, 'tasks/other.md'), 'Other.\n');
    await readBoard(repo, cache);
    expect(loadTaskIndex(indexFile(), parserFingerprint()).has('alpha.md')).toBe(true);
    writeFileSync(file, '---\npriority: 9\n---\nAlpha, changed.\n');
    expect((await readBoard(repo)).tasks[0]?.task?.priority).toBe(9);
  });
});
