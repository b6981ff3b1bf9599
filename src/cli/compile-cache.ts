/**
 * Turns on Node's module compile cache for everything baton loads after this point.
 *
 * Every `baton` command, worker and git hook is a fresh Node process that compiles the same
 * modules again; with the cache, V8's compiled code is kept on disk (in the OS temp folder,
 * under `node-compile-cache`, Node's default) and reused. The saving is measured in
 * bench/README.md. `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for any Node program.
 *
 * Imported first by each entry (bin.ts, main.ts, hook-main.ts): static imports are compiled
 * before any code runs, so only what is loaded afterwards, by dynamic import, is cached; the
 * entries keep their static imports tiny for that reason. Written for old runtimes like
 * node-check.ts, since bin.ts loads it before the version check.
 */
import module from 'node:module';

const enable = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof enable === 'function') {
  try {
    enable();
  } catch {
    // A cache that cannot be set up (read-only temp folder) only costs the saving.
  }
}
