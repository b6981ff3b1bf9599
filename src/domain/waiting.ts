/**
 * Why a task that is not running is waiting, and what happens next: the one sentence `baton
 * status`, `status --json` (`waiting`) and the watch view show, so that nothing sits `ready`
 * with no reason anywhere but the watcher's log. Pure: it judges what was read off disk.
 */
import { describeUnmet, type UnmetDependency } from './dependencies.js';
import { shortTime } from './limits.js';
import type { TaskState } from './states.js';

/** Why a task waits. Stable strings: `status --json` carries them. */
export type WaitingReason =
  /** No watcher runs, and only a watcher would start it. */
  | 'no_watcher'
  /** The last dispatch failed for a reason that will not go away by itself. */
  | 'dispatch_failed'
  /** Every `maxConcurrent` slot is taken. */
  | 'no_slot'
  /** A running watcher starts it at its next heartbeat (or at once on an event). */
  | 'next_heartbeat'
  /** An automatic retry is due at `retryAt`. */
  | 'retry'
  /** Stopped by `baton stop`: its follow-ups wait for a person. */
  | 'stopped'
  /** Not ready: its file says `status: draft`. */
  | 'draft'
  /** Its agent is at its usage limit: it resumes (or starts) after the reset. */
  | 'limited'
  /** Tasks in its `after:` are not done (or not merged): it starts when the last one is. */
  | 'blocked';

/** The reason, in words, and since when. */
export interface Waiting {
  reason: WaitingReason;
  /** One sentence: why, and what happens next or what to do. */
  detail: string;
  /** When the wait began (ISO time), when known. */
  since: string | null;
}

/** A dispatch that failed for a reason that lasts until the task file or the config changes. */
export interface DispatchFailure {
  message: string;
  hint: string | null;
  at: string;
}

/** What `waitingFor` judges one task by. */
export interface WaitingInput {
  slug: string;
  state: TaskState;
  /** A live worker holds the task's lock. */
  live: boolean;
  /** The task ran before (a watcher never dispatches it again on its own). */
  ranBefore: boolean;
  pendingFollowups: number;
  retryAt: string | null;
  /** The standing dispatch failure, when one is recorded and still current. */
  failure: DispatchFailure | null;
  /** When the task's current state began, or its file was written. */
  since: string | null;
  /**
   * The usage limit of the task's agent (the one a parked task waits for), when one is
   * recorded: until when, and the task the watcher tries the agent with after the reset.
   */
  agentLimit?: { agent: string; until: string; probe: string | null } | null;
  /** What a `blocked` task waits for (domain/dependencies.ts). */
  blockedOn?: readonly UnmetDependency[];
}

/** What the repository looks like around the task. */
export interface WaitingContext {
  /** A live watcher, and its heartbeat interval. */
  watcher: { pid: number; heartbeatSeconds: number } | null;
  running: number;
  maxConcurrent: number;
  /** The clock the usage-limit times are told against. */
  now?: Date;
}

/**
 * Why the task waits, or null when it does not (it runs, it is finished, or nothing would start
 * it and nothing needs to: an idle task with no follow-ups waits for nobody).
 */
export function waitingFor(t: WaitingInput, ctx: WaitingContext): Waiting | null {
  if (t.live) return null;
  const at = (reason: WaitingReason, detail: string, since = t.since): Waiting => ({
    reason,
    detail,
    since,
  });
  if (t.state === 'draft')
    return at('draft', `A draft: set \`status: ready\` in tasks/${t.slug}.md to run it.`);
  if (t.state === 'blocked') {
    const on = describeUnmet(t.blockedOn ?? []);
    return ctx.watcher === null
      ? at(
          'blocked',
          `Waiting for ${on}; no watcher is running to start it when they are done: run \`baton watch\` (or \`baton service install\`).`,
        )
      : at('blocked', `Waiting for ${on}: the watcher dispatches it as soon as the last is done.`);
  }
  if ((t.state === 'worker_gone' || t.state === 'stalled') && t.retryAt !== null) {
    const when = `at ${t.retryAt}`;
    return ctx.watcher === null
      ? at('no_watcher', `A retry is due ${when}, but no watcher is running to make it: ${START_WATCHER}`)
      : at('retry', `The watcher retries it ${when} (once, continuing its session).`);
  }
  if (t.state === 'limited' || (t.agentLimit ?? null) !== null) {
    const limited = limitedWait(t, ctx);
    if (limited !== null) return at(limited.reason, limited.detail);
  }
  if (t.state === 'interrupted' && t.pendingFollowups > 0)
    return at(
      'stopped',
      `Stopped by \`baton stop\`: its ${plural(t.pendingFollowups, 'follow-up')} wait for \`baton continue ${t.slug}\`.`,
    );
  const wantsStart =
    (t.state === 'ready' && !t.ranBefore) ||
    (t.pendingFollowups > 0 && ['idle', 'failed', 'worker_gone', 'stalled'].includes(t.state));
  if (!wantsStart) return null;
  if (t.failure !== null)
    return at(
      'dispatch_failed',
      `${t.failure.message}${t.failure.hint ? ` ${t.failure.hint}` : ''} (not retried until tasks/${t.slug}.md or baton.yaml changes)`,
      t.failure.at,
    );
  if (ctx.watcher === null) return at('no_watcher', `No watcher is running to start it: ${START_WATCHER}`);
  if (ctx.running >= ctx.maxConcurrent)
    return at(
      'no_slot',
      `All ${ctx.maxConcurrent} slots are taken (maxConcurrent): it starts when a worker finishes.`,
    );
  return at(
    'next_heartbeat',
    `The watcher (pid ${ctx.watcher.pid}) starts it at its next heartbeat, within ${ctx.watcher.heartbeatSeconds} s.`,
  );
}

/** Why a task waits at a usage limit (its own, or its agent's), or null when the limit does not hold it. */
function limitedWait(t: WaitingInput, ctx: WaitingContext): { reason: WaitingReason; detail: string } | null {
  const now = ctx.now ?? new Date();
  const limit = t.agentLimit ?? null;
  const queued = t.pendingFollowups > 0 ? `, then its ${plural(t.pendingFollowups, 'queued follow-up')}` : '';
  const waitingUntil = limit !== null && Date.parse(limit.until) > now.getTime();
  if (t.state === 'limited') {
    const until = limit?.until ?? t.retryAt;
    const head =
      until === null
        ? `limited (${limit?.agent ?? 'its agent'})`
        : `until ${shortTime(until, now)} (${limit?.agent ?? 'its agent'})`;
    if (ctx.watcher === null)
      return {
        reason: 'no_watcher',
        detail: `${head}, but no watcher is running to resume it: ${START_WATCHER}`,
      };
    if (waitingUntil || limit === null)
      return { reason: 'limited', detail: `${head}: the watcher resumes its session then${queued}.` };
    if (limit.probe !== null && limit.probe !== t.slug)
      return {
        reason: 'limited',
        detail: `${limit.agent}'s limit should have reset: the watcher tries it with ${limit.probe} first, and resumes this when that gets through.`,
      };
    return {
      reason: 'limited',
      detail: `${limit.agent}'s limit should have reset: the watcher resumes this at its next heartbeat${queued}.`,
    };
  }
  const wantsStart =
    (t.state === 'ready' && !t.ranBefore) ||
    (t.pendingFollowups > 0 && ['idle', 'failed', 'worker_gone', 'stalled'].includes(t.state));
  if (limit === null || !wantsStart) return null;
  return {
    reason: 'limited',
    detail: waitingUntil
      ? `${limit.agent} is at its usage limit until ${shortTime(limit.until, now)}: it starts after the reset.`
      : `${limit.agent}'s limit should have reset: it starts once the watcher's first try after the reset gets through.`,
  };
}

const START_WATCHER =
  'run `baton watch` (or `baton service install`), or start it now with `baton dispatch`.';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
