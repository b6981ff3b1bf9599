/**
 * write-file-atomic for the synchronous writers of caches (config, task index): loaded on the
 * first write rather than at import, since the commands that only read those caches (`baton
 * status`) would otherwise pay ~25 ms to load it for nothing.
 */
import { createRequire } from 'node:module';
import type writeFileAtomic from 'write-file-atomic';

/**
 * Replaces `file` with `data` as write-file-atomic does (temp `<file>.<number>`, then rename),
 * so `baton doctor` knows its leftovers. No fsync: these files only save time, and a torn one
 * after a crash is ignored by its reader. Throws what the write threw.
 */
export function writeCacheFileSync(file: string, data: string): void {
  const atomic = createRequire(import.meta.url)('write-file-atomic') as typeof writeFileAtomic;
  atomic.sync(file, data, { fsync: false });
}
