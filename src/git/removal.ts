/**
 * The git side of `baton remove`: reading what a worktree and a branch hold that nothing else
 * does, and removing them. Every destructive call here is made under the repository lock by
 * the caller (ops/remove.ts); git itself refuses to delete a branch checked out anywhere.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { RemovalFacts } from '../domain/removal.js';
import { branchExists, git, listWorktrees, type WorktreeEntry } from './repo.js';

/** What to read facts about. */
export interface RemovalTarget {
  root: string;
  slug: string;
  branch: string;
  worktreePath: string;
  base: string | null;
}

/** The task's worktree as git lists it (not prunable), or null. */
export async function findTaskWorktree(root: string, worktreePath: string): Promise<WorktreeEntry | null> {
  const target = real(worktreePath);
  const entries = await listWorktrees(root);
  return entries.find((e) => !e.prunable && !e.bare && real(e.path) === target) ?? null;
}

/** Reads everything `decideRemoval` needs. */
export async function readRemovalFacts(t: RemovalTarget): Promise<RemovalFacts> {
  const entries = await listWorktrees(t.root);
  const target = real(t.worktreePath);
  const wt = entries.find((e) => !e.prunable && !e.bare && real(e.path) === target) ?? null;
  const base = t.base !== null && (await branchExists(t.root, t.base)) ? t.base : null;
  const keep = ['--remotes', ...(base === null ? [] : [`refs/heads/${base}`])];

  let worktree: RemovalFacts['worktree'] = null;
  if (wt !== null) {
    const status = await git(wt.path).raw(['status', '--porcelain', '--untracked-files=all']);
    const dirty = status.split('\n').filter((l) => l.trim() !== '');
    const detachedCommits =
      wt.branch === null && wt.head !== null
        ? await count(t.root, [wt.head, '--not', '--branches', ...keep])
        : 0;
    worktree = { path: wt.path, branch: wt.branch, dirty, detachedCommits };
  }

  let branchInfo: RemovalFacts['branchInfo'] = null;
  if (await branchExists(t.root, t.branch)) {
    const ref = `refs/heads/${t.branch}`;
    const head = (await git(t.root).raw(['rev-parse', '--verify', `${ref}^{commit}`])).trim();
    const unsafeCommits = await count(t.root, [ref, '--not', ...keep]);
    const merged = base === null ? false : await isAncestor(t.root, ref, `refs/heads/${base}`);
    const elsewhere = entries.find((e) => !e.prunable && e.branch === t.branch && real(e.path) !== target);
    branchInfo = { head, unsafeCommits, merged, checkedOutAt: elsewhere?.path ?? null };
  }
  return { slug: t.slug, branch: t.branch, worktree, branchInfo, base };
}

/** `git worktree remove [--force] <path>`, then prune what is left of it. */
export async function removeWorktree(root: string, worktreePath: string, force: boolean): Promise<void> {
  const g = git(root);
  await g.raw(['worktree', 'remove', ...(force ? ['--force', '--force'] : []), worktreePath]);
  await g.raw(['worktree', 'prune']);
}

/** Deletes a branch; the caller has decided it may (merged into the base, or --force). */
export async function deleteBranch(root: string, branch: string): Promise<void> {
  // -D, not -d: -d judges "merged" against HEAD or the upstream, and the caller has already
  // judged it against the task's base.
  await git(root).raw(['branch', '-D', '--', branch]);
}

async function count(root: string, args: string[]): Promise<number> {
  const out = await git(root).raw(['rev-list', '--count', ...args]);
  const n = Number.parseInt(out.trim(), 10);
  return Number.isNaN(n) ? 0 : n;
}

async function isAncestor(root: string, ref: string, base: string): Promise<boolean> {
  // `merge-base --is-ancestor` answers by exit code alone; comparing the merge base says the same
  // and tells a failed git apart from a "no".
  const [mb, tip] = await Promise.all([
    git(root)
      .raw(['merge-base', ref, base])
      .catch(() => ''),
    git(root).raw(['rev-parse', `${ref}^{commit}`]),
  ]);
  return mb.trim() !== '' && mb.trim() === tip.trim();
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
