/**
 * A task's status json (`dispatch-<slug>.status.json`), replaced atomically so that a reader never
 * sees a half-written file, whatever process is killed when. Only the lock holder (or, when no
 * live worker holds the lock, the CLI or the watcher) writes it.
 */
import writeFileAtomic from 'write-file-atomic';
import type { TaskStatus } from '../domain/types.js';
import { readStatus } from './status-read.js';

export { readStatus, readStatusSync } from './status-read.js';

/** A fresh status for a task that has never run. */
export function initialStatus(slug: string, now: Date = new Date()): TaskStatus {
  return {
    slug,
    state: 'ready',
    agent: null,
    branch: null,
    worktree: null,
    pid: null,
    agentPid: null,
    runId: null,
    epoch: null,
    sessionId: null,
    runs: 0,
    pendingFollowups: 0,
    lastExitCode: null,
    startedAt: null,
    updatedAt: now.toISOString(),
    lastOutputAt: null,
    lastProgressAt: null,
    retryAt: null,
    autoRetries: 0,
    limitedAgent: null,
    error: null,
  };
}

/**
 * Replaces the status file atomically (temp file, rename). No fsync: a kill -9 cannot tear a
 * renamed file, and status is a view of what history records (history is not fsynced either);
 * after a power loss the heartbeat's reconcile corrects a stale one (the lock's boot id marks
 * every worker of the earlier boot gone). The fsync cost ~10 ms on every transition, several of
 * them on the path from a dispatch to its agent's start.
 */
export async function writeStatus(file: string, status: TaskStatus): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(status, null, 2) + '\n', { fsync: false });
}

/** Reads, patches and writes a task's status; `updatedAt` is set to `now`. */
export async function updateStatus(
  file: string,
  slug: string,
  patch: Partial<TaskStatus>,
  now: Date = new Date(),
): Promise<TaskStatus> {
  const current = (await readStatus(file)) ?? initialStatus(slug, now);
  const next: TaskStatus = { ...current, ...patch, slug, updatedAt: now.toISOString() };
  await writeStatus(file, next);
  return next;
}
