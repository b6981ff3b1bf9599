/**
 * Starting a worker for a task: take the task's lock in the name of a worker process that is
 * already running (a standby, or one spawned when the dispatch began, so that its boot overlaps
 * the worktree work), so the lock is never free between being taken and being held; record the
 * dispatch, hand the worker its assignment, and wait until it confirms. Used by `dispatch`,
 * `continue`, `followup` and the watcher alike.
 */
import type { ChildProcess } from 'node:child_process';
import { BatonError } from '../domain/errors.js';
import type { TaskStatus } from '../domain/types.js';
import { killProcessGroup, liveness, waitForExit } from '../proc/identity.js';
import { crashPoint } from '../proc/crash.js';
import { appendHistory } from '../store/history.js';
import { describeHolder, releaseLock, tryAcquireLock, type LockRecord } from '../store/lock.js';
import { taskPaths, type RepoPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';
import type { Assignment, StartKind } from '../domain/assignment.js';
import { newRunId } from './run-id.js';
import type { StandbyPool } from './standby.js';
import { discardWorker, spawnWorker, type WorkerProcess } from './worker-process.js';

/** What to start. */
export interface StartRequest {
  paths: RepoPaths;
  slug: string;
  worktree: string;
  branch: string;
  agent: string;
  lockPath: string;
  start: StartKind;
  /** How long to wait for the worker to confirm it holds the lock. */
  timeoutMs: number;
  /** Started by the heartbeat's automatic retry (counted), rather than by a person (resets the count). */
  auto?: boolean;
  /** The worker to assign, from `launchWorker`; discarded here if the lock is busy. */
  worker: Promise<WorkerProcess | null>;
  /**
   * What the watcher judged from a board read a moment ago, checked again under the lock, since
   * another start of the same task may have run it since: `never-ran` (the first start of a ready
   * task), `awaiting-retry` (the automatic retry of a task whose worker died or stalled). A task
   * no longer so gets BUSY and nothing starts.
   */
  startsIf?: StartCondition;
  /** The config the dispatch was judged by, handed to the worker with its assignment. */
  config?: Record<string, unknown>;
}

/** What a start of the watcher's assumes of the task, from the board it was decided on. */
export type StartCondition = 'never-ran' | 'awaiting-retry';

/** How the task moved on from `cond` (words after its slug), or null when it still holds. */
function movedOn(cond: StartCondition, now: TaskStatus | null): string | null {
  if (cond === 'never-ran') {
    // An agent ran (a run counted, a session captured). Not the run id alone: a hand-off to a
    // worker that died before confirming writes one, and its retry here must go on.
    const ran = (now?.runs ?? 0) > 0 || (now?.sessionId ?? null) !== null;
    return ran ? `was started by another start (run ${now?.runId ?? '?'})` : null;
  }
  const waiting = now?.state === 'worker_gone' || now?.state === 'stalled';
  return waiting ? null : `is ${now?.state ?? 'without status'} now, no longer waiting for its retry`;
}

/** A started worker. */
export interface Started {
  runId: string;
  epoch: number;
  pid: number;
}

/**
 * A worker for `slug`, obtained as early as possible: the standby when one stands by (already
 * booted), else a fresh `baton worker`, which then boots while the caller checks or makes the
 * worktree. Until the lock is taken in its name it holds nothing (`dropWorker` ends it).
 */
export function launchWorker(
  paths: RepoPaths,
  slug: string,
  standby?: StandbyPool,
): Promise<WorkerProcess | null> {
  const logFile = taskPaths(paths, slug).logFile;
  const fresh = (): Promise<WorkerProcess | null> => spawnWorker(paths.root, logFile);
  return standby?.standing ? standby.take().then((w) => w ?? fresh()) : fresh();
}

/** Ends a launched worker that will not be assigned (the dispatch failed before the lock). */
export async function dropWorker(launched: Promise<WorkerProcess | null>): Promise<void> {
  const w = await launched;
  if (w !== null) await discardWorker(w);
}

/**
 * Starts a worker; throws BatonError('BUSY') naming the holder when a live worker holds the lock.
 */
export async function startWorker(req: StartRequest): Promise<Started> {
  const tp = taskPaths(req.paths, req.slug);
  const worker = await req.worker;
  if (worker === null) {
    throw new BatonError('WORKER_FAILED', `The worker process for ${req.slug} could not be started.`, {
      hint: `See ${tp.logFile}.`,
    });
  }
  const { child, pid, holder } = worker;
  const runId = newRunId();
  const previous = await readStatus(tp.statusFile);
  const minEpoch = previous?.epoch ?? 0;
  const acquired = await tryAcquireLock(req.lockPath, { holder, runId, slug: req.slug, minEpoch }).catch(
    async (err: unknown) => {
      await discardWorker(worker);
      throw err;
    },
  );
  if (!acquired.ok) {
    await discardWorker(worker);
    throw busyError(req.slug, acquired.holder);
  }
  const record = acquired.record;
  crashPoint('dispatch.after-lock');
  if (req.startsIf !== undefined) {
    const moved = movedOn(req.startsIf, await readStatus(tp.statusFile));
    if (moved !== null) {
      await releaseLock(req.lockPath, record).catch(() => false);
      await discardWorker(worker);
      throw new BatonError(
        'BUSY',
        `Task ${req.slug} ${moved} while this start was being prepared, so this one started nothing.`,
        { hint: '`baton status` shows where it is now.' },
      );
    }
  }
  if (acquired.tookOver) {
    await appendHistory(tp.historyFile, 'lock_taken_over', runId, {
      from: {
        runId: acquired.tookOver.runId,
        pid: acquired.tookOver.holder.pid,
        epoch: acquired.tookOver.epoch,
      },
      epoch: record.epoch,
    });
    await killOrphanAgent(acquired.tookOver);
  }
  await appendHistory(tp.historyFile, 'task_dispatched', runId, {
    epoch: record.epoch,
    pid,
    agent: req.agent,
    start: req.start.kind,
  });
  await updateStatus(tp.statusFile, req.slug, {
    autoRetries: req.auto ? (previous?.autoRetries ?? 0) + 1 : 0,
    state: 'starting',
    agent: req.agent,
    branch: req.branch,
    worktree: req.worktree,
    pid,
    agentPid: null,
    runId,
    epoch: record.epoch,
    startedAt: new Date().toISOString(),
    error: null,
    retryAt: null,
  });
  crashPoint('dispatch.after-status');
  const assignment: Assignment = {
    root: req.paths.root,
    slug: req.slug,
    runId,
    epoch: record.epoch,
    lockPath: req.lockPath,
    worktree: req.worktree,
    branch: req.branch,
    agent: req.agent,
    start: req.start,
    ...(req.config === undefined ? {} : { config: req.config }),
  };
  const ack = readAck(child, req.timeoutMs);
  child.stdin?.end(JSON.stringify(assignment));
  const answer = await ack;
  child.unref();
  if (answer !== 'ok') {
    throw new BatonError(
      answer === WORKER_DIED ? 'WORKER_DIED' : 'WORKER_FAILED',
      `The worker for ${req.slug} did not confirm its start (${answer}).`,
      {
        hint: `See ${tp.logFile}; the next dispatch or heartbeat retries it.`,
      },
    );
  }
  return { runId, epoch: record.epoch, pid };
}

/** The exit-3 error naming the lock's live holder. */
export function busyError(slug: string, holder: LockRecord): BatonError {
  return new BatonError('BUSY', `Task ${slug} already has a live worker: ${describeHolder(holder)}.`, {
    hint: `Send it more work with \`baton followup ${slug} ...\`, or stop it with \`baton stop ${slug}\`.`,
  });
}

/** A worker that died left its agent running: end that agent's process group before a new one starts. */
async function killOrphanAgent(stale: LockRecord): Promise<void> {
  if (!stale.agent || (await liveness(stale.agent)) !== 'alive') return;
  killProcessGroup(stale.agent.pid, 'SIGKILL');
  await waitForExit(stale.agent, 5000);
}

/** The answer `readAck` gives for a worker that died before it confirmed: the hand-off may be retried. */
export const WORKER_DIED = 'the worker exited before confirming';

function readAck(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const stream = child.stdio[3] as (NodeJS.ReadableStream & { readableEnded?: boolean }) | null | undefined;
    if (!stream) return resolve('no channel');
    let text = '';
    const timer = setTimeout(() => done(`no answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const onExit = (): void => {
      // The pipe may still hold the confirmation the worker wrote before it ended.
      setTimeout(() => done(text.trim() || WORKER_DIED), 50);
    };
    const done = (answer: string): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      stream.removeAllListeners();
      (stream as unknown as { destroy(): void }).destroy();
      resolve(answer);
    };
    // A worker killed while its worktree was being made is already gone: its pipe ended before
    // anyone listened, so 'end' will not come again. Known at once, not after the timeout.
    if (child.exitCode !== null || child.signalCode !== null || stream.readableEnded === true) {
      return done(WORKER_DIED);
    }
    child.once('exit', onExit);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl).trim());
    });
    stream.on('end', () => done(text.trim() || WORKER_DIED));
    stream.on('error', () => done('the worker channel failed'));
  });
}
