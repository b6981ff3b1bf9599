import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listDir, listingOf } from '../../src/store/listing.js';
import { statusFileName } from '../../src/store/status-read.js';
import { repoPaths, taskPaths } from '../../src/store/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-listing-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('says which names a folder holds', () => {
  writeFileSync(path.join(dir, 'a.md'), 'x');
  mkdirSync(path.join(dir, 'sub'));
  const l = listDir(dir);
  expect([...(l.names ?? [])].sort()).toEqual(['a.md', 'sub']);
  expect(l.has('a.md')).toBe(true);
  expect(l.has('sub')).toBe(true);
  expect(l.has('b.md')).toBe(false);
});

it('lists a missing folder, or a file in its place, as empty', () => {
  expect(listDir(path.join(dir, 'nope')).names).toEqual([]);
  expect(listDir(path.join(dir, 'nope')).has('x')).toBe(false);
  writeFileSync(path.join(dir, 'file'), 'x');
  expect(listDir(path.join(dir, 'file')).has('x')).toBe(false);
});

it('rules nothing out when the folder could not be listed', () => {
  const unknown = listingOf(null);
  expect(unknown.names).toBeNull();
  expect(unknown.has('anything')).toBe(true);
});

it('names status files as taskPaths does', () => {
  const paths = repoPaths('/r');
  for (const slug of ['a', 'fix-login-2'])
    expect(path.join(paths.logsDir, statusFileName(slug))).toBe(taskPaths(paths, slug).statusFile);
});
