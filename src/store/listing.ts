/**
 * A directory listed once, so that a board read asks "is there a status file, an inbox, a
 * worktree for this task?" of a Set instead of probing the disk per task: at 10,000 tasks the
 * probes that find nothing were most of a heartbeat.
 */
import { readdirSync } from 'node:fs';

/** The names in one directory as listed at one moment. */
export interface Listing {
  /** The names, or null when the directory could not be listed (then every name may exist). */
  readonly names: readonly string[] | null;
  /** False only when `name` is certainly absent: a caller skips the probe it would have made. */
  has(name: string): boolean;
}

/**
 * A listing of `names`; null means "could not list", and then `has` says yes to everything so
 * that callers probe as they would without a listing.
 */
export function listingOf(names: readonly string[] | null): Listing {
  if (names === null) return { names, has: () => true };
  const set = new Set(names);
  return { names, has: (name) => set.has(name) };
}

/**
 * Lists `dir` now. A missing directory (or a file where it should be) lists as empty: nothing
 * inside it exists. Any other failure (permissions) gives the probe-everything listing.
 */
export function listDir(dir: string): Listing {
  try {
    return listingOf(readdirSync(dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return listingOf(code === 'ENOENT' || code === 'ENOTDIR' ? [] : null);
  }
}
