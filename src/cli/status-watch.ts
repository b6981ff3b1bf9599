/**
 * `baton status --watch`: the board, redrawn every second and whenever something changes in
 * tasks/ or tasks/logs/, until SIGINT or SIGTERM. On a terminal each frame replaces the last;
 * otherwise (a pipe, a file, a test) each frame follows a separator line, so output stays
 * readable and nothing depends on cursor codes. Frames fit the terminal's width (or `COLUMNS`,
 * or 80) and are coloured where Node's colour rules allow. With `--json` each frame is one line
 * of json. In cluster mode each frame ends with the claims `baton status` shows (fleet-text.ts),
 * read from the remote at most every `cluster.pollSeconds` (ops/fleet.ts).
 */
import { readBoard } from '../ops/board.js';
import { fleetReader } from '../ops/fleet.js';
import type { Repo } from '../ops/repo.js';
import { watchFolders } from '../watch/folder-events.js';
import { renderBoard } from './board-text.js';
import { boardJson } from './board-view.js';
import { fleetJson } from './fleet-json.js';
import { renderFleet } from './fleet-text.js';
import { terminalOf, type Terminal } from './terminal.js';
import { cut } from './text-fit.js';

/** Options of `watchBoard`. */
export interface WatchBoardOptions {
  repo: Repo;
  write: (text: string) => void;
  /** Clear the screen between frames (only on a terminal). */
  tty: boolean;
  /** The width and colour of the next frame, asked per frame (a terminal can be resized); 80 columns, no colour by default. */
  terminal?: () => Terminal;
  json?: boolean;
  /** Redraw at least this often (default 1 s): ages move even when no file does. */
  intervalMs?: number;
  /** File events closer together than this are drawn as one frame (default 150 ms). */
  settleMs?: number;
  signal: AbortSignal;
  now?: () => Date;
}

/** ESC[H ESC[2J: cursor home, clear screen. */
const CLEAR = '\u001b[H\u001b[2J';

/** Draws frames until `signal` aborts. */
export async function watchBoard(opts: WatchBoardOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const intervalMs = opts.intervalMs ?? 1000;
  const settleMs = opts.settleMs ?? 150;
  let poke: (() => void) | null = null;
  // Not waited for: the first frame reads the board anyway, and the timer redraws what a watch
  // still being set up misses.
  const events = watchFolders([opts.repo.paths.tasksDir, opts.repo.paths.logsDir], {
    onName: () => poke?.(),
    onError: () => undefined, // the timer keeps redrawing
  });
  const fleets = fleetReader();
  try {
    while (!opts.signal.aborted) {
      const at = now();
      const [board, fleet] = await Promise.all([
        readBoard(opts.repo),
        fleets.current(opts.repo, at.getTime()),
      ]);
      if (opts.signal.aborted) break;
      if (opts.json) {
        const json = boardJson(board);
        const out = fleet ? { ...json, ...fleetJson(json.tasks, fleet) } : json;
        opts.write(`${JSON.stringify({ at: at.toISOString(), ...out })}\n`);
      } else {
        const term = opts.terminal?.() ?? { width: 80, color: false };
        const head = cut(
          `baton status — ${opts.repo.info.root} — ${at.toLocaleTimeString()} (Ctrl-C to stop)`,
          term.width,
        );
        opts.write(
          `${opts.tty ? CLEAR : `--- ${at.toISOString()} ---\n`}${opts.tty ? `${head}\n\n` : ''}${renderBoard(board, at, term)}${fleet ? `\n${renderFleet(fleet, at)}` : ''}`,
        );
      }
      await new Promise<void>((resolve) => {
        let settle: NodeJS.Timeout | undefined;
        const done = (): void => {
          clearTimeout(timer);
          clearTimeout(settle);
          opts.signal.removeEventListener('abort', done);
          poke = null;
          resolve();
        };
        const timer = setTimeout(done, intervalMs);
        poke = () => {
          settle ??= setTimeout(done, settleMs);
        };
        opts.signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    await events.close();
  }
}

/** Runs `watchBoard` on stdout until SIGINT or SIGTERM; then returns normally (exit 0). */
export async function runStatusWatch(repo: Repo, opts: { json?: boolean } = {}): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await watchBoard({
      repo,
      write: (t) => process.stdout.write(t),
      tty: process.stdout.isTTY === true,
      terminal: () => terminalOf(process.stdout),
      json: opts.json === true,
      signal: stop.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
