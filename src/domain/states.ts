/**
 * The lifecycle of a task (docs/reference.md, "States"), as written to `state` in its status json.
 *
 *   draft ──(status: ready)──▶ ready ──dispatch──▶ starting ──agent spawned──▶ running
 *   running ──ok──▶ idle        running ──fail──▶ failed
 *   running ──usage limit──▶ limited ──the agent's reset (heartbeat) or continue──▶ starting
 *   running ──interrupt/stop──▶ interrupting ──▶ interrupted (or continues with a follow-up)
 *   running ──holder dead──▶ worker_gone        running ──no progress──▶ stalled
 *   idle|failed|interrupted|worker_gone|stalled ──continue/follow-up──▶ starting
 *   (a follow-up to a limited task waits in its inbox for the reset)
 *   any ──task file status──▶ done | cancelled;  unusable task file ──▶ invalid
 *   ready ──a task in `after:` not done (or not merged)──▶ blocked ──the last one done──▶ ready
 *   (blocked is derived like ready: never written to a status file; domain/dependencies.ts)
 */
export const TASK_STATES = [
  'draft',
  'ready',
  'starting',
  'running',
  'interrupting',
  'idle',
  'failed',
  'interrupted',
  'worker_gone',
  'stalled',
  'limited',
  'done',
  'cancelled',
  'invalid',
  'blocked',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States in which a worker is expected to hold the task's lock. */
export const ACTIVE_STATES: ReadonlySet<TaskState> = new Set(['starting', 'running', 'interrupting']);

/** States from which `baton continue` may resume the session. */
export const CONTINUABLE_STATES: ReadonlySet<TaskState> = new Set([
  'idle',
  'failed',
  'interrupted',
  'worker_gone',
  'stalled',
  'limited',
]);
