/**
 * The git side of the conflict radar (domain/radar.ts decides): branch tips read from git's ref
 * files without starting git, and the three questions asked of a branch whose tip moved.
 *
 * Tips come from the files because the radar must cost nothing while no branch moves: a
 * heartbeat reads a few small files (`refs/heads/<branch>`, `packed-refs`, `HEAD`) and starts no
 * process. A repository on the reftable backend (git 2.45+) has no such files: there one
 * `git for-each-ref` per heartbeat reads them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseMergeTree } from '../domain/radar.js';
import { git, GitCommandError } from './run.js';

/** Tips of `refs/heads/<name>` for each name asked, by name; null for a branch that does not exist. */
export async function readBranchTips(
  commonDir: string,
  names: readonly string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (await exists(path.join(commonDir, 'reftable'))) return forEachRef(commonDir, names);
  let packed: Map<string, string> | null = null;
  for (const name of new Set(names)) {
    const loose = await readLoose(commonDir, name);
    if (loose === 'symbolic') return forEachRef(commonDir, names); // rare: let git resolve it
    if (loose !== null) {
      out.set(name, loose);
      continue;
    }
    packed ??= await readPacked(commonDir);
    out.set(name, packed.get(`refs/heads/${name}`) ?? null);
  }
  return out;
}

/** The branch checked out in the main worktree (a task's default base), or null on a detached HEAD. */
export async function mainBranchFromFile(commonDir: string): Promise<string | null> {
  const head = await fs.readFile(path.join(commonDir, 'HEAD'), 'utf8').catch(() => '');
  const m = /^ref: refs\/heads\/(.+)$/m.exec(head);
  return m?.[1]?.trim() ?? null;
}

async function readLoose(commonDir: string, name: string): Promise<string | null | 'symbolic'> {
  let text: string;
  try {
    text = await fs.readFile(path.join(commonDir, 'refs', 'heads', ...name.split('/')), 'utf8');
  } catch {
    return null; // not loose: packed, or no such branch
  }
  const t = text.trim();
  if (/^[0-9a-f]{40,64}$/.test(t)) return t;
  return 'symbolic';
}

async function readPacked(commonDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await fs.readFile(path.join(commonDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return out;
}

async function forEachRef(commonDir: string, names: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(names.map((n) => [n, null]));
  const text = await git(commonDir).raw(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/']);
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    const name = line.slice(sp + 1).replace(/^refs\/heads\//, '');
    if (sp > 0 && out.has(name)) out.set(name, line.slice(0, sp));
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Commits on `base` the branch lacks, and on `branch` the base lacks (`rev-list --left-right --count`). */
export async function behindAhead(
  root: string,
  base: string,
  branch: string,
): Promise<{ behind: number; ahead: number }> {
  const out = await git(root).raw(['rev-list', '--left-right', '--count', `${base}...${branch}`]);
  const [behind, ahead] = out.trim().split(/\s+/).map(Number);
  return { behind: behind ?? 0, ahead: ahead ?? 0 };
}

/** Files `branch` changed since it left `base` (from their merge base; a rename is a delete and an add). */
export async function changedFiles(root: string, base: string, branch: string): Promise<string[]> {
  const out = await git(root).raw(['diff', '--name-only', '--no-renames', '-z', `${base}...${branch}`]);
  return out.split('\0').filter((p) => p !== '');
}

/** What `mergeConflicts` found: the conflicted files, or that this git has no `--write-tree`. */
export type MergeAnswer = { files: string[] } | { tooOld: true };

/**
 * The files that conflict when `a` and `b` are merged, by a merge made in memory (`git merge-tree
 * --write-tree`, git 2.38+: nothing is checked out, no worktree or index is touched). Exit 1 is
 * its answer "conflicts"; exit 129 is an older git that does not know the option.
 */
export async function mergeConflicts(root: string, a: string, b: string): Promise<MergeAnswer> {
  try {
    const r = await git(root).exit(
      ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', a, b],
      [1],
    );
    return { files: r.exitCode === 0 ? [] : parseMergeTree(r.stdout) };
  } catch (err) {
    if (err instanceof GitCommandError && err.exitCode === 129) return { tooOld: true };
    throw err;
  }
}

/** What `git version` prints, e.g. `git version 2.39.5`; null when git cannot say. */
export async function gitVersionText(root: string): Promise<string | null> {
  try {
    return (await git(root).raw(['version'])).trim();
  } catch {
    return null;
  }
}
