/**
 * The board as people and scripts see it: the stable json of `status --json` and the table of
 * `status`, shared by `status` and `status --watch`. Pure: it formats a board already read
 * (ops/board.ts reads it) and does no I/O.
 */
import { styleText } from 'node:util';
import type { TaskState } from '../domain/states.js';
import { waitingFor, type Waiting, type WaitingContext } from '../domain/waiting.js';
import type { HookRepair } from '../hooks/repairs.js';
import type { Board, BoardTask } from '../ops/board.js';
import { cut, fitColumns, uniquePrefixes, visibleWidth, wrap } from './text-fit.js';

/** The stable json shape of `status --json`. */
export function boardJson(board: Board): {
  tasks: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
  problems: string[];
  watcher: { pid: number; since: string } | null;
  drops: number;
  hooks: { lastRepair: HookRepair | null };
} {
  const ctx = waitingContext(board);
  return {
    tasks: board.tasks.map((t) => taskJson(t, ctx)),
    rejected: board.rejected.map((r) => ({ ...r })),
    problems: board.problems,
    watcher: board.watcher ?? null,
    drops: board.drops ?? 0,
    hooks: { lastRepair: board.hookRepair ?? null },
  };
}

/** What a waiting task is judged against: the watcher, the slots taken, the limits. */
function waitingContext(board: Board): WaitingContext {
  const limits = board.limits ?? { maxConcurrent: Infinity, heartbeatSeconds: 30 };
  return {
    watcher: board.watcher ? { pid: board.watcher.pid, heartbeatSeconds: limits.heartbeatSeconds } : null,
    running: board.tasks.filter((t) => t.lock?.live).length,
    maxConcurrent: limits.maxConcurrent,
  };
}

/** Why the task waits, if it does (domain/waiting.ts). */
function waitingOf(t: BoardTask, ctx: WaitingContext): Waiting | null {
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
    },
    ctx,
  );
}

function taskJson(t: BoardTask, ctx: WaitingContext): Record<string, unknown> {
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
    autoRetries: s?.autoRetries ?? 0,
    error: t.error ?? t.failure?.message ?? null,
    waiting: waitingOf(t, ctx),
  };
}

/** How `renderBoard` lays the board out (cli/terminal.ts reads it off the output stream). */
export interface RenderOptions {
  /** No line is wider than this. */
  width: number;
  /** Colour the states and the warnings. */
  color: boolean;
}

/** The table's columns, left to right. */
const HEAD = ['TASK', 'STATE', 'AGENT', 'PID', 'RUNS', 'QUEUED', 'UPDATED', 'LAST OUTPUT', 'SESSION', 'NOTE'];

/**
 * When the table is too wide, columns go in this order (lowest first): counts and ages first,
 * the liveness signal of a running agent (LAST OUTPUT) last. TASK, STATE and NOTE stay; NOTE and
 * TASK are cut instead. SESSION is dropped whole rather than cut, since a cut id no longer tells
 * sessions apart.
 */
const DROP_RANK: Record<string, number | null> = {
  RUNS: 1,
  QUEUED: 2,
  UPDATED: 3,
  PID: 4,
  AGENT: 5,
  SESSION: 6,
  'LAST OUTPUT': 7,
};

/**
 * What TASK and NOTE keep before a column is dropped for them, and the narrowest they are cut to
 * once none is left to drop; every other column is shown whole or not at all.
 */
const CUTS: Record<string, { want: number; min: number }> = {
  TASK: { want: Infinity, min: 12 },
  NOTE: { want: 30, min: 16 },
};

/** Rejected drops shown: those of the last day, at most this many (rejected.jsonl keeps them all). */
const REJECTED_WINDOW_MS = 24 * 3600_000;
const REJECTED_SHOWN = 5;
/** How long the hooks self-heal's last repair stays on the board. */
const REPAIR_WINDOW_MS = 24 * 3600_000;

/** A readable table of the board, no line wider than `opts.width`. */
export function renderBoard(
  board: Board,
  now: Date,
  opts: RenderOptions = { width: 80, color: false },
): string {
  const { width } = opts;
  const paint = painter(opts.color);
  const prose = (text: string, indent = '', style?: Style): string[] =>
    wrap(text, width, indent).map((l) => (style ? paint(style, l) : l));
  const rejected = rejectedLines(board, now);
  if (board.tasks.length === 0 && rejected.length === 0) {
    return `${prose('No tasks yet: write tasks/<slug>.md (front matter, then the prompt), then `baton dispatch <slug>`.').join('\n')}\n`;
  }
  const ctx = waitingContext(board);
  const tasks = board.tasks.map((t) => ({ t, j: taskJson(t, ctx) }));
  const sessions = uniquePrefixes(tasks.map(({ j }) => j.sessionId as string | null));
  const rows = tasks.map(({ t, j }, i) => {
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
      sessions[i] ?? '-',
      waiting
        ? oneLine(waiting.detail)
        : j.error
          ? oneLine(String(j.error))
          : t.state === 'invalid'
            ? ''
            : oneLine((t.task?.title ?? '') as string),
    ];
  });
  const widths = fitColumns(
    HEAD.map((h, i) => {
      const cells = rows.map((r) => r[i] ?? '');
      const natural = Math.max(visibleWidth(h), ...cells.map(visibleWidth));
      const fit = CUTS[h] ?? { want: natural, min: natural };
      const want = Math.min(natural, fit.want);
      const rank = DROP_RANK[h] ?? null;
      // A column with nothing to say on this board goes before any that has something.
      const empty = cells.every((c) => c === '-' || c === '0');
      const dropRank = rank === null ? null : empty ? rank - 100 : rank;
      return { natural, want, min: Math.min(want, fit.min), dropRank };
    }),
    width,
  );
  const last = widths.reduce<number>((at, w, i) => (w === null ? at : i), 0);
  const fmt = (r: string[], style: (cell: string, i: number) => string): string => {
    const line = (paintCell: (cell: string, i: number) => string): string =>
      r
        .flatMap((c, i) => {
          const w = widths[i];
          if (w === null || w === undefined) return [];
          const text = cut(c, w);
          const pad = i === last ? '' : ' '.repeat(Math.max(0, w - visibleWidth(text)));
          return [paintCell(text, i) + pad];
        })
        .join('  ')
        .trimEnd();
    const plain = line((c) => c);
    // A terminal too narrow for even TASK and STATE at their narrowest: the row is cut, uncoloured.
    return visibleWidth(plain) > width ? cut(plain, width) : line(style);
  };
  const table = [
    fmt(HEAD, (c) => paint('bold', c)),
    ...rows.map((r, n) => fmt(r, (c, i) => (i === 1 ? paint(stateStyle(board.tasks[n]?.state), c) : c))),
  ];
  const lines = [...headerLines(board, now, prose), '', ...table];
  if (board.problems.length > 0) {
    lines.push('', ...prose(`Out of place (${board.problems.length}):`, '', 'yellow'));
    for (const p of board.problems) lines.push(...prose(`  ${p}`, '    '));
  }
  if (rejected.length > 0) lines.push('', ...rejected.flatMap((r) => prose(r.text, r.indent)));
  return `${lines.join('\n')}\n`;
}

/** A colour or style `util.styleText` knows. */
type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** Wraps text in a style when colouring, leaves it alone otherwise. */
function painter(color: boolean): (style: Style | null, text: string) => string {
  return (style, text) => (color && style && text ? styleText(style, text, { validateStream: false }) : text);
}

/** The colour of a state: green runs, red needs a person, yellow was stopped, dim is at rest. */
function stateStyle(state: TaskState | undefined): Style | null {
  switch (state) {
    case undefined:
    case 'ready':
      return null;
    case 'starting':
    case 'running':
      return 'green';
    case 'interrupting':
    case 'interrupted':
    case 'stalled':
      return 'yellow';
    case 'failed':
    case 'worker_gone':
    case 'invalid':
      return 'red';
    case 'done':
      return 'cyan';
    case 'draft':
    case 'idle':
    case 'cancelled':
      return 'dim';
  }
}

/** The lines above the table: whether a watcher runs, and a recent repair of the hooks. */
function headerLines(
  board: Board,
  now: Date,
  prose: (text: string, indent?: string, style?: Style) => string[],
): string[] {
  const drops = board.drops ?? 0;
  const waiting = drops > 0 ? `; ${drops} follow-up drop${drops === 1 ? '' : 's'} not ingested yet` : '';
  const lines = board.watcher
    ? prose(
        `watcher: running (pid ${board.watcher.pid}, since ${age(board.watcher.since, now)})${waiting}`,
        '  ',
      )
    : prose(
        `watcher: none running: ready tasks and dropped follow-ups wait; start one with \`baton watch\`${waiting}`,
        '  ',
        'yellow',
      );
  const repair = board.hookRepair;
  if (repair && now.getTime() - Date.parse(repair.at) < REPAIR_WINDOW_MS) {
    const by = repair.by === 'heartbeat' ? 'the heartbeat' : `a ${repair.by}`;
    lines.push(...prose(`hooks: ${age(repair.at, now)}, ${by} ${repair.said}`, '  ', 'yellow'));
  }
  return lines;
}

/**
 * The rejected drops worth a person's look: those of the last 24 h, the newest few; one line
 * says how many more there are and where they are kept.
 */
function rejectedLines(board: Board, now: Date): { text: string; indent: string }[] {
  const all = board.rejected;
  if (all.length === 0) return [];
  const recent = all.filter((r) => now.getTime() - Date.parse(r.ts) < REJECTED_WINDOW_MS);
  const shown = recent.slice(-REJECTED_SHOWN);
  const more = all.length - shown.length;
  const out: { text: string; indent: string }[] = [];
  if (shown.length > 0) {
    out.push({ text: `Rejected drops in the last 24 h (${recent.length}):`, indent: '' });
    for (const r of shown) out.push({ text: `  ${r.file}: ${oneLine(r.reason)}`, indent: '    ' });
  }
  if (more > 0) {
    const older = all.length - recent.length;
    const what = shown.length > 0 ? `  ${more} more` : `Rejected drops: ${more}`;
    const when = older === more ? 'older than 24 h' : `${older} of them older than 24 h`;
    out.push({
      text: `${what} (${when}) listed in tasks/logs/rejected.jsonl; each drop is kept as tasks/<name>.rejected`,
      indent: shown.length > 0 ? '    ' : '  ',
    });
  }
  return out;
}

function age(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** `s` on one line; how much of it shows is the terminal's width's business. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
