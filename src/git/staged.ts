/** What an index has staged against HEAD: the paths and the blobs a commit from it would carry. */
import type { StagedEntry } from '../domain/hand-staged.js';
import { git } from './run.js';

/**
 * The entries staged in the worktree at `dir`: in its own index, or in `indexFile` (the index a
 * commit is being made from, which git names to its hooks in GIT_INDEX_FILE: `commit -a` and
 * `commit <paths>` build one of their own). None when nothing is staged.
 */
export async function stagedEntries(dir: string, indexFile?: string): Promise<StagedEntry[]> {
  // --no-optional-locks: git holds the index lock while a commit's hook runs.
  const out = await git(dir, indexFile ? { env: { GIT_INDEX_FILE: indexFile } } : {}).raw([
    '--no-optional-locks',
    'diff',
    '--cached',
    '--raw',
    '-z',
    '--no-renames',
    '--no-abbrev',
    '--no-ext-diff',
  ]);
  return parseRawZ(out);
}

/**
 * `git diff --raw -z` output as entries: `:<old mode> <new mode> <old> <new> <status>\0<path>\0`
 * per change (renames are off, so one path each). Pure.
 */
export function parseRawZ(out: string): StagedEntry[] {
  const fields = out.split('\0');
  const entries: StagedEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const m = /^:\d+ (\d+) [0-9a-f]+ ([0-9a-f]+) [A-Z]\d*$/.exec(fields[i] ?? '');
    const p = fields[i + 1];
    if (m === null || p === undefined || p === '') continue;
    entries.push({ path: p, mode: m[1] ?? '', blob: m[2] ?? '' });
  }
  return entries;
}
