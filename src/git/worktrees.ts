/**
 * git's worktree commands: list, add, remove, prune. Callers hold the repository lock around
 * add/remove/prune (see worktree.ts); this file only runs git.
 */
import { git } from './run.js';

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Short branch name, or null when detached or bare. */
  branch: string | null;
  bare: boolean;
  prunable: boolean;
}

/** Every worktree git knows of, the main one first. */
export async function listWorktrees(root: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await git(root).raw(['worktree', 'list', '--porcelain']));
}

/** Parses `git worktree list --porcelain` output (pure). */
export function parseWorktreeList(out: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice('worktree '.length), head: null, branch: null, bare: false, prunable: false };
      entries.push(cur);
    } else if (cur === null) {
      continue;
    } else if (line.startsWith('HEAD ')) {
      cur.head = line.slice(5);
    } else if (line.startsWith('branch ')) {
      cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    } else if (line === 'bare') {
      cur.bare = true;
    } else if (line.startsWith('prunable')) {
      cur.prunable = true;
    }
  }
  return entries;
}

/** Forgets worktrees whose folders are gone (`git worktree prune`). */
export async function worktreePrune(root: string): Promise<void> {
  await git(root).raw(['worktree', 'prune']);
}

/** What `worktreeAdd` checks out: an existing branch, or a new one started from `from`. */
export type WorktreeCheckout = { branch: string } | { newBranch: string; from: string };

/**
 * `git worktree add`. `env` is set for git and its hooks (baton passes BATON_ALLOW for a
 * worktree it decided to make).
 */
export async function worktreeAdd(
  root: string,
  worktreePath: string,
  checkout: WorktreeCheckout,
  env: Record<string, string> = {},
): Promise<void> {
  const args =
    'branch' in checkout
      ? ['worktree', 'add', worktreePath, checkout.branch]
      : ['worktree', 'add', '-b', checkout.newBranch, worktreePath, checkout.from];
  await git(root, { env }).raw(args);
}

/** `git worktree remove`; with `force`, even when it has changes or is locked (`--force` twice). */
export async function worktreeRemove(root: string, worktreePath: string, force: boolean): Promise<void> {
  await git(root).raw(['worktree', 'remove', ...(force ? ['--force', '--force'] : []), worktreePath]);
}
