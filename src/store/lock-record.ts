/** The lock record and its text form. Pure: no I/O here. */
import type { ProcessIdentity } from '../domain/types.js';

/** The content of a lock file. Released is not deleted: the record (and its epoch) stays. */
export interface LockRecord {
  /** The process that holds the lock; it may be another process than the one that acquired it. */
  holder: ProcessIdentity;
  /** Names this acquisition (one worker); `BATON_RUN_ID` of every agent run under it. */
  runId: string;
  /** Fencing token: every acquisition gets a higher one; it survives release. */
  epoch: number;
  /**
   * Counts the writes within this epoch (0 at acquisition, +1 per refresh or release), so that
   * (epoch, rev) names each version of the file exactly once: claims are made per version.
   */
  rev: number;
  slug: string | null;
  acquiredAt: string;
  heartbeatAt: string;
  released: boolean;
  /** The agent process the holder runs, so that whoever takes over a stale lock can end it. */
  agent: ProcessIdentity | null;
}

/** True if `v` has the shape of a ProcessIdentity. */
export function isProcessIdentity(v: unknown): v is ProcessIdentity {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.pid === 'number' &&
    Number.isSafeInteger(o.pid) &&
    o.pid > 0 &&
    typeof o.startTime === 'string' &&
    typeof o.bootId === 'string'
  );
}

/** Parses an identity written as JSON; null if it is not one. */
export function parseProcessIdentity(text: string): ProcessIdentity | null {
  try {
    const v: unknown = JSON.parse(text);
    return isProcessIdentity(v) ? { pid: v.pid, startTime: v.startTime, bootId: v.bootId } : null;
  } catch {
    return null;
  }
}

/**
 * Parses a lock file's text. Null for anything that is not a complete record: only a hand edit
 * can produce that (the lock is always published whole), and callers treat it as stale.
 */
export function parseLockRecord(text: string): LockRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!isProcessIdentity(o.holder)) return null;
  if (typeof o.runId !== 'string' || o.runId === '') return null;
  if (typeof o.epoch !== 'number' || !Number.isSafeInteger(o.epoch) || o.epoch < 0) return null;
  // A hand-written record may lack rev; read it as 0.
  const rev = o.rev === undefined ? 0 : o.rev;
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 0) return null;
  if (o.slug !== null && typeof o.slug !== 'string') return null;
  if (typeof o.acquiredAt !== 'string' || typeof o.heartbeatAt !== 'string') return null;
  if (typeof o.released !== 'boolean') return null;
  if (o.agent !== null && o.agent !== undefined && !isProcessIdentity(o.agent)) return null;
  return {
    holder: o.holder,
    runId: o.runId,
    epoch: o.epoch,
    rev,
    slug: o.slug,
    acquiredAt: o.acquiredAt,
    heartbeatAt: o.heartbeatAt,
    released: o.released,
    agent: isProcessIdentity(o.agent) ? o.agent : null,
  };
}

/** The text written to a lock file. */
export function formatLockRecord(record: LockRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** `pid 1234 (run r-abc, since 2026-11-27T10:00:00Z)`: who holds a lock, for busy messages. */
export function describeHolder(record: LockRecord): string {
  const state = record.released ? ', released' : '';
  return `pid ${record.holder.pid} (run ${record.runId}, since ${record.acquiredAt}${state})`;
}
