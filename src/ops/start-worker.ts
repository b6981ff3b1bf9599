/**
 * Starting a worker for a task: spawn `baton worker` detached, take the task's lock in the
 * worker's name (so the lock is never free between being taken and being held), record the
 * dispatch, hand the worker its assignment, and wait until it confirms. Used by `dispatch`,
 * `continue`, `followup` and the watcher alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatonError } from '../domain/errors.js';
import { identityOf, killProcessGroup, liveness, waitForExit } from '../proc/identity.js';
import { crashPoint } from '../proc/crash.js';
import { appendHistory } from '../store/history.js';
import { describeHolder, tryAcquireLock, type LockRecord } from '../store/lock.js';
import { taskPaths, type RepoPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';
import type { Assignment, StartKind } from '../worker/assignment.js';
import { newRunId } from './run-id.js';

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
}

/** A started worker. */
export interface Started {
  runId: string;
  epoch: number;
  pid: number;
}

/** The CLI entry that runs `baton worker`. */
function cliEntry(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}

/**
 * Starts a worker; throws BatonError('BUSY') naming the holder when a live worker holds the lock.
 */
export async function startWorker(req: StartRequest): Promise<Started> {
  const tp = taskPaths(req.paths, req.slug);
  const logFd = openSync(tp.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...process.execArgv, cliEntry(), 'worker'], {
      cwd: req.paths.root,
      detached: true,
      stdio: ['pipe', logFd, logFd, 'pipe'],
      env: process.env,
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  const holder = pid === undefined ? null : await identityOf(pid);
  if (pid === undefined || holder === null) {
    throw new BatonError('WORKER_FAILED', `The worker process for ${req.slug} could not be started.`, {
      hint: `See ${tp.logFile}.`,
    });
  }
  const runId = newRunId();
  const acquired = await tryAcquireLock(req.lockPath, { holder, runId, slug: req.slug });
  if (!acquired.ok) {
    await discard(child, pid, holder);
    throw busyError(req.slug, acquired.holder);
  }
  const record = acquired.record;
  crashPoint('dispatch.after-lock');
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
  const previous = await readStatus(tp.statusFile);
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
  };
  const ack = readAck(child, req.timeoutMs);
  child.stdin?.end(JSON.stringify(assignment));
  const answer = await ack;
  child.unref();
  if (answer !== 'ok') {
    throw new BatonError(
      'WORKER_FAILED',
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

async function discard(
  child: ChildProcess,
  pid: number,
  holder: { pid: number; startTime: string; bootId: string },
) {
  child.stdin?.destroy();
  const ackStream = child.stdio[3];
  if (ackStream && 'destroy' in ackStream) ackStream.destroy();
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitForExit(holder, 2000);
  child.unref();
}

/** A worker that died left its agent running: end that agent's process group before a new one starts. */
async function killOrphanAgent(stale: LockRecord): Promise<void> {
  if (!stale.agent || (await liveness(stale.agent)) !== 'alive') return;
  killProcessGroup(stale.agent.pid, 'SIGKILL');
  await waitForExit(stale.agent, 5000);
}

function readAck(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const stream = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
    if (!stream) return resolve('no channel');
    let text = '';
    const timer = setTimeout(() => done(`no answer within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    const done = (answer: string): void => {
      clearTimeout(timer);
      stream.removeAllListeners();
      (stream as unknown as { destroy(): void }).destroy();
      resolve(answer);
    };
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl).trim());
    });
    stream.on('end', () => done(text.trim() || 'the worker exited before confirming'));
    stream.on('error', () => done('the worker channel failed'));
  });
}
