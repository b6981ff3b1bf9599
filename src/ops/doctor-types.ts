/** What `baton doctor` finds: one finding per problem, with the sentence, the fix, and what `--fix` may do. */

/** Every kind of finding. Stable: `doctor --json` prints them. */
export type FindingKind =
  /** The status says a worker runs, but no live worker holds the task's lock. */
  | 'worker-gone'
  /** A lock (task, repository or watcher) not released by a holder that is dead: harmless, taken over on next use. */
  | 'stale-lock'
  /** A worktree in worktreesDir with no task file. */
  | 'orphan-worktree'
  /** A folder in worktreesDir that git does not know as a worktree: it blocks dispatching that slug. */
  | 'not-a-worktree'
  /** A worktree git still lists whose folder is gone. */
  | 'prunable-worktree'
  /** A task's worktree on another branch. */
  | 'wrong-branch'
  /** A task's branch checked out somewhere else than its worktree. */
  | 'branch-elsewhere'
  /** A temp file left by a writer that died. */
  | 'stray-temp'
  /** A follow-up claimed by an ingester that died before moving it into the inbox. */
  | 'stale-claim'
  /** tasks/ or tasks/logs/ is missing. */
  | 'missing-dir'
  /** tasks/logs/ is not ignored by git. */
  | 'logs-not-ignored'
  /** Files under tasks/logs/ are tracked by git. */
  | 'logs-tracked'
  /** An agent's usage limit is past its reset, but the tasks parked at it were not resumed. */
  | 'limit-not-resumed'
  /** A git hook problem reported by the hooks module (`hook-missing`, `hook-replaced`, ...). */
  | `hook-${string}`;

/** What `--fix` does for a finding; absent when it must be left to a person. */
export type FixAction =
  | { type: 'mark-worker-gone'; slug: string; runId: string | null }
  | { type: 'remove-file'; path: string; olderThanMs: number }
  | { type: 'prune-worktrees' }
  | { type: 'create-dirs' }
  | { type: 'ignore-logs' }
  | { type: 'install-hooks' };

/** One finding. A `note` is harmless and never makes the exit code non-zero. */
export interface Finding {
  kind: FindingKind;
  severity: 'problem' | 'note';
  /** One sentence: what is wrong. */
  message: string;
  /** The command that fixes it, or what `--fix` does. */
  fix: string;
  action: FixAction | null;
  fixed: boolean;
}

/** A problem with no automatic fix. */
export function problem(
  kind: FindingKind,
  message: string,
  fix: string,
  action: FixAction | null = null,
): Finding {
  return { kind, severity: 'problem', message, fix, action, fixed: false };
}

/** A harmless finding, shown so nobody wonders about it. */
export function note(kind: FindingKind, message: string, fix: string): Finding {
  return { kind, severity: 'note', message, fix, action: null, fixed: false };
}
