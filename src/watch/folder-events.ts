/**
 * Change events for the entries of a few folders, by name, from chokidar 6: the one place baton
 * imports chokidar (the watcher, `logs -f` and `status --watch` all come through here).
 *
 * Callers need only names: each re-reads what it reacts to, and has its own timer for anything
 * missed, so chokidar is set up to do as little as it can per event. It keeps one `fs.watch` per
 * folder (backend `native`, also on macOS and Windows where `auto` would watch the whole tree);
 * every folder below the ones asked for is ignored, so nothing under tasks/logs/inbox/ or
 * tasks/logs/prompts/ is watched; no event waits for a write to settle (`awaitWriteFinish`) or is
 * held back to pair an unlink with an add (`atomic`); no event stats more than its own entry
 * (`alwaysStat` off).
 *
 * `depth` is left unlimited on purpose, with `ignored` bounding the tree instead: with chokidar
 * 6.0.0 a folder at the depth limit that is removed and made anew is reported (`addDir`) but its
 * entries never are again, while a folder reached without a limit is watched anew. That way a
 * `tasks/` or `tasks/logs/` deleted and recreated under a running watcher is seen again by
 * chokidar itself (test/unit/folder-events.test.ts), where the hand-rolled `fs.watch` this
 * replaced had to re-arm it on each heartbeat.
 */
import path from 'node:path';
import type { Stats } from 'node:fs';
import { watch } from 'chokidar';

/** What `watchFolders` reports. */
export interface FolderEventHandlers {
  /**
   * An entry `name` of the watched folder `dir` was added, changed or removed. `name` is null when
   * `dir` itself appeared or went: anything in it may have changed.
   */
  onName(dir: string, name: string | null): void;
  onError(err: unknown): void;
}

/** A running watch of a few folders. */
export interface FolderEvents {
  /** Resolves once chokidar has listed the folders: every change after it is reported. */
  readonly ready: Promise<void>;
  /** Stops watching; no handler is called after it resolves. */
  close(): Promise<void>;
}

/**
 * Watches the entries of `dirs` (absolute or relative to the working folder), including folders
 * that do not exist yet or are made anew while watched, until closed.
 */
export function watchFolders(dirs: readonly string[], on: FolderEventHandlers): FolderEvents {
  const wanted = new Set(dirs.map((d) => path.resolve(d)));
  // A folder inside another wanted one is reached from it: watching it twice doubles its events.
  const roots = [...wanted].filter((d) => ![...wanted].some((o) => inside(d, o)));
  let closed = false;
  const watcher = watch(roots, {
    backend: 'native',
    ignoreInitial: true,
    followSymlinks: false, // a link is an entry; following it would watch folders outside tasks/
    atomic: false,
    awaitWriteFinish: false,
    alwaysStat: false,
    ignored: (p: string, stats?: Stats) => stats?.isDirectory() === true && !kept(p, wanted),
  });
  watcher.on('all', (event, p) => {
    if (closed) return;
    if (wanted.has(p)) {
      if (event === 'addDir' || event === 'unlinkDir') on.onName(p, null);
      return;
    }
    const dir = path.dirname(p);
    if (wanted.has(dir)) on.onName(dir, path.basename(p));
  });
  watcher.on('error', (err) => {
    if (!closed) on.onError(err);
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', resolve));
  return {
    ready,
    close: () => {
      closed = true;
      return watcher.close();
    },
  };
}

/** A folder to watch, or one on the way to a folder to watch. */
function kept(dir: string, wanted: ReadonlySet<string>): boolean {
  for (const w of wanted) if (w === dir || inside(w, dir)) return true;
  return false;
}

/** True when `p` is strictly inside `dir`. */
function inside(p: string, dir: string): boolean {
  return p.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);
}
