/**
 * The events of a task's history (`dispatch-<slug>.history.jsonl`), as one discriminated union.
 * Pure: the list of types (docs/reference.md is checked against it) and the check that turns a
 * parsed line into an event; the shapes, one interface per type, are history-events.ts (a
 * catalogue, long because there are 40 events), re-exported here. Writing and reading the file is
 * store/history.ts.
 *
 * History is read back after crashes and across baton versions, so a reader never trusts a
 * line: `toHistoryEvent` checks the fields readers rely on and returns null for anything else
 * (an unknown type, a line from a future baton, a hand-edited one), which readers skip.
 */

/** Every event type baton writes, in the order a run meets them. */
export const HISTORY_TYPES = [
  'task_dispatched',
  'worker_started',
  'setup_started',
  'setup_done',
  'setup_failed',
  'followup_received',
  'prompt_sent',
  'run_started',
  'agent_started',
  'session_captured',
  'run_exited',
  'interrupt_sent',
  'steer_sent',
  'session_fallback',
  'stalled',
  'hand_staged_committed',
  'limit_hit',
  'state_changed',
  'lock_taken_over',
  'lock_released',
  'rejected',
  'teardown_done',
  'teardown_failed',
  'removed',
  'unblocked',
  'conflict_found',
  'pr_opened',
  'pr_checks_failed',
  'pr_review',
  'pr_merged',
  'pr_closed',
  'claim_won',
  'claim_taken_over',
  'claim_lost',
  'claim_released',
  'followup_forwarded',
  'pr_reopened',
  'setup_command_started',
  'setup_ended',
] as const;

/** One of `HISTORY_TYPES`. */
export type HistoryType = (typeof HISTORY_TYPES)[number];

export type * from './history-events.js';
import type { HistoryEvent } from './history-events.js';

type Kind = 'string' | 'number';

/** The fields readers rely on, per type; a line without them is not read as that event. */
const REQUIRED: { readonly [T in HistoryType]: Readonly<Record<string, Kind>> } = {
  task_dispatched: {},
  worker_started: {},
  setup_started: {},
  setup_done: {},
  setup_failed: {},
  followup_received: { id: 'string' },
  prompt_sent: { n: 'number', prompt: 'string' },
  run_started: { n: 'number' },
  agent_started: { n: 'number', pid: 'number' },
  session_captured: { sessionId: 'string' },
  run_exited: { n: 'number' },
  interrupt_sent: {},
  steer_sent: {},
  session_fallback: {},
  stalled: {},
  hand_staged_committed: {},
  limit_hit: { agent: 'string', retryAt: 'string' },
  state_changed: { to: 'string' },
  lock_taken_over: {},
  lock_released: {},
  rejected: {},
  teardown_done: {},
  teardown_failed: {},
  removed: {},
  unblocked: {},
  conflict_found: { key: 'string', with: 'string' },
  pr_opened: { number: 'number', url: 'string' },
  pr_checks_failed: { number: 'number', followup: 'string', text: 'string' },
  pr_review: { number: 'number', followup: 'string', text: 'string' },
  pr_merged: { number: 'number' },
  pr_closed: { number: 'number' },
  claim_won: { host: 'string', epoch: 'number' },
  claim_taken_over: { host: 'string', epoch: 'number' },
  claim_lost: { host: 'string', epoch: 'number' },
  claim_released: { host: 'string', epoch: 'number' },
  followup_forwarded: { id: 'string', to: 'string' },
  pr_reopened: { number: 'number' },
  setup_command_started: { n: 'number', command: 'string', pid: 'number' },
  setup_ended: {},
};

const TYPES: ReadonlySet<string> = new Set(HISTORY_TYPES);

/** True for the name of an event type baton writes. */
export function isHistoryType(type: unknown): type is HistoryType {
  return typeof type === 'string' && TYPES.has(type);
}

/** A parsed history line as an event, or null when it is not one baton can rely on. */
export function toHistoryEvent(raw: unknown): HistoryEvent | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o['ts'] !== 'string' || !isHistoryType(o['type'])) return null;
  if (o['runId'] !== null && typeof o['runId'] !== 'string') return null;
  for (const [field, kind] of Object.entries(REQUIRED[o['type']])) if (typeof o[field] !== kind) return null;
  if (o['followupIds'] !== undefined && !isStringArray(o['followupIds'])) return null;
  if (o['type'] === 'hand_staged_committed' && !isStringArray(o['paths'])) return null;
  if ((o['type'] === 'pr_checks_failed' || o['type'] === 'pr_review') && !isStringArray(o['keys']))
    return null;
  return o as unknown as HistoryEvent;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
