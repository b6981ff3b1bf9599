/**
 * Questions about branches and commits, and the one ref baton deletes. Where git answers by exit
 * code alone, the answer comes back as a value and only a real failure (a bad ref, no
 * repository) rejects.
 */
import { git } from './run.js';

/** The branch checked out at `dir`, or null on a detached HEAD. */
export async function currentBranch(dir: string): Promise<string | null> {
  // -q: exit 1 in silence when HEAD is detached.
  const r = await git(dir).exit(['symbolic-ref', '--short', '-q', 'HEAD'], [1]);
  const name = r.stdout.trim();
  return r.exitCode === 0 && name !== '' ? name : null;
}

/** True when `refs/heads/<branch>` exists. */
export async function branchExists(dir: string, branch: string): Promise<boolean> {
  const r = await git(dir).exit(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], [1]);
  return r.exitCode === 0;
}

/** The commit `rev` names, or null when it names none (an unborn HEAD, a missing branch). */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  // --verify --quiet: exit 1 with nothing on stderr when there is no such commit.
  const r = await git(dir).exit(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], [1]);
  const sha = r.stdout.trim();
  return r.exitCode === 0 && sha !== '' ? sha : null;
}

/** True when `ancestor` is `descendant` or in its history (`merge-base --is-ancestor`). */
export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  // Exit 1 means "no", in silence; 128 is a bad revision and rejects.
  const r = await git(dir).exit(['merge-base', '--is-ancestor', ancestor, descendant], [1]);
  return r.exitCode === 0;
}

/** How many commits `git rev-list --count <revs>` counts (revs as rev-list takes them). */
export async function countCommits(dir: string, revs: readonly string[]): Promise<number> {
  const out = await git(dir).raw(['rev-list', '--count', ...revs]);
  const n = Number.parseInt(out.trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Deletes a branch whatever it holds; the caller has decided it may. */
export async function deleteBranch(dir: string, branch: string): Promise<void> {
  // -D, not -d: -d judges "merged" against HEAD or the upstream, and the callers judge it
  // against the task's base.
  await git(dir).raw(['branch', '-D', '--', branch]);
}
