/**
 * One heartbeat cycle's decisions (docs/design.md, "The watcher"), as a pure function of what was read
 * off disk. The watcher carries the decisions out; every one is idempotent, so a decision made
 * twice (a doubled event, an overlapping cycle) changes nothing.
 */
import type { TaskState } from './states.js';
import type { TaskFileStatus } from './types.js';

/** What the cycle knows of one valid task. */
export interface CycleTask {
  slug: string;
  /** The classified state (see classify.ts). */
  state: TaskState;
  /** The state the status file records; differs from `state` when the worker died. */
  recordedState: TaskState | null;
  fileStatus: TaskFileStatus;
  priority: number;
  /** When the task file was last written (older first among equal priorities). */
  fileMtimeMs: number;
  /** The task has been dispatched before: the heartbeat never dispatches it on its own again. */
  ranBefore: boolean;
  /** A live worker holds the task's lock. */
  live: boolean;
  /**
   * The watcher is starting a worker for it right now (a dispatch running beside its queue):
   * it counts as running, and nothing else is decided for it until that start has ended.
   */
  starting?: boolean;
  pendingFollowups: number;
  retryAt: string | null;
  /** Automatic retries since a person last acted on the task. */
  autoRetries: number;
  /** Last sign of progress (agent event or worktree change), or when the run started. */
  lastProgressAt: string | null;
  /**
   * Its last dispatch failed for a reason that will not go away by itself (an unknown agent, an
   * agent not installed, a repository with no commits) and neither its file nor the config has
   * changed since: dispatching it again would only fail again and spend the cycle's dispatch.
   */
  dispatchBlocked?: boolean;
}

/** The limits a cycle respects. */
export interface CycleLimits {
  maxConcurrent: number;
  maxDispatchesPerCycle: number;
  retryCooldownSeconds: number;
  stallSeconds: number;
}

/** What to do. */
export type Decision =
  | { kind: 'mark'; slug: string; state: 'worker_gone' | 'stalled'; retryAt: string | null }
  | { kind: 'interrupt_stalled'; slug: string }
  | { kind: 'retry'; slug: string }
  | { kind: 'dispatch'; slug: string }
  | { kind: 'start_inbox'; slug: string };

/** The decisions that start a worker: the ones that can take seconds to carry out. */
export type StartDecision = Extract<Decision, { kind: 'retry' | 'dispatch' | 'start_inbox' }>;

/** True for a decision that starts a worker. */
export function isStart(d: Decision): d is StartDecision {
  return d.kind === 'retry' || d.kind === 'dispatch' || d.kind === 'start_inbox';
}

/** Automatic retries allowed after a worker died or stalled. */
export const MAX_AUTO_RETRIES = 1;

/** States in which waiting follow-ups do not start a worker on their own. */
const HOLD_INBOX: ReadonlySet<TaskState> = new Set([
  'interrupted',
  'draft',
  'cancelled',
  'invalid',
  'starting',
]);

/** How a cycle plans beyond its limits. */
export interface CycleOptions {
  /**
   * Fill every free slot with ready tasks, not only `maxDispatchesPerCycle`: the watcher's first
   * cycle, whose ready tasks arrived while nothing watched (a running watcher would have
   * dispatched each on its own event).
   */
  fillSlots?: boolean;
}

/**
 * Plans a cycle. Order: record deaths and stalls, then due retries and waiting follow-ups
 * (these count toward `maxConcurrent` only), then new tasks by priority, oldest file, slug
 * (these also count toward `maxDispatchesPerCycle`, unless `fillSlots`). A task whose dispatch
 * is blocked is passed over and never spends a slot or the cycle's dispatch.
 */
export function planCycle(
  tasks: readonly CycleTask[],
  limits: CycleLimits,
  now: Date,
  opts: CycleOptions = {},
): Decision[] {
  const decisions: Decision[] = [];
  const nowMs = now.getTime();
  const retryAtOf = new Map<string, string | null>();
  const busy = (t: CycleTask): boolean => t.live || t.starting === true;
  let running = tasks.filter(busy).length;

  for (const t of tasks) {
    if (t.starting === true) continue;
    let retryAt = t.retryAt;
    const canRetry = t.autoRetries < MAX_AUTO_RETRIES;
    // Newly found dead, or recorded dead by someone else (doctor --fix) without a retry scheduled.
    const unscheduled = t.recordedState === 'worker_gone' && retryAt === null && canRetry;
    if (t.state === 'worker_gone' && (t.recordedState !== 'worker_gone' || unscheduled)) {
      retryAt = canRetry ? new Date(nowMs + limits.retryCooldownSeconds * 1000).toISOString() : null;
      decisions.push({ kind: 'mark', slug: t.slug, state: 'worker_gone', retryAt });
    } else if (t.state === 'stalled' && !t.live && retryAt === null && canRetry) {
      retryAt = new Date(nowMs + limits.retryCooldownSeconds * 1000).toISOString();
      decisions.push({ kind: 'mark', slug: t.slug, state: 'stalled', retryAt });
    } else if (t.live && t.state === 'running' && t.lastProgressAt !== null) {
      // The worker interrupts its own stalled agent; this is the backstop for a hung worker.
      const idleMs = nowMs - Date.parse(t.lastProgressAt);
      if (idleMs > limits.stallSeconds * 1000 * 1.5)
        decisions.push({ kind: 'interrupt_stalled', slug: t.slug });
    }
    retryAtOf.set(t.slug, retryAt);
  }

  const take = (): boolean => {
    if (running >= limits.maxConcurrent) return false;
    running++;
    return true;
  };
  for (const t of tasks) {
    if (busy(t) || (t.state !== 'worker_gone' && t.state !== 'stalled')) continue;
    const retryAt = retryAtOf.get(t.slug) ?? null;
    if (retryAt !== null && Date.parse(retryAt) <= nowMs && t.autoRetries < MAX_AUTO_RETRIES && take()) {
      decisions.push({ kind: 'retry', slug: t.slug });
    }
  }
  for (const t of tasks) {
    if (busy(t) || t.pendingFollowups === 0 || HOLD_INBOX.has(t.state) || !t.ranBefore) continue;
    if (t.dispatchBlocked === true) continue;
    if ((t.state === 'worker_gone' || t.state === 'stalled') && retryAtOf.get(t.slug) !== null) continue; // the retry drains it
    if (take()) decisions.push({ kind: 'start_inbox', slug: t.slug });
  }
  const ready = tasks
    .filter((t) => !busy(t) && !t.ranBefore && t.fileStatus === 'ready' && t.state === 'ready')
    .filter((t) => t.dispatchBlocked !== true)
    .sort((a, b) => b.priority - a.priority || a.fileMtimeMs - b.fileMtimeMs || a.slug.localeCompare(b.slug));
  let budget = opts.fillSlots === true ? Infinity : limits.maxDispatchesPerCycle;
  for (const t of ready) {
    if (budget <= 0 || !take()) break;
    budget--;
    decisions.push({ kind: 'dispatch', slug: t.slug });
  }
  return decisions;
}
