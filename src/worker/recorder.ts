/**
 * The worker's pen: every transition goes to history (append) and status (atomic replace) in
 * that order, so history is never behind what status claims.
 *
 * Two queues: history lines are appended in order, and status patches are written in order,
 * each only after every history line recorded before it. A history line never waits for a
 * status write (an atomic replace): the next queued follow-up's `prompt_sent`, which
 * must be in history before its agent starts, is not held up by the previous run's status.
 */
import type { EventOf } from '../domain/history.js';
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
  /** History appends, in order. */
  #history: Promise<unknown> = Promise.resolve();
  /** Status writes, in order, each after the history recorded before it. */
  #status: Promise<unknown> = Promise.resolve();
  /** Told of each `state_changed` once it is in history (the worker notifies from it). */
  readonly #onStateChanged: ((event: EventOf<'state_changed'>) => void) | undefined;

  constructor(
    paths: TaskPaths,
    slug: string,
    runId: string,
    now: () => Date = () => new Date(),
    onStateChanged?: (event: EventOf<'state_changed'>) => void,
  ) {
    this.#paths = paths;
    this.#slug = slug;
    this.#runId = runId;
    this.#now = now;
    this.#onStateChanged = onStateChanged;
  }

  /** Appends one history record for this run. */
  event(type: HistoryType, fields: Record<string, unknown> = {}): Promise<void> {
    return this.#onHistory(async () => {
      await appendHistory(this.#paths.historyFile, type, this.#runId, fields, this.#now());
    });
  }

  /** Patches status; a change of `state` is also recorded in history as `state_changed`. */
  status(patch: Partial<TaskStatus>): Promise<TaskStatus> {
    const from = this.#state;
    const changed = patch.state !== undefined && patch.state !== from;
    if (changed) this.#state = patch.state ?? null;
    const to = patch.state;
    const recorded =
      changed && to !== undefined
        ? this.#onHistory(async () => {
            const fields = { from, to, ...(patch.error ? { error: patch.error } : {}) };
            const event = await appendHistory(
              this.#paths.historyFile,
              'state_changed',
              this.#runId,
              fields,
              this.#now(),
            );
            this.#onStateChanged?.(event);
          })
        : this.#history;
    const op = async (): Promise<TaskStatus> => {
      await recorded.catch(() => undefined);
      return updateStatus(this.#paths.statusFile, this.#slug, { ...patch, runId: this.#runId }, this.#now());
    };
    const next = this.#status.then(op, op);
    this.#status = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every write so far has landed. */
  async flush(): Promise<void> {
    await Promise.all([this.#history, this.#status]);
  }

  #onHistory<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#history.then(op, op);
    this.#history = next.catch(() => undefined);
    return next;
  }

  /** Seeds the last known state so the first change is recorded with its `from`. */
  knownState(state: TaskState | null): void {
    this.#state = state;
  }
}
