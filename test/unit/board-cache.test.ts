import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { readBoard, type TaskFileCache } from '../../src/ops/board.js';
import type { Repo } from '../../src/ops/repo.js';
import { repoPaths } from '../../src/store/paths.js';

let root: string;
let repo: Repo;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-board-'));
  mkdirSync(path.join(root, 'tasks/logs'), { recursive: true });
  repo = {
    info: { root, commonDir: path.join(root, '.git') },
    config: parseConfig(null, 'baton.yaml', {}, root).config,
    paths: repoPaths(root),
  };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('re-parses only task files that changed, and forgets deleted ones', async () => {
  const file = path.join(root, 'tasks/alpha.md');
  writeFileSync(file, '---\npriority: 1\n---\nFirst.\n');
  writeFileSync(path.join(root, 'tasks/beta.md'), 'Beta.\n');
  const cache: TaskFileCache = new Map();
  const first = await readBoard(repo, cache);
  expect(first.tasks.map((t) => t.task?.priority)).toEqual([1, 0]);
  const cachedAlpha = cache.get('alpha.md')?.result;
  expect((await readBoard(repo, cache)).tasks).toHaveLength(2);
  expect(cache.get('alpha.md')?.result).toBe(cachedAlpha); // same object: not parsed again
  writeFileSync(file, '---\npriority: 7\n---\nChanged, and longer.\n');
  const second = await readBoard(repo, cache);
  expect(second.tasks[0]?.task?.priority).toBe(7);
  rmSync(path.join(root, 'tasks/beta.md'));
  await readBoard(repo, cache);
  expect([...cache.keys()]).toEqual(['alpha.md']);
});
