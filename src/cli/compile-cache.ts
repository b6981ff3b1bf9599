/**
 * Turns on Node's module compile cache for everything baton loads after this point.
 *
 * Every `baton` command, worker and git hook is a fresh Node process that compiles the same
 * modules again; with the cache, V8's compiled code is kept on disk and reused. It lives in the
 * user's cache folder (`$XDG_CACHE_HOME/baton/compile-cache`, else `~/.cache/baton/compile-cache`),
 * not in Node's default of the temp folder: it is worth keeping across reboots, and a command
 * should leave nothing in the temp folder. `NODE_COMPILE_CACHE` names another folder and
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for any Node program. The saving is measured
 * in bench/README.md.
 *
 * Imported first by each entry (bin.ts, main.ts, hook-main.ts): static imports are compiled
 * before any code runs, so only what is loaded afterwards, by dynamic import, is cached; the
 * entries keep their static imports tiny for that reason. Written for old runtimes like
 * node-check.ts, since bin.ts loads it before the version check.
 */
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (typeof enable === 'function') {
  try {
    const cacheHome = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
    enable(process.env['NODE_COMPILE_CACHE'] || path.join(cacheHome, 'baton', 'compile-cache'));
  } catch {
    // A cache that cannot be set up (read-only temp folder) only costs the saving.
  }
}
