/** `baton dispatch`: make the worktree, take the lock, start the worker (docs/design.md, "The lock"). */
import { clearFailure } from '../store/dispatch-failure.js';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import { suggest } from '../domain/suggest.js';
import type { Task } from '../domain/types.js';
import { assertHasCommits, gitDirOf } from '../git/repo.js';
import { ensureWorktree, type EnsuredWorktree } from '../git/worktree.js';
import { hooksForDispatch } from '../hooks/heal.js';
import type { StandbyPool } from '../launch/standby.js';
import {
  busyError,
  dropWorker,
  launchWorker,
  startWorker,
  type StartCondition,
  type Started,
} from '../launch/start-worker.js';
import { inspectLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import type { StartKind } from '../domain/assignment.js';
import { assertAgentMayStart } from './agent-gate.js';
import { assertAgentRunnable } from './preflight.js';
import { baseBranchOf } from './dependencies.js';
import { assertUnblocked } from './dependency-gate.js';
import { AFTER_BASE } from '../domain/dependencies.js';
import { loadTask, taskWorktree, type Repo } from './repo.js';
import { clusterCtx, keepAlive, noteLostOnRetry, releaseClaim, winClaim } from '../launch/claim.js';
import type { HeldClaim } from '../store/claim.js';

/** Options of a dispatch. */
export interface DispatchOptions {
  /** Start a new session with the task prompt, whatever ran before. */
  fresh?: boolean;
  /** Continue with this text instead of the task prompt (`baton continue`). */
  continueText?: string | null;
  /** Start only to run the inbox (a follow-up arrived). */
  inboxOnly?: boolean;
  /** A follow-up may reopen a `done` task; a plain dispatch may not. */
  allowFinished?: boolean;
  /** The heartbeat's automatic retry. */
  auto?: boolean;
  /**
   * Starts no task with an agent at its usage limit (or at its own `maxConcurrent`), nor a task
   * parked at a limit (ops/agent-gate.ts): the watcher's and a follow-up's starts. A person's
   * dispatch and continue, and the heartbeat's planned resumes, do not set it.
   */
  respectLimits?: boolean;
  /**
   * The watcher's standby pool: a booted worker from it takes the assignment, saving a node
   * start. Without one (every command but the watcher), a fresh worker is spawned.
   */
  standby?: StandbyPool;
  /** Dispatch a task whose `after:` is unmet anyway (`baton dispatch --force`). */
  force?: boolean;
  /** What the watcher judged of the task, checked again under its lock (start-worker.ts). */
  startsIf?: StartCondition;
}

/** Dispatches a task; throws BUSY (exit 3) when a live worker holds its lock. */
export async function dispatch(
  repo: Repo,
  slug: string,
  opts: DispatchOptions = {},
): Promise<Started & { start: StartKind }> {
  const task = await loadTask(repo, slug);
  assertDispatchable(task, opts.allowFinished === true);
  const agent = task.agent ?? repo.config.defaultAgent;
  const agentConfig = repo.config.agents[agent];
  if (!agentConfig) {
    const meant = suggest(agent, Object.keys(repo.config.agents));
    throw new BatonError(
      'BAD_TASK',
      `tasks/${slug}.md names agent "${agent}", which baton.yaml does not define${meant === undefined ? '' : ` (did you mean ${meant}?)`}.`,
      {
        hint: `Use one of: ${Object.keys(repo.config.agents).join(', ')}; or add it under agents: in baton.yaml.`,
      },
    );
  }
  if (opts.respectLimits === true) await assertAgentMayStart(repo, slug, agent);
  if (task.after.length > 0)
    await assertUnblocked(repo, slug, {
      force: opts.force === true,
      by: opts.standby ? 'watcher' : 'dispatch',
    });
  const { worktree, branch } = taskWorktree(repo.config, slug);
  const worktreeExists = existsSync(worktree);
  // Cheap check first, so that a dispatch racing a live worker starts nothing at all. A folder
  // whose `.git` is not written yet is a concurrent dispatch's `git worktree add` at work: the
  // check under the repository lock decides then.
  const gitDir = worktreeExists ? await gitDirOf(worktree).catch(() => null) : null;
  if (gitDir !== null) await assertFree(slug, path.join(gitDir, 'baton.lock'));
  // A worktree exists only in a repository with commits: git is asked only when there is none.
  else await assertHasCommits(repo.info.root);
  assertAgentRunnable(agentConfig, process.env, {
    root: repo.info.root,
    cwd: worktreeExists ? worktree : repo.info.root,
  });
  await fs.mkdir(repo.paths.logsDir, { recursive: true });
  // Cluster mode: win the task's claim on the remote before anything starts (launch/claim.ts);
  // a refusal (another host holds it, the remote is unreachable) starts nothing.
  const cluster = clusterCtx(repo.info.root, repo.paths, repo.config.cluster);
  const claim: HeldClaim | null =
    cluster === null
      ? null
      : await winClaim(cluster, slug, opts.standby || opts.auto === true ? 'auto' : 'person').catch(
          async (err: unknown) => {
            // A retry of this host's own run finds the task moved on: the claim was lost meanwhile.
            if (opts.auto === true && err instanceof BatonError && err.code.startsWith('CLAIM_'))
              await noteLostOnRetry(cluster, slug, err);
            throw err;
          },
        );
  const alive = cluster !== null && claim !== null ? keepAlive(cluster, claim) : null;
  const letGo = async (): Promise<void> => {
    const last = await alive?.stop();
    if (cluster === null || last === undefined) return;
    // A live worker of this host holds the task (this dispatch lost the local race to it): it
    // adopts this host's newer claim at its next renewal (worker/claim-keeper.ts), so releasing
    // it here would stop that worker's agent. Otherwise a claim left live would look held until
    // its lease lapsed, and another host could then take the task over and run it again.
    if (await liveLocalWorker(worktree)) return;
    await releaseClaim(cluster, last, null).catch(() => undefined);
  };
  // The worker boots (100–400 ms for a fresh one) while the worktree is checked or made.
  const worker = launchWorker(repo.paths, slug, opts.standby);
  let ready: { wt: EnsuredWorktree; lockPath: string; start: StartKind };
  try {
    ready = await prepare(repo, slug, task, { worktree, branch }, opts);
  } catch (err) {
    await dropWorker(worker);
    await letGo();
    throw err;
  }
  const request = {
    paths: repo.paths,
    slug,
    worktree: ready.wt.path,
    branch,
    agent,
    lockPath: ready.lockPath,
    start: ready.start,
    timeoutMs: repo.config.dispatchTimeoutSeconds * 1000,
    auto: opts.auto === true,
    ...(opts.startsIf === undefined ? {} : { startsIf: opts.startsIf }),
    config: repo.config as unknown as Record<string, unknown>,
  };
  let started: Started;
  try {
    try {
      started = await startWorker({ ...request, worker });
    } catch (err) {
      // The worker died before the hand-off (a standby or a fresh worker killed while the worktree
      // was made): the lock it was named in is stale, so a fresh worker takes it over at once.
      if (!(err instanceof BatonError && err.code === 'WORKER_DIED')) throw err;
      started = await startWorker({ ...request, worker: launchWorker(repo.paths, slug) });
    }
  } catch (err) {
    // A refused claim of this host's would otherwise block other hosts until its lease lapsed.
    // (A local worker that won the lock meanwhile adopts this host's claim: worker/claim-keeper.ts.)
    await letGo();
    throw err;
  }
  await alive?.stop(); // the worker renews it from here on
  await clearFailure(repo.paths, slug); // a lasting failure recorded earlier is over
  return { ...started, start: ready.start };
}

/** The worktree (made if missing), its lock path, free, and how the worker starts. */
async function prepare(
  repo: Repo,
  slug: string,
  task: Task,
  where: { worktree: string; branch: string },
  opts: DispatchOptions,
): Promise<{ wt: EnsuredWorktree; lockPath: string; start: StartKind }> {
  const wt = await ensureWorktree({
    root: repo.info.root,
    commonDir: repo.info.commonDir,
    branch: where.branch,
    path: where.worktree,
    base: task.base === AFTER_BASE ? await baseBranchOf(repo, task) : (task.base ?? null),
  });
  // Self-heal baton's hooks and point this worktree at the task hooks folder (hooks/heal.ts);
  // what it repaired is recorded in tasks/logs/hooks.jsonl and said by the next heartbeat.
  await hooksForDispatch(repo, wt.path);
  const lockPath = path.join(await gitDirOf(wt.path), 'baton.lock');
  await assertFree(slug, lockPath);
  return { wt, lockPath, start: await startKind(repo, slug, opts) };
}

function assertDispatchable(task: Task, allowFinished: boolean): void {
  if (task.status === 'ready' || (allowFinished && task.status === 'done')) return;
  const fix =
    task.status === 'draft'
      ? `Set \`status: ready\` in ${task.file} when it is ready to run.`
      : `It is ${task.status}; set \`status: ready\` in ${task.file} to run it again.`;
  throw new BatonError(
    'TASK_NOT_DISPATCHABLE',
    `Task ${task.slug} is ${task.status}, so it cannot be dispatched.`,
    { hint: fix },
  );
}

/** True when a live worker holds the lock of the task worktree at `worktree`. */
async function liveLocalWorker(worktree: string): Promise<boolean> {
  const gitDir = await gitDirOf(worktree).catch(() => null);
  return gitDir !== null && (await inspectLock(path.join(gitDir, 'baton.lock'))).live;
}

async function assertFree(slug: string, lockPath: string): Promise<void> {
  const lock = await inspectLock(lockPath);
  if (lock.live && lock.record) throw busyError(slug, lock.record);
}

async function startKind(repo: Repo, slug: string, opts: DispatchOptions): Promise<StartKind> {
  if (opts.fresh) return { kind: 'fresh' };
  if (opts.inboxOnly) return { kind: 'inbox' };
  const status = await readStatus(taskPaths(repo.paths, slug).statusFile);
  const ranBefore = (status?.runs ?? 0) > 0 || (status?.sessionId ?? null) !== null;
  if (opts.continueText !== undefined || ranBefore)
    return { kind: 'continue', text: opts.continueText ?? null };
  return { kind: 'new' };
}
