/**
 * watchFolders (src/watch/folder-events.ts) on real folders with real chokidar: names per
 * folder, nothing from folders below the ones asked for, and folders made late or made anew.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { watchFolders, type FolderEvents } from '../../src/watch/folder-events.js';

let base: string;
let w: FolderEvents | null = null;
beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'baton-folder-events-'));
});
afterEach(async () => {
  await w?.close();
  w = null;
  rmSync(base, { recursive: true, force: true });
});

interface Seen {
  dir: string;
  name: string | null;
}

/** Starts a watch of `dirs`; `next(name)` resolves at the first event naming `name` from then on. */
async function watching(dirs: string[]): Promise<{
  next: (name: string | null, dir?: string) => Promise<string>;
  all: Seen[];
  errors: unknown[];
}> {
  const waiters: { name: string | null; dir?: string; resolve: (dir: string) => void }[] = [];
  const all: Seen[] = [];
  const errors: unknown[] = [];
  w = watchFolders(dirs, {
    onName: (dir, name) => {
      all.push({ dir, name });
      for (const x of waiters.filter((x) => x.name === name && (x.dir ?? dir) === dir)) {
        waiters.splice(waiters.indexOf(x), 1);
        x.resolve(dir);
      }
    },
    onError: (err) => errors.push(err),
  });
  await w.ready;
  return {
    next: (name, dir) => new Promise((resolve) => waiters.push({ name, dir, resolve })),
    all,
    errors,
  };
}

it('names entries created, renamed in and rewritten, per folder', async () => {
  const a = path.join(base, 'a');
  const b = path.join(base, 'b');
  mkdirSync(a);
  mkdirSync(b);
  const { next, errors } = await watching([a, b]);
  let seen = next('x.md');
  writeFileSync(path.join(a, 'x.md'), 'one');
  expect(await seen).toBe(a);
  seen = next('y.md');
  writeFileSync(path.join(base, 'y.tmp'), 'drop');
  renameSync(path.join(base, 'y.tmp'), path.join(b, 'y.md'));
  expect(await seen).toBe(b);
  seen = next('x.md');
  writeFileSync(path.join(a, 'x.md'), 'two');
  expect(await seen).toBe(a);
  expect(errors).toEqual([]);
});

it('reports a nested folder once, and nothing from folders below the ones asked for', async () => {
  const tasks = path.join(base, 'tasks');
  const logs = path.join(tasks, 'logs');
  mkdirSync(path.join(logs, 'inbox', 'a'), { recursive: true });
  mkdirSync(path.join(tasks, 'archive'));
  const { next, all, errors } = await watching([tasks, logs]);
  writeFileSync(path.join(logs, 'inbox', 'a', 'deep.md'), 'x');
  writeFileSync(path.join(tasks, 'archive', 'old.md'), 'x');
  const seen = next('s.status.json');
  writeFileSync(path.join(logs, 's.status.json'), '{}');
  expect(await seen).toBe(logs);
  // The marker goes last: had the deeper writes been reported, they would be in by now.
  const marker = next('marker.md');
  writeFileSync(path.join(tasks, 'marker.md'), 'x');
  await marker;
  expect(all.filter((s) => s.name === 's.status.json').length).toBeGreaterThan(0);
  expect(all.filter((s) => s.name === 'deep.md' || s.name === 'old.md')).toEqual([]);
  expect(all.every((s) => s.dir === tasks || s.dir === logs)).toBe(true);
  expect(errors).toEqual([]);
});

it('watches a folder made after it started, and folders deleted and made anew, without being asked again', async () => {
  const tasks = path.join(base, 'tasks');
  const logs = path.join(tasks, 'logs');
  const { next, errors } = await watching([tasks, logs]);
  let appeared = next(null, tasks);
  mkdirSync(logs, { recursive: true });
  await appeared;
  let seen = next('a.md');
  writeFileSync(path.join(tasks, 'a.md'), 'x');
  expect(await seen).toBe(tasks);
  for (let round = 0; round < 2; round++) {
    // The whole tree, then the inner folder alone; each made anew, each watched again.
    const gone = next(null, tasks);
    rmSync(tasks, { recursive: true });
    await gone;
    appeared = next(null, tasks);
    mkdirSync(logs, { recursive: true });
    await appeared;
    seen = next(`t${round}.md`);
    writeFileSync(path.join(tasks, `t${round}.md`), 'x');
    expect(await seen).toBe(tasks);
    seen = next(`s${round}.status.json`);
    writeFileSync(path.join(logs, `s${round}.status.json`), '{}');
    expect(await seen).toBe(logs);
    const logsGone = next(null, logs);
    rmSync(logs, { recursive: true });
    await logsGone;
    mkdirSync(path.join(logs, 'inbox'), { recursive: true });
    seen = next(`u${round}.status.json`);
    writeFileSync(path.join(logs, `u${round}.status.json`), '{}');
    expect(await seen).toBe(logs);
  }
  expect(errors).toEqual([]);
});
