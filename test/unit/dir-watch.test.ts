import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DirWatch } from '../../src/watch/dir-watch.js';

let base: string;
let w: DirWatch | null = null;
beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'baton-dirwatch-'));
});
afterEach(() => {
  w?.close();
  rmSync(base, { recursive: true, force: true });
});

/** Starts a watch of `dirs`; `next(name)` resolves at the first event naming `name`. */
function watching(dirs: string[]): { next: (name: string) => Promise<string>; errors: unknown[] } {
  const waiters: { name: string; resolve: (dir: string) => void }[] = [];
  const errors: unknown[] = [];
  w = new DirWatch(dirs, {
    onName: (dir, name) => {
      for (const x of waiters.filter((x) => x.name === name)) x.resolve(dir);
    },
    onError: (err) => errors.push(err),
  });
  w.arm();
  return { next: (name) => new Promise((resolve) => waiters.push({ name, resolve })), errors };
}

it('names entries created, renamed in and rewritten, per folder', async () => {
  const a = path.join(base, 'a');
  const b = path.join(base, 'b');
  mkdirSync(a);
  mkdirSync(b);
  const { next, errors } = watching([a, b]);
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

it('watches a folder made after it started, or made anew, from the next arm on', async () => {
  const d = path.join(base, 'later');
  const { next, errors } = watching([d]);
  mkdirSync(d);
  w?.arm();
  let seen = next('a.md');
  writeFileSync(path.join(d, 'a.md'), 'x');
  expect(await seen).toBe(d);
  rmSync(d, { recursive: true });
  mkdirSync(d);
  w?.arm();
  seen = next('b.md');
  writeFileSync(path.join(d, 'b.md'), 'x');
  expect(await seen).toBe(d);
  expect(errors).toEqual([]);
});
