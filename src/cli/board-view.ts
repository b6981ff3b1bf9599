/**
 * The board as people and scripts see it: the stable json of `status --json` and the table of
 * `status`, shared by `status` and `status --watch`. Pure: it formats a board already read
 * (ops/board.ts reads it) and does no I/O.
 */
import { waitingFor, type Waiting } from '../domain/waiting.js';
import type { Board, BoardTask } from '../ops/board.js';
import { agentLimitOf, limitsContext, type BoardContext } from './board-limits.js';

/** The stable json shape of `status --json`. */
export function boardJson(board: Board): {
  tasks: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
  problems: string[];
  watcher: { pid: number; since: string } | null;
  drops: number;
} {
  const ctx = waitingContext(board);
  return {
    tasks: board.tasks.map((t) => taskJson(t, ctx)),
    rejected: board.rejected.map((r) => ({ ...r })),
    problems: board.problems,
    watcher: board.watcher ?? null,
    drops: board.drops ?? 0,
  };
}

/** What a waiting task is judged against: the watcher, the slots taken, the limits. */
function waitingContext(board: Board): BoardContext {
  const limits = board.limits ?? { maxConcurrent: Infinity, heartbeatSeconds: 30 };
  return {
    watcher: board.watcher ? { pid: board.watcher.pid, heartbeatSeconds: limits.heartbeatSeconds } : null,
    running: board.tasks.filter((t) => t.lock?.live).length,
    maxConcurrent: limits.maxConcurrent,
    ...limitsContext(board),
  };
}

/** Why the task waits, if it does (domain/waiting.ts). */
function waitingOf(t: BoardTask, ctx: BoardContext): Waiting | null {
  if (t.slug === null || t.task === null) return null;
  const s = t.status;
  return waitingFor(
    {
      slug: t.slug,
      state: t.state,
      live: t.lock?.live === true,
      ranBefore: (s?.runId ?? null) !== null,
      pendingFollowups: t.pendingFollowups,
      retryAt: s?.retryAt ?? null,
      failure: t.failure ?? null,
      since: s?.updatedAt ?? (t.fileMtimeMs ? new Date(t.fileMtimeMs).toISOString() : null),
      agentLimit: agentLimitOf(t, ctx),
    },
    ctx,
  );
}

function taskJson(t: BoardTask, ctx: BoardContext): Record<string, unknown> {
  const s = t.status;
  return {
    slug: t.slug,
    file: t.file,
    state: t.state,
    title: t.task?.title ?? null,
    priority: t.task?.priority ?? null,
    agent: s?.agent ?? t.task?.agent ?? null,
    branch: s?.branch ?? null,
    worktree: s?.worktree ?? null,
    pid: t.lock?.live ? t.lock.pid : null,
    agentPid: t.lock?.live ? (s?.agentPid ?? null) : null,
    runId: s?.runId ?? null,
    epoch: s?.epoch ?? t.lock?.epoch ?? null,
    sessionId: s?.sessionId ?? null,
    runs: s?.runs ?? 0,
    pendingFollowups: t.pendingFollowups,
    lastExitCode: s?.lastExitCode ?? null,
    startedAt: s?.startedAt ?? null,
    updatedAt: s?.updatedAt ?? null,
    lastOutputAt: s?.lastOutputAt ?? null,
    lastProgressAt: s?.lastProgressAt ?? null,
    retryAt: s?.retryAt ?? null,
    limitedAgent: s?.limitedAgent ?? null,
    autoRetries: s?.autoRetries ?? 0,
    error: t.error ?? t.failure?.message ?? null,
    waiting: waitingOf(t, ctx),
  };
}

/** A readable table of the board. */
export function renderBoard(board: Board, now: Date): string {
  if (board.tasks.length === 0 && board.rejected.length === 0) {
    return 'No tasks yet: write tasks/<slug>.md (front matter, then the prompt), then `baton dispatch <slug>`.\n';
  }
  const ctx = waitingContext(board);
  const rows = board.tasks.map((t) => {
    const j = taskJson(t, ctx);
    const waiting = j.waiting as Waiting | null;
    return [
      t.slug ?? '-',
      t.state,
      String(j.agent ?? '-'),
      j.pid === null ? '-' : String(j.pid),
      String(j.runs),
      String(j.pendingFollowups),
      age(j.updatedAt as string | null, now),
      age(j.lastOutputAt as string | null, now),
      short(j.sessionId as string | null),
      waiting
        ? oneLine(waiting.detail)
        : j.error
          ? oneLine(String(j.error))
          : t.state === 'invalid'
            ? ''
            : ((t.task?.title ?? '') as string),
    ];
  });
  const head = [
    'TASK',
    'STATE',
    'AGENT',
    'PID',
    'RUNS',
    'QUEUED',
    'UPDATED',
    'LAST OUTPUT',
    'SESSION',
    'NOTE',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [watcherLine(board, now), fmt(head), ...rows.map(fmt)];
  if (board.problems.length > 0) {
    lines.push('', `Out of place (${board.problems.length}):`);
    for (const p of board.problems) lines.push(`  ${p}`);
  }
  if (board.rejected.length > 0) {
    lines.push('', `Rejected drops (${board.rejected.length}):`);
    for (const r of board.rejected.slice(-20)) lines.push(`  ${r.file}: ${oneLine(r.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Whether a watcher runs, and what lies in tasks/ that no one has picked up. */
function watcherLine(board: Board, now: Date): string {
  const drops = board.drops ?? 0;
  const waiting = drops > 0 ? `; ${drops} follow-up drop${drops === 1 ? '' : 's'} not ingested yet` : '';
  if (board.watcher)
    return `watcher: running (pid ${board.watcher.pid}, since ${age(board.watcher.since, now)})${waiting}\n`;
  return `watcher: none running: ready tasks and dropped follow-ups wait; start one with \`baton watch\`${waiting}\n`;
}

function age(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

function short(id: string | null): string {
  return id ? (id.length > 13 ? `${id.slice(0, 12)}…` : id) : '-';
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}
