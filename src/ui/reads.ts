/**
 * What the page shows, read as the CLI reads it: the board is `status --json`'s (ops/board.ts
 * through cli/board-view.ts), a task's timeline is `history --full`'s (cli/history-view.ts), its
 * log is `logs`' rendering (agents/log-view.ts). In cluster mode the board also carries
 * `status --json`'s `host`, `cluster` and each task's `claim` (cli/fleet-json.ts) and the words
 * `status` says of them (cli/fleet-text.ts): `fleet` for the panel, each task's `claimWords`.
 * Every slug here has been validated already.
 */
import { promises as fs } from 'node:fs';
import { createLogRenderer, runHeaderAgent } from '../agents/log-view.js';
import { boardJson, taskJson, waitingContext } from '../cli/board-view.js';
import { fleetJson } from '../cli/fleet-json.js';
import { fleetView, type FleetView } from '../cli/fleet-text.js';
import { renderTimeline } from '../cli/history-view.js';
import { readBoard, type TaskFileCache } from '../ops/board.js';
import type { Fleet } from '../ops/fleet.js';
import { taskWorktree, type Repo } from '../ops/repo.js';
import { isNotFound, readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { readTaskText } from '../store/taskfiles.js';

/** The board as `status --json` prints it, with the claims in words in cluster mode. */
export async function boardData(
  repo: Repo,
  cache: TaskFileCache,
  fleet: Fleet | null = null,
  now = new Date(),
): Promise<Record<string, unknown>> {
  return withFleet(boardJson(await readBoard(repo, cache)), fleet, now);
}

/** The board json with cluster mode's fields and words added (nothing when `fleet` is null). */
export function withFleet<T extends { tasks: Record<string, unknown>[] }>(
  json: T,
  fleet: Fleet | null,
  now: Date,
): T & { host?: string; cluster?: Record<string, unknown>; fleet?: FleetView } {
  if (fleet === null) return json;
  const view = fleetView(fleet, now);
  const words = new Map(view.claims.map((c) => [c.slug, c.parts]));
  const added = fleetJson(json.tasks, fleet);
  return {
    ...json,
    ...added,
    tasks: added.tasks.map((t) => ({
      ...t,
      claimWords: typeof t['slug'] === 'string' ? (words.get(t['slug']) ?? null) : null,
    })),
    fleet: view,
  };
}

/** One task's page, or null when no such task is on the board and it has no history. */
export async function taskData(
  repo: Repo,
  slug: string,
  cache: TaskFileCache,
  fleet: Fleet | null = null,
): Promise<Record<string, unknown> | null> {
  const board = await readBoard(repo, cache);
  const t = board.tasks.find((x) => x.slug === slug);
  const tp = taskPaths(repo.paths, slug);
  const { events, skipped } = await readHistory(tp.historyFile);
  if (t === undefined && events.length === 0) return null;
  const text = await readTaskText(repo.info.root, `${slug}.md`);
  const { worktree, branch } = taskWorktree(repo.config, slug);
  return {
    task:
      t === undefined
        ? null
        : (withFleet({ tasks: [taskJson(t, waitingContext(board))] }, fleet, new Date()).tasks[0] ?? null),
    file: `tasks/${slug}.md`,
    text: text.ok ? text.value : null,
    textError: text.ok ? null : text.error.map((p) => p.message).join('; '),
    worktree,
    branch,
    timeline: renderTimeline(events, { full: true }),
    skipped,
  };
}

/** How much of a log a first look shows: its last 256 KiB. */
const TAIL_BYTES = 256 * 1024;

/** A piece of a task's log, rendered for a person. */
export interface LogChunk {
  /** Where the next read starts (the end of the last whole line read). */
  offset: number;
  /** The run header in force at `offset`, to hand back: it picks the view for what follows. */
  header: string | null;
  lines: string[];
  /** True when the log was replaced or truncated, or this is a first look: the page starts over. */
  reset: boolean;
}

/**
 * The rendered lines of `slug`'s log from `offset` (-1: a first look, the tail) to its last whole
 * line. `header` is what the previous chunk returned, so a chunk renders as the whole log would.
 */
export async function logChunk(
  repo: Repo,
  slug: string,
  offset: number,
  header: string | null,
): Promise<LogChunk> {
  const file = taskPaths(repo.paths, slug).logFile;
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, 'r');
  } catch (err) {
    if (isNotFound(err)) return { offset: 0, header: null, lines: [], reset: offset !== 0 };
    throw err;
  }
  try {
    const { size } = await h.stat();
    const reset = offset < 0 || offset > size;
    let start = reset ? Math.max(0, size - TAIL_BYTES) : offset;
    let buf = Buffer.alloc(size - start);
    if (buf.length > 0) await h.read(buf, 0, buf.length, start);
    let prime = reset ? null : header;
    if (reset && start > 0) {
      // A tail starts mid-line: skip to the next line, and find the run header in force there.
      const cut = buf.indexOf(0x0a) + 1;
      prime = await headerBefore(h, start);
      buf = buf.subarray(cut);
      start += cut;
    }
    // Whole lines only, in bytes: a last line still being written waits for its end.
    const whole = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
    const render = createLogRenderer(repo.config.agents);
    if (prime !== null) render(prime);
    const lines: string[] = [];
    let last = prime;
    for (const line of whole.toString('utf8').split('\n').slice(0, -1)) {
      if (runHeaderAgent(line) !== null) last = line;
      lines.push(...render(line));
    }
    return { offset: start + whole.length, header: last, lines, reset };
  } finally {
    await h.close();
  }
}

/** The last run header line before byte `at` (read whole: only on a first look at a long log). */
async function headerBefore(h: fs.FileHandle, at: number): Promise<string | null> {
  const buf = Buffer.alloc(at);
  await h.read(buf, 0, at, 0);
  const lines = buf.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (runHeaderAgent(lines[i]!) !== null) return lines[i]!;
  return null;
}
