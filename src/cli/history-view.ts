/**
 * A task's history as a timeline a person reads (`baton history`, and the demo through it). Pure:
 * events in, lines out; the clock's time zone is a parameter so tests do not depend on the host.
 *
 * Workers are numbered in order of appearance (worker 1, 2, ...) and agent runs across the whole
 * task (run 1, 2, ... as `status` counts them), because the history's own `n` restarts with
 * every worker and two "run 1"s in one timeline read as the same run. Follow-ups are numbered the
 * same way (#1, #2, ...), which is the number `baton followup` reports.
 */
import { describeConflict } from '../domain/radar-words.js';
import { listPaths } from '../domain/hand-staged.js';
import type { HistoryEvent } from '../domain/history.js';

/** How to render. */
export interface TimelineOptions {
  /** Whole prompts and follow-ups, indented under their line, instead of one shortened line. */
  full?: boolean;
  /** IANA zone for clock times; the host's local zone when absent. */
  timeZone?: string;
  /** The task, for the heading line; no heading without it. */
  slug?: string;
}

/** Longest prompt excerpt on a timeline line. */
const EXCERPT = 100;

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
      case 'setup_started':
        say(
          `worktree setup started: ${plural(e.commands ?? 0, 'command')}${e.copy ? `, ${plural(e.copy, 'copy pattern')}` : ''}${e.ports ? `; ports ${e.ports.base}–${e.ports.base + e.ports.count - 1}` : ''}`,
        );
        break;
      case 'setup_done':
        say(`worktree setup done${e.ms === undefined ? '' : ` after ${duration(e.ms)}`}`);
        break;
      case 'setup_failed':
      case 'teardown_failed':
        say(
          `${e.type === 'setup_failed' ? 'worktree setup failed, the agent was not started' : `teardown failed${e.force ? ', removed anyway (forced)' : ''}`}: ${setupFailureWords(e)}${e.log ? ` (output in ${e.log})` : ''}`,
        );
        break;
      case 'teardown_done':
        say(`teardown done: ${plural(e.commands ?? 0, 'command')}`);
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
      case 'session_fallback':
        say(
          `session fallback: ${e.reason ?? 'the session could not be resumed'}; a new session carries ${e.prompts ?? 'the'} earlier prompt${e.prompts === 1 ? '' : 's'}`,
        );
        break;
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
      case 'limit_hit': {
        const until = `${clock(Date.parse(e.retryAt)).time}`;
        const why =
          e.how === 'backoff'
            ? 'no reset time named: backing off'
            : `reset ${e.reset ? clock(Date.parse(e.reset)).time : '?'} (${e.how ?? '?'})`;
        say(`${e.agent} hit its usage limit: parked until ${until}; ${why}${e.raw ? ` — "${e.raw}"` : ''}`);
        break;
      }
      case 'state_changed': {
        const from = e.from ? `${e.from} → ` : '';
        const extra = [
          e.by ? `by ${e.by}` : null,
          e.reason ?? null,
          e.error ? `error: ${e.error}` : null,
          e.retryAt ? `retry at ${clock(Date.parse(e.retryAt)).time}` : null,
        ].filter((x) => x !== null);
        say(`state ${from}${e.to}${extra.length ? ` (${extra.join('; ')})` : ''}`);
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
      case 'rejected':
        say(`follow-up rejected: ${e.reason ?? 'no reason recorded'}${e.file ? ` (${e.file})` : ''}`);
        break;
      case 'removed':
        say(`removed: ${removedWords(e)}`);
        break;
      case 'unblocked': {
        const after = (e.after ?? []).join(', ');
        say(
          e.forced
            ? `dispatched with --force while waiting for ${(e.waitingFor ?? []).join(', ')}`
            : `unblocked: ${after} ${(e.after ?? []).length === 1 ? 'is' : 'are'} done${e.afterMerge ? ' and merged' : ''}`,
        );
        break;
      }
      case 'conflict_found':
        say(
          `conflict: ${describeConflict({ with: e.with, kind: e.kind, branch: e.branch, files: Array.isArray(e.files) ? e.files : [] })}${e.followup ? '; a follow-up asks the agent to rebase' : ''}`,
        );
        break;
      case 'pr_opened':
        say(
          `pull request #${e.number} ${e.adopted ? 'adopted' : 'opened'}${e.by === 'idle' ? ' (openOnIdle)' : ''}: ${e.url}`,
        );
        break;
      case 'pr_checks_failed':
        say(
          `PR #${e.number}: ${(e.checks ?? []).join(', ') || 'a check'} failed; sent as ${e.followup}`,
          e.text,
        );
        break;
      case 'pr_review':
        say(
          `PR #${e.number}: ${plural(e.comments ?? e.keys.length, 'new review comment')}; sent as ${e.followup}`,
          e.text,
        );
        break;
      case 'pr_merged':
        say(`PR #${e.number} merged`);
        break;
      case 'pr_closed':
        say(`PR #${e.number} closed without being merged`);
        break;
      case 'claim_won':
        say(`claim won by host ${e.host} (epoch ${e.epoch}, ${e.ref})`);
        break;
      case 'claim_taken_over':
        say(
          `claim taken over by host ${e.host} from ${e.from.host}, whose lease ended ${e.from.expiresAt} (epoch ${e.epoch})`,
        );
        break;
      case 'claim_lost':
        say(`claim lost by host ${e.host} (epoch ${e.epoch}): ${e.why}`);
        break;
      case 'claim_released':
        say(`claim released by host ${e.host} (epoch ${e.epoch})`);
        break;
      case 'followup_forwarded':
        say(`follow-up ${e.file} sent to host ${e.to} (${e.ref})`);
        break;
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

function setupFailureWords(e: Extract<HistoryEvent, { type: 'setup_failed' | 'teardown_failed' }>): string {
  const cmd = e.command === undefined ? 'a command' : `\`${e.command}\``;
  if (e.timedOut) return `${cmd} ran past its timeout and was killed`;
  if (e.signal) return `${cmd} was killed by ${e.signal}`;
  return e.exitCode === undefined || e.exitCode === null
    ? `${cmd} could not start`
    : `${cmd} exited with code ${e.exitCode}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The first line of `text` (HTML comments, which carry directives, left out), cut to fit. */
export function excerpt(text: string): string {
  const visible = text.replace(/<!--[\s\S]*?-->/g, '').trim();
  const all = visible.split('\n').filter((l) => l.trim() !== '');
  const first = all[0]?.trim() ?? '';
  const cut = first.length > EXCERPT ? `${first.slice(0, EXCERPT - 1)}…` : first;
  const more = all.length > 1 ? ` (+${all.length - 1} line${all.length === 2 ? '' : 's'})` : '';
  return `"${cut}"${more}`;
}

function startWords(start: string): string {
  switch (start) {
    case 'new':
      return 'the task prompt, new session';
    case 'fresh':
      return 'the task prompt, fresh session';
    case 'continue':
      return 'continue the session';
    case 'inbox':
      return 'for waiting follow-ups';
    default:
      return start;
  }
}

function modeWords(mode: string | undefined): string {
  switch (mode) {
    case 'steer':
    case 'interrupt':
      return mode;
    default:
      return 'queued';
  }
}

function kindWords(kind: string | undefined): string | null {
  if (kind === undefined) return null;
  if (kind.endsWith('+fallback'))
    return `${kindWords(kind.slice(0, -'+fallback'.length)) ?? 'the prompt'} with the earlier prompts`;
  return kind === 'task' ? 'the task' : kind;
}

function exitWords(code: number | null | undefined, signal: string | null | undefined): string {
  if (signal) return signal;
  if (code === null || code === undefined) return '';
  return `exit ${code}`;
}

function removedWords(e: Extract<HistoryEvent, { type: 'removed' }>): string {
  const parts = [e.worktree ? `worktree ${e.worktree}` : 'no worktree'];
  if (e.branch)
    parts.push(e.branchDeleted ? `branch ${e.branch} deleted` : `branch ${e.branchKept ?? e.branch} kept`);
  if (e.unmergedCommits)
    parts.push(`${e.unmergedCommits} unmerged commit${e.unmergedCommits === 1 ? '' : 's'}`);
  if (e.force) parts.push('forced');
  return parts.join(', ');
}

/** `3.2 s`, `4 min 05 s`, `2 h 03 min`. */
export function duration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Day and clock time of an epoch-ms instant in `timeZone` (the host's when undefined). */
function clockOf(timeZone: string | undefined): (t: number) => { day: string; time: string } {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return (t) => {
    if (Number.isNaN(t)) return { day: '?', time: '??:??:??' };
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}` };
  };
}
