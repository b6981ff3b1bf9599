/**
 * What `baton remove` may do with a task's worktree and branch (docs/guide.md, "Finishing a task"), decided from
 * facts read off git. Pure. Agent work is never thrown away silently: without `force`, anything
 * that only the worktree or the branch holds (uncommitted changes, commits that no remote and
 * no base branch has) makes it refuse; with `force` it goes ahead and says what was lost.
 */

/** What git says about a task's worktree and branch. */
export interface RemovalFacts {
  slug: string;
  /** The task branch, e.g. `task/fix-login`. */
  branch: string;
  /** The task's worktree as git knows it; null when git has none at the task's path. */
  worktree: {
    path: string;
    /** The branch checked out there; null on a detached HEAD. */
    branch: string | null;
    /** `git status --porcelain` lines (untracked files included). */
    dirty: string[];
    /** Commits reachable only from a detached HEAD there (no branch or remote has them). */
    detachedCommits: number;
  } | null;
  /** The task branch; null when it does not exist. */
  branchInfo: {
    /** The commit it points at. */
    head: string;
    /** Commits on it that are on no remote-tracking branch and not in `base`. */
    unsafeCommits: number;
    /** Its tip is contained in `base`. */
    merged: boolean;
    /** Where another worktree than the task's has it checked out, if any. */
    checkedOutAt: string | null;
  } | null;
  /** The branch merges are judged against (the task's `base`, or the main worktree's branch); null when none. */
  base: string | null;
}

/** Why the branch is kept. */
export type KeptReason = 'unmerged-on-remote' | 'checked-out-elsewhere';

/** What to do, or why not. */
export type RemovalDecision =
  | { kind: 'refuse'; message: string; hint: string }
  | { kind: 'nothing' }
  | {
      kind: 'remove';
      removeWorktree: boolean;
      /** `merged`: contained in base; `forced`: unmerged, deleted because of --force. */
      deleteBranch: 'merged' | 'forced' | null;
      keptBecause: KeptReason | null;
      /** What --force throws away: uncommitted changes, and commits no remote or base has. */
      discarded: { uncommitted: number; commits: number };
    };

/** Decides what `baton remove` does from the facts. */
export function decideRemoval(f: RemovalFacts, force: boolean): RemovalDecision {
  if (f.worktree === null && f.branchInfo === null) return { kind: 'nothing' };
  const uncommitted = f.worktree?.dirty.length ?? 0;
  const detached = f.worktree?.detachedCommits ?? 0;
  const unsafe = f.branchInfo?.unsafeCommits ?? 0;
  if (!force && (uncommitted > 0 || detached > 0 || unsafe > 0)) {
    return { kind: 'refuse', ...refusal(f, uncommitted, detached, unsafe) };
  }
  let deleteBranch: 'merged' | 'forced' | null = null;
  let keptBecause: KeptReason | null = null;
  if (f.branchInfo !== null) {
    if (f.branchInfo.checkedOutAt !== null) keptBecause = 'checked-out-elsewhere';
    else if (f.branchInfo.merged) deleteBranch = 'merged';
    else if (force) deleteBranch = 'forced';
    else keptBecause = 'unmerged-on-remote';
  }
  return {
    kind: 'remove',
    removeWorktree: f.worktree !== null,
    deleteBranch,
    keptBecause,
    discarded: {
      uncommitted,
      commits: detached + (deleteBranch === 'forced' ? unsafe : 0),
    },
  };
}

function refusal(
  f: RemovalFacts,
  uncommitted: number,
  detached: number,
  unsafe: number,
): { message: string; hint: string } {
  const parts: string[] = [];
  if (uncommitted > 0) parts.push(`its worktree has ${plural(uncommitted, 'uncommitted change')}`);
  if (detached > 0)
    parts.push(`its worktree's detached HEAD has ${plural(detached, 'commit')} that no branch holds`);
  if (unsafe > 0) {
    const into = f.base === null ? 'any base branch' : f.base;
    parts.push(
      `its branch ${f.branch} has ${plural(unsafe, 'commit')} that ${unsafe === 1 ? 'is' : 'are'} on no remote and not merged into ${into}`,
    );
  }
  const where = f.worktree === null ? '' : ` (see \`git -C ${f.worktree.path} status\`)`;
  const fix =
    unsafe > 0 ? `merge ${f.branch} into ${f.base ?? 'its base'} or push it` : 'commit what you want to keep';
  return {
    message: `Task ${f.slug} was not removed: ${joinAnd(parts)}.`,
    hint: `To keep the work, ${fix}${where}, then remove again; to throw it away, run \`baton remove ${f.slug} --force\`.`,
  };
}

/** `1 commit`, `2 commits`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
}
