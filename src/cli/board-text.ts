/**
 * The board as people read it (`status`, `status --watch`): a table that fits the terminal's
 * width, dropping low-value columns and cutting cells rather than wrapping rows; the lines around
 * it wrapped at words; colour where the terminal takes it. Pure: the width and colour come in
 * (cli/terminal.ts reads them), text goes out.
 */
import { describeConflict } from '../domain/radar-words.js';
import { styleText } from 'node:util';
import { noticeNote, type HandStagedNotice } from '../domain/hand-staged.js';
import type { PrRecord } from '../store/pr.js';
import type { TaskState } from '../domain/states.js';
import type { Waiting } from '../domain/waiting.js';
import type { Board } from '../ops/board.js';
import { taskJson, waitingContext } from './board-view.js';
import { cut, fitColumns, uniquePrefixes, visibleWidth, wrap } from './text-fit.js';

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
  const rejected = rejectedLines(board, now).flatMap((r) => prose(r.text, r.indent));
  const tail = rejected.length > 0 ? ['', ...rejected] : [];
  if (board.tasks.length === 0) {
    const none =
      'No tasks yet: write tasks/<slug>.md (front matter, then the prompt), then `baton dispatch <slug>`.';
    return `${[...prose(none), ...repairLines(board, now, prose), ...tail].join('\n')}\n`;
  }
  const ctx = waitingContext(board);
  const tasks = board.tasks.map((t) => ({ t, j: taskJson(t, ctx) }));
  const sessions = uniquePrefixes(tasks.map(({ j }) => j.sessionId as string | null));
  const rows = tasks.map(({ t, j }, i) => {
    const waiting = j.waiting as Waiting | null;
    const handStaged = j.handStagedCommitted as HandStagedNotice | null;
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
          : handStaged
            ? oneLine(noticeNote(handStaged))
            : t.pr
              ? oneLine(prNote(t.pr, now))
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
  lines.push(...radarLines(board, prose));
  if (board.problems.length > 0) {
    lines.push('', ...prose(`Out of place (${board.problems.length}):`, '', 'yellow'));
    for (const p of board.problems) lines.push(...prose(`  ${p}`, '    '));
  }
  lines.push(...tail);
  return `${lines.join('\n')}\n`;
}

/**
 * The conflict radar's findings under the table: each task branch that conflicts (with the files)
 * or is behind its base; or why the radar is off.
 */
function radarLines(
  board: Board,
  prose: (text: string, indent?: string, style?: Style) => string[],
): string[] {
  const said: string[] = [];
  let conflicting = 0;
  for (const t of board.tasks) {
    const r = t.radar;
    if (!r || t.slug === null || (r.conflicts.length === 0 && r.behind === 0)) continue;
    if (r.conflicts.length > 0) conflicting++;
    const parts = [
      ...r.conflicts.map(describeConflict),
      ...(r.behind > 0 ? [`${r.behind} commit${r.behind === 1 ? '' : 's'} behind ${r.base}`] : []),
    ];
    said.push(...prose(`  ${t.slug}: ${parts.join('; ')}`, '    '));
  }
  const out: string[] = [];
  if (said.length > 0) {
    const head =
      conflicting > 0
        ? `Conflicts (${conflicting} task${conflicting === 1 ? '' : 's'}; rebase onto the base):`
        : 'Behind their base:';
    out.push('', ...prose(head, '', conflicting > 0 ? 'red' : undefined), ...said);
  }
  if (board.radarOff) out.push('', ...prose(board.radarOff, '', 'yellow'));
  return out;
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
    case 'limited':
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
    case 'blocked':
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
  return [...lines, ...repairLines(board, now, prose)];
}

/** The hooks self-heal's last repair, while it is recent. */
function repairLines(
  board: Board,
  now: Date,
  prose: (text: string, indent?: string, style?: Style) => string[],
): string[] {
  const repair = board.hookRepair;
  if (!repair || !(now.getTime() - Date.parse(repair.at) < REPAIR_WINDOW_MS)) return [];
  const by = repair.by === 'heartbeat' ? 'the heartbeat' : `a ${repair.by}`;
  return prose(`hooks: ${age(repair.at, now)}, ${by} ${repair.said}`, '  ', 'yellow');
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
    const where = 'listed in tasks/logs/rejected.jsonl; each drop is kept as tasks/<name>.rejected';
    if (shown.length === 0)
      out.push({ text: `Rejected drops: ${more} older than 24 h, ${where}`, indent: '  ' });
    else {
      const when = older === more ? 'older than 24 h' : `${older} of them older than 24 h`;
      out.push({ text: `  ${more} more (${when}) ${where}`, indent: '    ' });
    }
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

/** What a task's pull request is at, for the NOTE column: its state, failing checks, or the forge's problem. */
export function prNote(p: PrRecord, now: Date): string {
  const n = p.number === null ? 'PR' : `PR #${p.number}`;
  if (p.problem !== null) {
    const at = p.nextPollAt === null ? null : new Date(p.nextPollAt);
    const retry =
      at === null
        ? ''
        : at <= now
          ? '; tries again soon'
          : `; tries again at ${at.toTimeString().slice(0, 5)}`;
    return `${n}: ${p.problem.message.replace(/\.$/, '')}${retry} (${p.problem.hint})`;
  }
  if (p.state === 'MERGED')
    return p.removeRefused
      ? `${n} merged; worktree kept: ${p.removeRefused}`
      : p.doneRecorded
        ? `${n} merged`
        : `${n} merged; done when its worker ends`;
  if (p.state === 'CLOSED')
    return `${n} closed without merging; nothing was removed; a reopen is noticed (polled slowly)`;
  // Open again after it was closed (`pr_reopened`): said, so a person sees why its loop resumed.
  const open = `${n} ${p.reopenedAt ? 'reopened' : 'open'}`;
  if (p.failingChecks.length > 0) return `${open}: failing ${p.failingChecks.join(', ')} (sent to the agent)`;
  if (p.reviewDecision === 'CHANGES_REQUESTED') return `${open}: changes requested (sent to the agent)`;
  return `${open}${p.reviewDecision === 'APPROVED' ? ', approved' : ''}: ${p.url ?? ''}`;
}
