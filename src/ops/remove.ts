/**
 * `baton remove <slug> [--force]` (docs/guide.md, "Finishing a task"): delete a finished task's worktree, and its
 * branch once merged.
 *
 * The task's own lock is taken first, in this process's name, so that no worker can start in
 * the worktree while it is judged and removed (a live holder: BUSY, exit 3). Removal and branch
 * deletion run under the repository lock, like worktree creation. The lock file lives in the
 * worktree's git dir, so removing the worktree removes it too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import { decideRemoval, type KeptReason } from '../domain/removal.js';
import { ACTIVE_STATES, type TaskState } from '../domain/states.js';
import type { TaskStatus } from '../domain/types.js';
import { gitDirOf } from '../git/repo.js';
import { branchExists, currentBranch, deleteBranch } from '../git/refs.js';
import { findTaskWorktree, readRemovalFacts, removeWorktree } from '../git/removal.js';
import { repoLockPath } from '../git/worktree.js';
import { newRunId } from '../launch/run-id.js';
import { busyError } from '../launch/start-worker.js';
import { liveness, selfIdentity } from '../proc/identity.js';
import { appendHistory } from '../store/history.js';
import { releaseLock, tryAcquireLock, withRepoLock, type LockRecord } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { assertSlug, taskWorktree, type Repo } from './repo.js';
import { tearDown, type TornDown } from './teardown.js';
import { mergeTargetOf } from './dependencies.js';
import { AFTER_BASE } from '../domain/dependencies.js';
import { endOrphanedSetups, type EndedSetup } from '../worker/setup-orphans.js';

/** What `remove` did. */
export interface RemoveResult {
  slug: string;
  /** The worktree removed, or null when there was none. */
  worktree: string | null;
  branch: string;
  /** How the branch went: deleted (merged, or forced while unmerged), kept, or there was none. */
  branchOutcome:
    | { kind: 'deleted-merged'; base: string }
    | { kind: 'deleted-unmerged'; head: string; commits: number }
    | { kind: 'kept'; because: KeptReason; base: string | null; at: string | null }
    | { kind: 'none' };
  /** Uncommitted changes thrown away (only with --force). */
  discardedChanges: number;
  /** The state the status json was moved to, when it had to change (a retry must not bring it back). */
  stateChangedTo: TaskState | null;
  /** Nothing was there to remove. */
  nothing: boolean;
  /** The teardown commands run before the worktree went; null when there were none. */
  teardown?: TornDown | null;
  /** Setup commands a dead worker left running in the worktree, ended first (absent when none). */
  endedSetups?: EndedSetup[];
}

/** Removes a task's worktree (and its branch once merged); see the module comment. */
export async function removeTask(
  repo: Repo,
  slug: string,
  opts: { force?: boolean } = {},
): Promise<RemoveResult> {
  assertSlug(slug);
  const force = opts.force === true;
  const tp = taskPaths(repo.paths, slug);
  const { worktree: worktreePath, branch } = taskWorktree(repo.config, slug);
  const wt = await findTaskWorktree(repo.info.root, worktreePath);
  const hasBranch = await branchExists(repo.info.root, branch);
  if (wt === null && !hasBranch && !existsSync(tp.taskFile) && !existsSync(tp.statusFile)) {
    throw new BatonError('UNKNOWN_TASK', `There is no task ${slug}: no task file, worktree or branch.`, {
      hint: 'See `baton status` for the tasks there are.',
    });
  }
  const nothingDone: RemoveResult = {
    slug,
    worktree: null,
    branch,
    branchOutcome: { kind: 'none' },
    discardedChanges: 0,
    stateChangedTo: null,
    nothing: true,
  };
  if (wt === null && !hasBranch) return nothingDone;

  const lock =
    wt === null ? null : await takeTaskLock(repo, slug, path.join(await gitDirOf(wt.path), 'baton.lock'));
  let lockGone = false;
  try {
    // A setup command a dead worker left runs on in the worktree: it goes before anything is judged.
    const endedSetups =
      lock === null
        ? []
        : await endOrphanedSetups(tp.historyFile, '`baton remove`', {
            graceMs: repo.config.interruptGraceSeconds * 1000,
            ownRunId: lock.record.runId,
          });
    const base = await baseBranch(repo, slug);
    const facts = await readRemovalFacts({ root: repo.info.root, slug, branch, worktreePath, base });
    const decision = decideRemoval(facts, force);
    if (decision.kind === 'refuse')
      throw new BatonError('WORKTREE_CONFLICT', decision.message, { hint: decision.hint });
    if (decision.kind === 'nothing') return nothingDone;
    // Outside the repository lock: a teardown may take a while, and nothing else needs to wait.
    const torn =
      decision.removeWorktree && facts.worktree
        ? await tearDown(repo, slug, facts.worktree.path, { force, runId: lock?.record.runId ?? null })
        : null;

    const outcome = await withRepoLock(repoLockPath(repo.info.commonDir), async () => {
      if (decision.removeWorktree && facts.worktree) {
        await removeWorktree(repo.info.root, facts.worktree.path, force).catch((err: unknown) => {
          throw gitFailed(`git could not remove the worktree ${facts.worktree?.path ?? ''}`, err);
        });
        lockGone = true;
      }
      const info = facts.branchInfo;
      if (info === null) return { kind: 'none' } as const;
      if (decision.deleteBranch === null) {
        return {
          kind: 'kept',
          because: decision.keptBecause ?? 'unmerged-on-remote',
          base: facts.base,
          at: info.checkedOutAt,
        } as const;
      }
      await deleteBranch(repo.info.root, branch).catch((err: unknown) => {
        throw gitFailed(`git could not delete the branch ${branch}`, err);
      });
      return decision.deleteBranch === 'merged'
        ? ({ kind: 'deleted-merged', base: facts.base ?? '' } as const)
        : ({ kind: 'deleted-unmerged', head: info.head, commits: info.unsafeCommits } as const);
    });

    const result: RemoveResult = {
      slug,
      worktree: decision.removeWorktree ? (facts.worktree?.path ?? null) : null,
      branch,
      branchOutcome: outcome,
      discardedChanges: decision.discarded.uncommitted,
      stateChangedTo: null,
      nothing: false,
      teardown: torn,
      ...(endedSetups.length > 0 ? { endedSetups } : {}),
    };
    result.stateChangedTo = await recordRemoval(repo, slug, result, lock, force);
    return result;
  } finally {
    if (lock !== null && !lockGone) await releaseLock(lock.path, lock.record).catch(() => false);
  }
}

/** Takes the task's lock in this process's name; a live worker holding it is BUSY (exit 3). */
async function takeTaskLock(
  repo: Repo,
  slug: string,
  lockPath: string,
): Promise<{ path: string; record: LockRecord }> {
  const runId = `remove-${newRunId()}`;
  const acquired = await tryAcquireLock(lockPath, { holder: await selfIdentity(), runId, slug });
  if (!acquired.ok) {
    // busyError's hint suggests a follow-up, which keeps the worker alive: say what lets remove go on.
    throw new BatonError('BUSY', busyError(slug, acquired.holder).message, {
      hint: `Stop it with \`baton stop ${slug}\`, then run \`baton remove ${slug}\` again once \`baton status\` shows it interrupted.`,
    });
  }
  const mine = { path: lockPath, record: acquired.record };
  const stale = acquired.tookOver;
  if (stale !== null) {
    await appendHistory(taskPaths(repo.paths, slug).historyFile, 'lock_taken_over', runId, {
      from: { runId: stale.runId, pid: stale.holder.pid, epoch: stale.epoch },
      epoch: acquired.record.epoch,
      by: 'remove',
    });
    // A dead worker can leave its agent running in the worktree: never pull the floor from under it.
    if (stale.agent !== null && (await liveness(stale.agent)) === 'alive') {
      await releaseLock(lockPath, acquired.record).catch(() => false);
      throw new BatonError(
        'BUSY',
        `Task ${slug}'s worker is gone but its agent (pid ${stale.agent.pid}) still runs in the worktree.`,
        {
          hint: `End it (\`kill -INT -${stale.agent.pid}\`), then run \`baton remove ${slug}\` again.`,
        },
      );
    }
  }
  return mine;
}

/**
 * The branch merges are judged against: the task's `base` (for `base: after`, its dependency's:
 * ops/dependencies.ts), or the main worktree's branch.
 */
async function baseBranch(repo: Repo, slug: string): Promise<string | null> {
  const loaded = existsSync(taskPaths(repo.paths, slug).taskFile)
    ? await loadTaskFile(repo.info.root, `${slug}.md`)
    : null;
  if (loaded?.ok && loaded.value.base === AFTER_BASE) return mergeTargetOf(repo, loaded.value);
  if (loaded?.ok && loaded.value.base !== undefined) return loaded.value.base;
  return currentBranch(repo.info.root);
}

/**
 * Appends `removed` to history and updates the status: no worktree, no branch if deleted, no
 * worker. A task the heartbeat would retry (its worker is gone or stalled) becomes
 * `interrupted`, so that the retry does not make the worktree again behind the user's back.
 */
async function recordRemoval(
  repo: Repo,
  slug: string,
  r: RemoveResult,
  lock: { record: LockRecord } | null,
  force: boolean,
): Promise<TaskState | null> {
  const tp = taskPaths(repo.paths, slug);
  const branchDeleted =
    r.branchOutcome.kind === 'deleted-merged' || r.branchOutcome.kind === 'deleted-unmerged';
  await appendHistory(tp.historyFile, 'removed', lock?.record.runId ?? null, {
    worktree: r.worktree,
    branch: r.branch,
    branchDeleted,
    ...(r.branchOutcome.kind === 'deleted-unmerged'
      ? { unmergedHead: r.branchOutcome.head, unmergedCommits: r.branchOutcome.commits }
      : {}),
    ...(r.branchOutcome.kind === 'kept' ? { branchKept: r.branchOutcome.because } : {}),
    discardedChanges: r.discardedChanges,
    force,
  });
  const status = await readStatus(tp.statusFile);
  if (status === null) return null;
  const next = retriable(status.state) ? 'interrupted' : null;
  const patch: Partial<TaskStatus> = { worktree: null, pid: null, agentPid: null, retryAt: null };
  if (r.worktree !== null && status.ports) patch.ports = null; // the block went with the worktree
  if (branchDeleted) patch.branch = null;
  if (next !== null) patch.state = next;
  await updateStatus(tp.statusFile, slug, patch);
  if (next !== null) {
    await appendHistory(tp.historyFile, 'state_changed', lock?.record.runId ?? null, {
      from: status.state,
      to: next,
      reason: 'removed',
    });
  }
  return next;
}

function retriable(state: TaskState): boolean {
  return ACTIVE_STATES.has(state) || state === 'worker_gone' || state === 'stalled';
}

function gitFailed(what: string, err: unknown): BatonError {
  const first = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0] ?? '';
  return new BatonError('GIT_FAILED', `${what}: ${first}`, {
    hint: 'Fix what git says, then run `baton remove` again.',
    cause: err,
  });
}
