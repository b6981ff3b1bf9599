/**
 * What state a task is really in, from what was read off disk. Pure: the status json says what
 * the last writer believed; the lock says whether a worker is alive now; the task file says what
 * the user wants. The heartbeat and `baton status` both use this.
 */
import { ACTIVE_STATES, type TaskState } from './states.js';
import type { TaskFileStatus, TaskStatus } from './types.js';

/** What was read about one task. */
export interface TaskObservation {
  /** The task file's `status`, or null when the file is invalid. */
  fileStatus: TaskFileStatus | null;
  status: TaskStatus | null;
  /** The lock record's run id and whether its holder is alive and has not released it. */
  lock: { runId: string; live: boolean } | null;
}

/** The state to show and act on. */
export function classify(o: TaskObservation): TaskState {
  if (o.fileStatus === null) return 'invalid';
  const liveLock = o.lock?.live === true;
  if (o.status === null) {
    // A worker may hold the lock before the first status write lands.
    return liveLock ? 'starting' : o.fileStatus;
  }
  if (liveLock) {
    // The status of the run that holds the lock; a newer holder that has not written yet is starting.
    return o.status.runId === o.lock?.runId ? o.status.state : 'starting';
  }
  if (ACTIVE_STATES.has(o.status.state)) return 'worker_gone';
  if (o.fileStatus === 'done' || o.fileStatus === 'cancelled') return o.fileStatus;
  if (o.fileStatus === 'draft') return 'draft';
  return o.status.state;
}
