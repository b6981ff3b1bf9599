/**
 * The worker's pen: every transition goes to history (append) and status (atomic replace) in
 * that order, so history is never behind what status claims.
 */
import type { TaskState } from '../domain/states.js';
import type { TaskStatus } from '../domain/types.js';
import { appendHistory, type HistoryType } from '../store/history.js';
import type { TaskPaths } from '../store/paths.js';
import { updateStatus } from '../store/status.js';

/** Records events of one run id of one task. */
export class Recorder {
  readonly #paths: TaskPaths;
  readonly #slug: string;
  readonly #runId: string;
  readonly #now: () => Date;
  #state: TaskState | null = null;
  /** Every write goes through this chain: history stays in order and status patches never race. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(paths: TaskPaths, slug: string, runId: string, now: () => Date = () => new Date()) {
    this.#paths = paths;
    this.#slug = slug;
    this.#runId = runId;
    this.#now = now;
  }

  /** Appends one history record for this run. */
  event(type: HistoryType, fields: Record<string, unknown> = {}): Promise<void> {
    return this.#enqueue(async () => {
      await appendHistory(this.#paths.historyFile, type, this.#runId, fields, this.#now());
    });
  }

  /** Patches status; a change of `state` is also recorded in history as `state_changed`. */
  status(patch: Partial<TaskStatus>): Promise<TaskStatus> {
    const from = this.#state;
    const changed = patch.state !== undefined && patch.state !== from;
    if (changed) this.#state = patch.state ?? null;
    return this.#enqueue(async () => {
      if (changed) {
        const fields = { from, to: patch.state, ...(patch.error ? { error: patch.error } : {}) };
        await appendHistory(this.#paths.historyFile, 'state_changed', this.#runId, fields, this.#now());
      }
      return updateStatus(this.#paths.statusFile, this.#slug, { ...patch, runId: this.#runId }, this.#now());
    });
  }

  /** Resolves when every write so far has landed. */
  flush(): Promise<void> {
    return this.#enqueue(async () => {});
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op, op);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Seeds the last known state so the first change is recorded with its `from`. */
  knownState(state: TaskState | null): void {
    this.#state = state;
  }
}
