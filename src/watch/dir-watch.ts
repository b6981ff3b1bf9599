/**
 * Change events for the entries of a few folders, by name, from one `fs.watch` per folder.
 *
 * This replaced chokidar in the watcher. chokidar watched every task file on its own and, on any
 * event in a folder, listed and stat-ed the whole folder again: the watcher's own heartbeat.json
 * write made it stat every file in tasks/logs/ each cycle, and one dropped follow-up every file
 * in tasks/. The watcher needs only names (it re-reads what it reacts to, and the heartbeat
 * covers anything missed), which one watch per folder gives for nothing.
 *
 * A folder that cannot be watched (missing, or replaced since: a removed folder's watch goes
 * quiet) is tried again on the next `arm`, which the watcher calls every heartbeat.
 */
import { watch, statSync, type FSWatcher } from 'node:fs';

/** What a `DirWatch` reports. */
export interface DirWatchHandlers {
  /** An entry of `dir` was created, changed, renamed or removed; `name` is null when the platform did not say which. */
  onName(dir: string, name: string | null): void;
  onError(err: unknown): void;
}

interface Watched {
  watcher: FSWatcher;
  /** The folder's identity when watched: a folder made anew under the same path needs a new watch. */
  id: string;
}

/** Watches the entries of `dirs` until closed. */
export class DirWatch {
  readonly #dirs: readonly string[];
  readonly #on: DirWatchHandlers;
  readonly #watched = new Map<string, Watched>();
  /** Folders whose watch could not be set up: said once, not every heartbeat. */
  readonly #failing = new Set<string>();
  #closed = false;

  constructor(dirs: readonly string[], on: DirWatchHandlers) {
    this.#dirs = dirs;
    this.#on = on;
  }

  /** Watches every folder not watched yet, or no longer the one watched. Never throws. */
  arm(): void {
    if (this.#closed) return;
    for (const dir of this.#dirs) {
      const id = identity(dir);
      const current = this.#watched.get(dir);
      if (current !== undefined && current.id === id) continue;
      current?.watcher.close();
      this.#watched.delete(dir);
      if (id === null) continue; // missing now; tried again on the next arm
      try {
        const watcher = watch(dir, { persistent: true }, (event, name) => {
          if (this.#closed) return;
          // A removed folder's watch says `rename` once and then nothing: let the next arm redo it.
          if (event === 'rename' && identity(dir) !== id) this.#drop(dir, watcher);
          this.#on.onName(dir, typeof name === 'string' ? name : null);
        });
        watcher.on('error', (err: unknown) => {
          this.#drop(dir, watcher);
          this.#on.onError(err);
        });
        this.#watched.set(dir, { watcher, id });
        this.#failing.delete(dir);
      } catch (err) {
        if (!this.#failing.has(dir)) this.#on.onError(err);
        this.#failing.add(dir);
      }
    }
  }

  #drop(dir: string, watcher: FSWatcher): void {
    watcher.close();
    if (this.#watched.get(dir)?.watcher === watcher) this.#watched.delete(dir);
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    for (const { watcher } of this.#watched.values()) watcher.close();
    this.#watched.clear();
  }
}

/** The folder's identity; birth time too, as a folder made anew often gets the inode number just freed. */
function identity(dir: string): string | null {
  try {
    const st = statSync(dir);
    return st.isDirectory() ? `${st.dev}:${st.ino}:${st.birthtimeMs}` : null;
  } catch {
    return null;
  }
}
