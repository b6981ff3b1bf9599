/**
 * One heartbeat cycle's decisions (docs/design.md, "The watcher"), as a pure function of what was read
 * off disk. The watcher carries the decisions out; every one is idempotent, so a decision made
 * twice (a doubled event, an overlapping cycle) changes nothing.
 */
import { agentOf, byPriority, isParked, planLimits } from './cycle-limits.js';
import type { AgentLimit } from './limits.js';
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
  /** The agent it runs with (its own or `defaultAgent`). */
  agent?: string;
  /** The agent whose usage limit it waits for, until a resumed run shows progress (status `limitedAgent`). */
  limitedAgent?: string | null;
}

/** The limits a cycle respects. */
export interface CycleLimits {
  maxConcurrent: number;
  maxDispatchesPerCycle: number;
  retryCooldownSeconds: number;
  stallSeconds: number;
  /** Per-agent caps (`agents.<name>.maxConcurrent`), inside `maxConcurrent`. */
  agents?: Readonly<Record<string, { maxConcurrent?: number | null }>>;
}

/** What to do. */
export type Decision =
  | { kind: 'mark'; slug: string; state: 'worker_gone' | 'stalled'; retryAt: string | null }
  | { kind: 'interrupt_stalled'; slug: string }
  | { kind: 'retry'; slug: string }
  | { kind: 'dispatch'; slug: string }
  | { kind: 'start_inbox'; slug: string }
  /** Resume a task parked at `agent`'s usage limit in its session; `probe`: the one run that tries the reset. */
  | { kind: 'resume_limited'; slug: string; agent: string; probe: boolean }
  /** `agent` is past its limit: its record goes (`slug`: the task that hit it). */
  | { kind: 'release_agent'; slug: string; agent: string };

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
  'limited', // its resume at the reset runs them
  'draft',
  'cancelled',
  'invalid',
  'starting',
  'blocked', // never ran: its dispatch, once unblocked, runs them
]);

/** How a cycle plans beyond its limits. */
export interface CycleOptions {
  /**
   * Fill every free slot with ready tasks, not only `maxDispatchesPerCycle`: the watcher's first
   * cycle, whose ready tasks arrived while nothing watched (a running watcher would have
   * dispatched each on its own event).
   */
  fillSlots?: boolean;
  /** The agents' recorded usage limits (store/limits.ts), by agent. */
  agentLimits?: ReadonlyMap<string, AgentLimit>;
}

/**
 * Plans a cycle. Order: record deaths and stalls, then usage limits (domain/cycle-limits.ts:
 * release agents past their limit, one probe per agent due, then the parked tasks of free
 * agents by priority), then due retries and waiting follow-ups (these count toward
 * `maxConcurrent` only), then new tasks by priority, oldest file, slug (these also count toward
 * `maxDispatchesPerCycle`, unless `fillSlots`). A task whose dispatch is blocked, or whose agent
 * is at its usage limit or its own `maxConcurrent`, is passed over and never spends a slot or
 * the cycle's dispatch.
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

  const runningBy = new Map<string, number>();
  for (const t of tasks) {
    const agent = agentOf(t);
    if (busy(t) && agent !== null) runningBy.set(agent, (runningBy.get(agent) ?? 0) + 1);
  }
  /** A slot for `t`: 'global' when none is left at all, 'agent' when only its agent's are taken. */
  const take = (t: CycleTask): 'ok' | 'global' | 'agent' => {
    if (running >= limits.maxConcurrent) return 'global';
    const agent = agentOf(t);
    const cap = agent === null ? null : (limits.agents?.[agent]?.maxConcurrent ?? null);
    if (agent !== null && cap !== null && (runningBy.get(agent) ?? 0) >= cap) return 'agent';
    running++;
    if (agent !== null) runningBy.set(agent, (runningBy.get(agent) ?? 0) + 1);
    return 'ok';
  };
  const lim = planLimits(tasks, opts.agentLimits ?? new Map(), now);
  const held = (t: CycleTask): boolean => {
    const agent = agentOf(t);
    return agent !== null && lim.blocked.has(agent);
  };
  for (const r of lim.release) decisions.push({ kind: 'release_agent', slug: r.slug, agent: r.agent });
  const probing = new Set(lim.probes.map((p) => p.task.slug));
  for (const p of lim.probes)
    if (take(p.task) === 'ok')
      decisions.push({ kind: 'resume_limited', slug: p.task.slug, agent: p.agent, probe: true });
  for (const t of tasks.filter(isParked).sort(byPriority)) {
    if (probing.has(t.slug) || held(t)) continue;
    if (take(t) === 'ok')
      decisions.push({ kind: 'resume_limited', slug: t.slug, agent: agentOf(t) ?? '', probe: false });
  }
  for (const t of tasks) {
    if (busy(t) || (t.state !== 'worker_gone' && t.state !== 'stalled') || held(t)) continue;
    const retryAt = retryAtOf.get(t.slug) ?? null;
    if (
      retryAt !== null &&
      Date.parse(retryAt) <= nowMs &&
      t.autoRetries < MAX_AUTO_RETRIES &&
      take(t) === 'ok'
    ) {
      decisions.push({ kind: 'retry', slug: t.slug });
    }
  }
  for (const t of tasks) {
    if (busy(t) || t.pendingFollowups === 0 || HOLD_INBOX.has(t.state) || !t.ranBefore) continue;
    if (t.dispatchBlocked === true || held(t)) continue;
    // Done by its merged PR (ops/pr-merged.ts): what waits in its inbox is for a person to start.
    if (t.recordedState === 'done') continue;
    if ((t.state === 'worker_gone' || t.state === 'stalled') && retryAtOf.get(t.slug) !== null) continue; // the retry drains it
    if (take(t) === 'ok') decisions.push({ kind: 'start_inbox', slug: t.slug });
  }
  // A blocked task's state is `blocked`, not `ready` (ops/dependencies.ts): it is never dispatched here.
  const ready = tasks
    .filter((t) => !busy(t) && !t.ranBefore && t.fileStatus === 'ready' && t.state === 'ready')
    .filter((t) => t.dispatchBlocked !== true && !held(t))
    .sort(byPriority);
  let budget = opts.fillSlots === true ? Infinity : limits.maxDispatchesPerCycle;
  for (const t of ready) {
    if (budget <= 0) break;
    const slot = take(t);
    if (slot === 'global') break;
    if (slot === 'agent') continue; // its agent's slots are taken; another agent's task may go
    budget--;
    decisions.push({ kind: 'dispatch', slug: t.slug });
  }
  return decisions;
}
