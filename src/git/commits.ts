/**
 * Making repositories and commits: what the demo does in its sandbox and its demo agent does in
 * a task's worktree. baton itself never commits.
 */
import { git, type GitOptions } from './run.js';

/** `git init -b <branch>` followed by an empty first commit, so worktrees can branch from it. */
export async function initRepoWithCommit(
  dir: string,
  branch: string,
  message: string,
  opts: GitOptions = {},
): Promise<void> {
  const g = git(dir, opts);
  await g.raw(['init', '-q', '-b', branch]);
  await g.raw(['commit', '-q', '--allow-empty', '-m', message]);
}

/** Stages `paths` and commits them; resolves to the new commit's short hash. */
export async function commitPaths(
  dir: string,
  paths: readonly string[],
  message: string,
  opts: GitOptions = {},
): Promise<string> {
  const g = git(dir, opts);
  await g.raw(['add', '--', ...paths]);
  await g.raw(['commit', '-q', '-m', message]);
  return (await g.raw(['rev-parse', '--short', 'HEAD'])).trim();
}

/** `git log --format='%h %s' <range>`: one `hash subject` line per commit, newest first. */
export async function logOneline(dir: string, range: string, opts: GitOptions = {}): Promise<string[]> {
  const out = await git(dir, opts).raw(['log', '--format=%h %s', range]);
  return out.split('\n').filter((l) => l !== '');
}

/** Merges `branch` into the checked-out branch only when that is a fast-forward. */
export async function mergeFastForward(dir: string, branch: string, opts: GitOptions = {}): Promise<void> {
  await git(dir, opts).raw(['merge', '-q', '--ff-only', branch]);
}
