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

/** A branch against its base: commits each side lacks, and the files the branch's own commits touched. */
export interface BranchCounts {
  behind: number;
  ahead: number;
  files: string[];
}

/**
 * One `git log --left-right base...branch`: commits only on the base (behind), commits only on the
 * branch (ahead) and the files those touched (renames as a delete and an add; merge commits list
 * none). One process per moved branch, where `rev-list --count` and `diff --name-only` are two.
 */
export async function branchCounts(root: string, base: string, branch: string): Promise<BranchCounts> {
  const out = await git(root).raw([
    'log',
    '--left-right',
    '--format=%x00%m',
    '--name-only',
    '--no-renames',
    '--no-color',
    `${base}...${branch}`,
  ]);
  return parseLeftRight(out);
}

/** `branchCounts`' reading of its log (exported for its tests). */
export function parseLeftRight(out: string): BranchCounts {
  let behind = 0;
  let ahead = 0;
  let side: string | null = null;
  const files = new Set<string>();
  for (const line of out.split('\n')) {
    if (line.startsWith('\0')) {
      side = line.slice(1);
      if (side === '<') behind++;
      else if (side === '>') ahead++;
    } else if (line !== '' && side === '>') files.add(line);
  }
  return { behind, ahead, files: [...files].sort() };
}

/** What `mergeMany` found for each merge asked, in order: the conflicted files ([] when clean). */
export type MergeAnswers = { files: string[][] } | { tooOld: true };

/**
 * Merges each pair of commits in memory, all in one `git merge-tree --write-tree --stdin`
 * (git 2.38+: nothing is checked out, no worktree or index is touched; the trees it writes are
 * unreachable objects that `git gc` prunes). Exit 129 is an older git that does not know it.
 */
export async function mergeMany(root: string, pairs: readonly [string, string][]): Promise<MergeAnswers> {
  if (pairs.length === 0) return { files: [] };
  try {
    const input = pairs.map(([a, b]) => `${a} ${b}\n`).join('');
    const r = await git(root).fed(
      ['merge-tree', '--write-tree', '--stdin', '--name-only', '--no-messages'],
      input,
      [],
    );
    const files = parseMergeTreeStdin(r.stdout);
    if (files.length !== pairs.length)
      throw new Error(`git merge-tree answered ${files.length} of ${pairs.length} merges`);
    return { files };
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

/**
 * The conflicted files of each merge in `git merge-tree --write-tree --stdin --name-only
 * --no-messages` output (NUL-separated): per merge, `1` (clean) or `0` (conflicts), the tree's
 * id, one name per conflicted stage (a file may appear once per stage), then an empty field.
 */
export function parseMergeTreeStdin(stdout: string): string[][] {
  const fields = stdout.split('\0');
  const out: string[][] = [];
  let i = 0;
  while (i + 1 < fields.length && fields[i] !== '') {
    const clean = fields[i] === '1';
    i += 2; // the status, the tree
    const files = new Set<string>();
    while (i < fields.length && fields[i] !== '') files.add(fields[i++] as string);
    i++; // the empty field ending this merge
    out.push(clean ? [] : [...files].sort());
  }
  return out;
}
