/**
 * A task's history as a timeline a person reads (`baton history`, and the demo through it). Pure:
 * events in, lines out; the clock's time zone is a parameter so tests do not depend on the host.
 *
 * Workers are numbered in order of appearance (worker 1, 2, ...) and agent runs across the whole
 * task (run 1, 2, ... as `status` counts them), because the history's own `n` restarts with
 * every worker and two "run 1"s in one timeline read as the same run. Follow-ups are numbered the
 * same way (#1, #2, ...), which is the number `baton followup` reports.
 */
import { listPaths } from '../domain/hand-staged.js';
import type { HistoryEvent } from '../domain/history.js';
import {
  clockOf,
  duration,
  eventWords,
  excerpt,
  exitWords,
  kindWords,
  modeWords,
  plural,
  startWords,
} from './history-words.js';

/** How to render. */
export interface TimelineOptions {
  /** Whole prompts and follow-ups, indented under their line, instead of one shortened line. */
  full?: boolean;
  /** IANA zone for clock times; the host's local zone when absent. */
  timeZone?: string;
  /** The task, for the heading line; no heading without it. */
  slug?: string;
}

/** The timeline of `events` (as `readHistory` returns them, in file order). */
export function renderTimeline(events: readonly HistoryEvent[], opts: TimelineOptions = {}): string[] {
  const clock = clockOf(opts.timeZone);
  const workers = new Map<string, { no: number; since: number }>();
  const runs = new Map<string, { no: number; since: number | null }>();
  const followups = new Map<string, number>();
  const lines: string[] = [];
  let day: string | null = null;

  const workerOf = (runId: string | null): string => {
    if (runId === null) return 'a worker';
    return `worker ${workers.get(runId)?.no ?? '?'}`;
  };
  const runOf = (runId: string | null, n: number | undefined): { no: number; since: number | null } => {
    const key = `${runId ?? '-'}:${n ?? '?'}`;
    let r = runs.get(key);
    if (r === undefined) {
      r = { no: runs.size + 1, since: null };
      runs.set(key, r);
    }
    return r;
  };
  const numbers = (ids: readonly string[] | undefined): string =>
    (ids ?? []).map((id) => (followups.has(id) ? `#${followups.get(id)}` : 'a follow-up')).join(', ');

  for (const e of events) {
    const t = Date.parse(e.ts);
    const when = clock(t);
    if (when.day !== day) {
      if (day !== null) lines.push(`── ${when.day} ──`);
      day = when.day;
    }
    const inWorker = e.runId !== null && workers.has(e.runId);
    /** One line; with `body`, its excerpt after a colon, or with `full` the whole text below. */
    const say = (text: string, body?: string): void => {
      const tail = body === undefined ? '' : opts.full ? ':' : `: ${excerpt(body)}`;
      lines.push(`${when.time}  ${inWorker ? '  ' : ''}${text}${tail}`);
      if (body !== undefined && opts.full)
        for (const l of body.split('\n')) lines.push(`${' '.repeat(12)}│ ${l}`);
    };
    const startWorker = (pid: number | undefined, detail: string): void => {
      if (e.runId === null || workers.has(e.runId)) return;
      workers.set(e.runId, { no: workers.size + 1, since: t });
      lines.push(
        `${when.time}  ▶ ${workerOf(e.runId)} (run ${e.runId}${pid === undefined ? '' : `, pid ${pid}`})${detail}`,
      );
    };
    switch (e.type) {
      case 'task_dispatched':
        startWorker(
          e.pid,
          `: ${startWords(e.start)}${e.agent ? `, agent ${e.agent}` : ''}${e.by === 'worker' ? ', taken up by the worker itself' : ''}`,
        );
        break;
      case 'worker_started':
        startWorker(e.pid, ': started');
        break;
      case 'followup_received': {
        followups.set(e.id, followups.size + 1);
        say(`follow-up #${followups.size} (${modeWords(e.mode)}) accepted`, e.body ?? '');
        break;
      }
      case 'prompt_sent': {
        const r = runOf(e.runId, e.n);
        const session =
          e.mode === 'live'
            ? 'into the live session'
            : e.mode === 'resume'
              ? `resuming ${e.sessionId ?? 'the session'}`
              : 'new session';
        const what = e.followupIds?.length ? `follow-up ${numbers(e.followupIds)}` : kindWords(e.kind);
        const again = e.redelivery ? ', sent again (its first worker died)' : '';
        say(`run ${r.no} prompt, ${what === null ? '' : `${what}, `}${session}${again}`, e.prompt);
        break;
      }
      case 'run_started': {
        const r = runOf(e.runId, e.n);
        r.since = t;
        say(`run ${r.no} started${e.pid ? ` (agent pid ${e.pid})` : ''}`);
        break;
      }
      case 'agent_started':
        break; // run_started says it, with the same pid
      case 'session_captured':
        say(`session ${e.sessionId}`);
        break;
      case 'run_exited': {
        const r = runOf(e.runId, e.n);
        const took = r.since === null ? '' : ` after ${duration(t - r.since)}`;
        const how = exitWords(e.exitCode, e.signal);
        const verdict =
          e.ok === true ? `succeeded${took}` : `failed${took}: ${e.error ?? 'no error recorded'}`;
        say(
          `run ${r.no} ${verdict}${how ? ` (${how})` : ''}${e.orphaned ? ', ended by a later worker' : ''}`,
        );
        break;
      }
      case 'interrupt_sent': {
        // The worker names the follow-up by its inbox file: say its number instead.
        const reasonWords = (reason: string): string =>
          reason.startsWith('follow-up ')
            ? `for follow-up ${numbers([reason.slice('follow-up '.length)])}`
            : reason === 'stop'
              ? 'baton stop'
              : reason;
        const r = e.n === undefined ? null : runOf(e.runId, e.n);
        say(
          `interrupting ${r ? `run ${r.no}` : 'the agent'}: ${e.signal ?? 'a signal'}${e.pid ? ` to pid ${e.pid}` : ''}${e.reason ? ` (${reasonWords(e.reason)})` : ''}`,
        );
        break;
      }
      case 'steer_sent': {
        const r = e.n === undefined ? null : runOf(e.runId, e.n);
        const which = e.id === undefined ? 'a follow-up' : numbers([e.id]);
        say(
          `steered ${which} into ${r ? `run ${r.no}` : 'the running session'}${e.delivered && e.delivered !== 'live' ? ` (${e.delivered})` : ''}`,
        );
        break;
      }
      case 'stalled': {
        const r = e.n === undefined ? null : runOf(e.runId, e.n);
        say(
          `${r ? `run ${r.no}` : 'the agent'} stalled${e.idleSeconds === undefined ? '' : `: no progress for ${e.idleSeconds} s`}`,
        );
        break;
      }
      case 'hand_staged_committed': {
        const refused = e.refusedAt ? ` at ${clock(Date.parse(e.refusedAt)).time}` : '';
        say(
          `${workerOf(e.runId)}'s agent committed changes someone staged by hand in the worktree (their own commit was refused${refused}): ${listPaths(e.paths, 5)}`,
        );
        break;
      }
      case 'lock_taken_over': {
        const from = e.from
          ? `run ${e.from.runId} (pid ${e.from.pid}), which was gone`
          : 'a holder that was gone';
        const who =
          e.by ?? (e.runId !== null && workers.has(e.runId) ? workerOf(e.runId) : `run ${e.runId ?? '?'}`);
        say(`lock taken over from ${from}, by ${who}`);
        break;
      }
      case 'lock_released': {
        const w = e.runId === null ? undefined : workers.get(e.runId);
        lines.push(
          `${when.time}  ■ ${workerOf(e.runId)} done${w ? ` after ${duration(t - w.since)}` : ''}: lock released`,
        );
        break;
      }
      default: {
        const w = eventWords(e, clock);
        if (w !== null) say(w.text, w.body);
      }
    }
  }
  if (opts.slug !== undefined && events[0] !== undefined) {
    const { day, time } = clock(Date.parse(events[0].ts));
    const counts = [
      plural(workers.size, 'worker'),
      plural(runs.size, 'run'),
      plural(followups.size, 'follow-up'),
    ].join(', ');
    lines.unshift(
      `${opts.slug}: ${counts}; from ${day} ${time}${opts.timeZone ? ` ${opts.timeZone}` : ' (local time)'}`,
    );
  }
  return lines;
}
