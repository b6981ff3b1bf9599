/**
 * The git side of `baton remove`: reading what a worktree and a branch hold that nothing else
 * does, and removing them. Every destructive call here is made under the repository lock by
 * the caller (ops/remove.ts); git itself refuses to delete a branch checked out anywhere.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { RemovalFacts } from '../domain/removal.js';
import { branchExists, countCommits, isAncestor, resolveCommit } from './refs.js';
import { statusPorcelain } from './status.js';
import { listWorktrees, worktreePrune, worktreeRemove, type WorktreeEntry } from './worktrees.js';

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
    const dirty = await statusPorcelain(wt.path, { allUntracked: true });
    const detachedCommits =
      wt.branch === null && wt.head !== null
        ? await countCommits(t.root, [wt.head, '--not', '--branches', ...keep])
        : 0;
    worktree = { path: wt.path, branch: wt.branch, dirty, detachedCommits };
  }

  let branchInfo: RemovalFacts['branchInfo'] = null;
  if (await branchExists(t.root, t.branch)) {
    const ref = `refs/heads/${t.branch}`;
    const head = await resolveCommit(t.root, ref);
    if (head === null) throw new Error(`${ref} names no commit`);
    const unsafeCommits = await countCommits(t.root, [ref, '--not', ...keep]);
    const merged = base === null ? false : await isAncestor(t.root, ref, `refs/heads/${base}`);
    const elsewhere = entries.find((e) => !e.prunable && e.branch === t.branch && real(e.path) !== target);
    branchInfo = { head, unsafeCommits, merged, checkedOutAt: elsewhere?.path ?? null };
  }
  return { slug: t.slug, branch: t.branch, worktree, branchInfo, base };
}

/** `git worktree remove [--force] <path>`, then prune what is left of it. */
export async function removeWorktree(root: string, worktreePath: string, force: boolean): Promise<void> {
  await worktreeRemove(root, worktreePath, force);
  await worktreePrune(root);
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
