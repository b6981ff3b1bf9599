/**
 * The words of `baton history` (cli/history-view.ts): the phrasing of each event that needs no
 * timeline state (numbered workers, runs and follow-ups), and the small helpers the timeline
 * shares. Pure: an event and a clock in, words out.
 */
import { describeConflict } from '../domain/radar-words.js';
import type { HistoryEvent } from '../domain/history.js';

/** Longest prompt excerpt on a timeline line. */
const EXCERPT = 100;

/** Day and clock time of an instant, as the timeline prints them. */
export type Clock = (t: number) => { day: string; time: string };

/** One timeline line's text, and the prompt or follow-up it quotes. */
export interface EventWords {
  text: string;
  body?: string;
}

const line = (text: string, body?: string): EventWords => (body === undefined ? { text } : { text, body });

/**
 * The line of an event that needs no timeline state; null for the events the timeline phrases
 * itself (workers, runs, prompts, follow-ups, interrupts, locks) and for any it does not know.
 */
export function eventWords(e: HistoryEvent, clock: Clock): EventWords | null {
  switch (e.type) {
    case 'setup_started':
      return line(
        `worktree setup started: ${plural(e.commands ?? 0, 'command')}${e.copy ? `, ${plural(e.copy, 'copy pattern')}` : ''}${e.ports ? `; ports ${e.ports.base}–${e.ports.base + e.ports.count - 1}` : ''}`,
      );
    case 'setup_done':
      return line(`worktree setup done${e.ms === undefined ? '' : ` after ${duration(e.ms)}`}`);
    case 'setup_failed':
    case 'teardown_failed':
      return line(
        `${e.type === 'setup_failed' ? 'worktree setup failed, the agent was not started' : `teardown failed${e.force ? ', removed anyway (forced)' : ''}`}: ${setupFailureWords(e)}${e.log ? ` (output in ${e.log})` : ''}`,
      );
    case 'teardown_done':
      return line(`teardown done: ${plural(e.commands ?? 0, 'command')}`);

    case 'session_fallback':
      return line(
        `session fallback: ${e.reason ?? 'the session could not be resumed'}; a new session carries ${e.prompts ?? 'the'} earlier prompt${e.prompts === 1 ? '' : 's'}`,
      );

    case 'limit_hit': {
      const until = `${clock(Date.parse(e.retryAt)).time}`;
      const why =
        e.how === 'backoff'
          ? 'no reset time named: backing off'
          : `reset ${e.reset ? clock(Date.parse(e.reset)).time : '?'} (${e.how ?? '?'})`;
      return line(
        `${e.agent} hit its usage limit: parked until ${until}; ${why}${e.raw ? ` — "${e.raw}"` : ''}`,
      );
    }
    case 'state_changed': {
      const from = e.from ? `${e.from} → ` : '';
      const extra = [
        e.by ? `by ${e.by}` : null,
        e.reason ?? null,
        e.error ? `error: ${e.error}` : null,
        e.retryAt ? `retry at ${clock(Date.parse(e.retryAt)).time}` : null,
      ].filter((x) => x !== null);
      return line(`state ${from}${e.to}${extra.length ? ` (${extra.join('; ')})` : ''}`);
    }

    case 'rejected':
      return line(`follow-up rejected: ${e.reason ?? 'no reason recorded'}${e.file ? ` (${e.file})` : ''}`);
    case 'removed':
      return line(`removed: ${removedWords(e)}`);
    case 'unblocked': {
      const after = (e.after ?? []).join(', ');
      return line(
        e.forced
          ? `dispatched with --force while waiting for ${(e.waitingFor ?? []).join(', ')}`
          : `unblocked: ${after} ${(e.after ?? []).length === 1 ? 'is' : 'are'} done${e.afterMerge ? ' and merged' : ''}`,
      );
    }
    case 'conflict_found':
      return line(
        `conflict: ${describeConflict({ with: e.with, kind: e.kind, branch: e.branch, files: Array.isArray(e.files) ? e.files : [] })}${e.followup ? '; a follow-up asks the agent to rebase' : ''}`,
      );
    case 'pr_opened':
      return line(
        `pull request #${e.number} ${e.adopted ? 'adopted' : 'opened'}${e.by === 'idle' ? ' (openOnIdle)' : ''}: ${e.url}`,
      );
    case 'pr_checks_failed':
      return line(
        `PR #${e.number}: ${(e.checks ?? []).join(', ') || 'a check'} failed; sent as ${e.followup}`,
        e.text,
      );
    case 'pr_review':
      return line(
        `PR #${e.number}: ${plural(e.comments ?? e.keys.length, 'new review comment')}; sent as ${e.followup}`,
        e.text,
      );
    case 'pr_merged':
      return line(`PR #${e.number} merged`);
    case 'pr_closed':
      return line(`PR #${e.number} closed without being merged`);
    case 'pr_reopened':
      return line(`PR #${e.number} reopened; watched again`);
    case 'claim_won':
      return line(`claim won by host ${e.host} (epoch ${e.epoch}, ${e.ref})`);
    case 'claim_taken_over':
      return line(
        `claim taken over by host ${e.host} from ${e.from.host}, whose lease ended ${e.from.expiresAt} (epoch ${e.epoch})`,
      );
    case 'claim_lost':
      return line(`claim lost by host ${e.host} (epoch ${e.epoch}): ${e.why}`);
    case 'claim_released':
      return line(`claim released by host ${e.host} (epoch ${e.epoch})`);
    case 'followup_forwarded':
      return line(`follow-up ${e.file} sent to host ${e.to} (${e.ref})`);
    case 'setup_command_started':
      return line(`setup command ${e.n} started: \`${e.command}\` (process group ${e.pid})`);
    case 'setup_ended':
      return line(
        `setup command ended${e.signal ? ` by ${e.signal}` : ''}: ${e.error ?? `\`${e.command ?? '?'}\``}`,
      );
    default:
      return null;
  }
}

/** Why a setup or teardown command failed. */
export function setupFailureWords(
  e: Extract<HistoryEvent, { type: 'setup_failed' | 'teardown_failed' }>,
): string {
  const cmd = e.command === undefined ? 'a command' : `\`${e.command}\``;
  if (e.timedOut) return `${cmd} ran past its timeout and was killed`;
  if (e.signal) return `${cmd} was killed by ${e.signal}`;
  return e.exitCode === undefined || e.exitCode === null
    ? `${cmd} could not start`
    : `${cmd} exited with code ${e.exitCode}`;
}

/** `1 run`, `2 runs`. */
export function plural(n: number, word: string): string {
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

/** How a worker began, in words. */
export function startWords(start: string): string {
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

/** How a follow-up was delivered: queued, steer or interrupt. */
export function modeWords(mode: string | undefined): string {
  switch (mode) {
    case 'steer':
    case 'interrupt':
      return mode;
    default:
      return 'queued';
  }
}

/** What a prompt carried, or null when the history did not say. */
export function kindWords(kind: string | undefined): string | null {
  if (kind === undefined) return null;
  if (kind.endsWith('+fallback'))
    return `${kindWords(kind.slice(0, -'+fallback'.length)) ?? 'the prompt'} with the earlier prompts`;
  return kind === 'task' ? 'the task' : kind;
}

/** How a process ended: its signal, or `exit <code>`. */
export function exitWords(code: number | null | undefined, signal: string | null | undefined): string {
  if (signal) return signal;
  if (code === null || code === undefined) return '';
  return `exit ${code}`;
}

/** What a remove did, in a comma list. */
export function removedWords(e: Extract<HistoryEvent, { type: 'removed' }>): string {
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
export function clockOf(timeZone: string | undefined): (t: number) => { day: string; time: string } {
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
