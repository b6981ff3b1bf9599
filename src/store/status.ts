/**
 * A task's status json (`dispatch-<slug>.status.json`), replaced atomically so that a reader never
 * sees a half-written file, whatever process is killed when. Only the lock holder (or, when no
 * live worker holds the lock, the CLI or the watcher) writes it.
 */
import { promises as fs } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { TaskStatus } from '../domain/types.js';
import { isNotFound } from './history.js';

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
    error: null,
  };
}

/** Reads a status file; null when it does not exist or cannot be parsed (then it is rewritten). */
export async function readStatus(file: string): Promise<TaskStatus | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  try {
    return JSON.parse(text) as TaskStatus;
  } catch {
    return null;
  }
}

/** Replaces the status file atomically (temp file, fsync, rename). */
export async function writeStatus(file: string, status: TaskStatus): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(status, null, 2) + '\n');
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
