/**
 * The reconcile's check of "one branch, one worktree" (docs/design.md, "The watcher"): hooks can be bypassed
 * (`--no-verify`, `core.hooksPath=/dev/null`), so status and the heartbeat look for themselves.
 */
import { listWorktrees, type WorktreeEntry } from '../git/worktrees.js';
import { realOrResolved } from '../hooks/layout.js';
import { describeMisplaced, findMisplacedBranches } from '../hooks/misplaced.js';
import type { Repo } from './repo.js';

/**
 * One sentence plus the fix for every task branch or worktree that is out of place. `listing` is
 * `listWorktrees` begun earlier by a caller that had other work to do while git runs.
 */
export async function misplacedProblems(
  repo: Repo,
  slugs: ReadonlySet<string>,
  listing: Promise<WorktreeEntry[]> = startWorktreeListing(repo),
): Promise<string[]> {
  const entries = await listing;
  const found = findMisplacedBranches(
    entries,
    { branchPrefix: repo.config.branchPrefix, worktreesDir: repo.config.worktreesDir },
    { isTask: (slug) => slugs.has(slug), realpath: realOrResolved },
  );
  return found.map((m) => {
    const d = describeMisplaced(m);
    return `${d.message} ${d.hint}`;
  });
}

/** `git worktree list`, begun now; a failure lists nothing (the check is advice, not a gate). */
export function startWorktreeListing(repo: Repo): Promise<WorktreeEntry[]> {
  return listWorktrees(repo.info.root).catch(() => []);
}
