/**
 * The single-worker lock (docs/design.md, "The lock"): one JSON record in one file, replaced only whole.
 * Also the repository-level lock that serialises worktree add/remove. Over 300 lines on purpose:
 * acquire, takeover, refresh and release share one version-claim protocol and are read together.
 *
 * Files, all in the lock's directory:
 *   <lock>                          the record; baton never deletes it (released ≠ deleted)
 *   <lock>.epoch                    hint: the highest epoch handed out, so a deleted lock restarts above it
 *   <lock>.claim-<epoch>.<rev>[~…]  elections to replace that version of the record (lock-claim.ts)
 *   <lock>.claim-<hint>.none[~…]    elections to create a missing lock (or replace an unparseable one)
 *   <lock>.<pid>-<start>.<hex>.tmp  content being written; those of dead writers are swept
 *
 * Why at most one process holds the lock, for any number of contenders and any kill -9 (hand
 * edits of these files while contenders run are outside the argument):
 *
 * 1. No reader sees a partial record: content goes to a temp file first and is published with
 *    link() (create; fails if the name exists) or rename() (replace); both are atomic.
 * 2. Every version of the record is written once. A version is (epoch, rev): acquiring writes
 *    (max(epoch, hint) + 1, 0); refresh and release write (epoch, rev + 1). So the content of a
 *    version never changes, and liveness only goes one way (identity = pid + start time + boot
 *    id: a dead process never lives again). What was decided by looking at version v —
 *    "replaceable" (released, or holder not alive) for an acquirer, "ours, not released" for
 *    refresh and release — stays true for as long as the file holds v.
 * 3. Only the elected of v replaces the file while it holds v, and only after re-reading it and
 *    finding v still there. The elected is the creator of the top level of v's claim chain.
 *    Each level is created exclusively, so it has one creator; level k+1 is only tried once
 *    level k's creator is seen dead, and whoever wins it re-checks that every level below still
 *    holds the dead claimer it climbed past. A claim file is removed only by its live creator
 *    giving up without writing (the re-check catches that: the removal came before the death
 *    the climber saw), or once v is no longer current. So at any moment at most one live
 *    process is elected for v, and every earlier one is dead or gave up; one that wrote before
 *    dying was seen dead by its successor, whose re-read therefore sees the write and backs off.
 * 4. Hence the file moves through versions v0 → v1 → … with one writer per step: a released or
 *    stale record is replaced by exactly one acquirer. Every other contender either finds a
 *    live claimer (waits briefly, re-reads, reports the new holder) or wins an election for a
 *    version that is gone (re-reads, reports the new holder).
 * 5. A missing lock file has the virtual version (hint, none); its elected creates the file with
 *    link(), so even electeds of two virtual versions (the hint moved between their reads)
 *    cannot both create it. The hint is written before the record it announces, so it is >=
 *    every epoch published and a lock deleted by hand comes back with a higher epoch.
 * 6. Nothing deadlocks on kill -9: a dead claimer is climbed past, a dead holder's record is
 *    replaceable, a dead writer's temp file is swept. A claimer that is alive but stuck makes
 *    contenders fail with BUSY after `claimWaitMs` rather than wait forever.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { BatonError } from '../domain/errors.js';
import type { ProcessIdentity } from '../domain/types.js';
import { liveness, selfIdentity, type Liveness } from '../proc/identity.js';
import {
  clearClaimsQuietly,
  electOrWait,
  jitter,
  sameVersion,
  underClaim,
  type LockVersion,
} from './lock-claim.js';
import {
  createExclusive,
  readHint,
  readIfExists,
  replaceAtomically,
  sweepDeadTemps,
  writeHint,
} from './lock-io.js';
import { describeHolder, formatLockRecord, parseLockRecord, type LockRecord } from './lock-record.js';

export { describeHolder, type LockRecord } from './lock-record.js';

/** How long to wait for a live process that is mid-way through replacing the lock. */
const DEFAULT_CLAIM_WAIT_MS = 2_000;

/** Options of `tryAcquireLock`. */
export interface AcquireOptions {
  /** Who will hold the lock; may be another process than the caller (the worker it spawned). */
  holder: ProcessIdentity;
  runId: string;
  slug: string | null;
  now?: () => Date;
  /** How long to wait for a live process that is mid-way through replacing the lock (default 2 s). */
  claimWaitMs?: number;
  /**
   * The highest epoch known from elsewhere (the task's status): the lock and its hint live in the
   * worktree's git dir, so a task whose worktree was removed would otherwise start again at 1.
   */
  minEpoch?: number;
}

/** `tookOver` is the stale (not released) record that was replaced, if any. */
export type AcquireResult =
  { ok: true; record: LockRecord; tookOver: LockRecord | null } | { ok: false; holder: LockRecord };

/** Options of refresh and release. */
export interface RewriteOptions {
  now?: () => Date;
  claimWaitMs?: number;
}

type Observed =
  | { kind: 'record'; record: LockRecord; version: LockVersion }
  | { kind: 'absent' | 'corrupt'; version: LockVersion };

/**
 * Takes the lock if it is free, released or stale, exactly once among any number of concurrent
 * callers. Throws BUSY only if a live process stays mid-way through replacing it for `claimWaitMs`.
 */
export async function tryAcquireLock(path: string, opts: AcquireOptions): Promise<AcquireResult> {
  const now = opts.now ?? (() => new Date());
  const waitUntil = Date.now() + (opts.claimWaitMs ?? DEFAULT_CLAIM_WAIT_MS);
  let self: ProcessIdentity | null = null;
  for (;;) {
    const seen = await observe(path);
    if (seen.kind === 'record' && !(await isReplaceable(seen.record)))
      return { ok: false, holder: seen.record };
    // The common busy case above stays cheap: one read and one liveness check.
    if (self === null) {
      self = await selfIdentity();
      await sweepDeadTemps(path);
    }
    const me = self;
    const won = await electOrWait(path, seen.version, me, waitUntil);
    if (won === null) continue;
    const result = await underClaim(won, async (): Promise<AcquireResult | null> => {
      const cur = await observe(path);
      // Same version means same content (point 2): the replaceability seen above still holds.
      if (!sameVersion(cur.version, seen.version)) return null;
      const epoch = Math.max(cur.version.epoch, await readHint(path), opts.minEpoch ?? 0) + 1;
      const at = now().toISOString();
      const record: LockRecord = {
        holder: opts.holder,
        runId: opts.runId,
        epoch,
        rev: 0,
        slug: opts.slug,
        acquiredAt: at,
        heartbeatAt: at,
        released: false,
        agent: null,
      };
      await writeHint(path, me, epoch);
      if (cur.kind === 'absent') {
        if (!(await createExclusive(path, me, path, formatLockRecord(record)))) return null;
      } else {
        await replaceAtomically(path, me, path, formatLockRecord(record));
      }
      await clearClaimsQuietly(path, record);
      return {
        ok: true,
        record,
        tookOver: cur.kind === 'record' && !cur.record.released ? cur.record : null,
      };
    });
    if (result !== null) return result;
  }
}

/** The lock's record, or null if there is none or it cannot be parsed (a hand edit). */
export async function readLock(path: string): Promise<LockRecord | null> {
  const text = await readIfExists(path);
  return text === null ? null : parseLockRecord(text);
}

/** The record and whether it is live: not released and its holder alive. */
export async function inspectLock(
  path: string,
): Promise<{ record: LockRecord | null; live: boolean; liveness?: Liveness }> {
  const record = await readLock(path);
  if (record === null) return { record, live: false };
  const state = await liveness(record.holder);
  return { record, live: !record.released && state === 'alive', liveness: state };
}

/**
 * The holder's heartbeat: rewrites `heartbeatAt` (and `agent`, if given) while the lock is still
 * this acquisition's. Throws LOCK_FAILED when the lock was lost.
 */
export async function refreshLock(
  path: string,
  record: LockRecord,
  patch: { agent?: ProcessIdentity | null } = {},
  opts: RewriteOptions = {},
): Promise<LockRecord> {
  const now = opts.now ?? (() => new Date());
  const next = await rewriteOwn(path, record, opts, (cur) => ({
    ...cur,
    rev: cur.rev + 1,
    heartbeatAt: now().toISOString(),
    agent: patch.agent === undefined ? cur.agent : patch.agent,
  }));
  if (next === null) {
    throw new BatonError(
      'LOCK_FAILED',
      `Lost the lock ${path} (run ${record.runId}, epoch ${record.epoch}).`,
      {
        hint: 'Another process released or took over this lock; this worker must stop.',
      },
    );
  }
  return next;
}

/**
 * Releases the lock if it is still this acquisition's: rewrites it with `released: true`, same
 * epoch. Returns false if it was not ours any more; true if it is (now) released by us.
 */
export async function releaseLock(
  path: string,
  record: LockRecord,
  opts: RewriteOptions = {},
): Promise<boolean> {
  const now = opts.now ?? (() => new Date());
  const next = await rewriteOwn(path, record, opts, (cur) => ({
    ...cur,
    rev: cur.rev + 1,
    heartbeatAt: now().toISOString(),
    released: true,
    agent: null,
  }));
  if (next !== null) return true;
  const cur = await readLock(path);
  return cur !== null && isSameAcquisition(cur, record) && cur.released;
}

/**
 * Retries `tryAcquireLock` with short jittered backoff until it succeeds or `timeoutMs` passes;
 * then throws BUSY naming the holder.
 */
export async function acquireLockWaiting(
  path: string,
  opts: AcquireOptions & { timeoutMs: number },
): Promise<LockRecord> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 4;
  let last: LockRecord | null = null;
  for (;;) {
    try {
      const claimWaitMs = Math.max(
        1,
        Math.min(opts.claimWaitMs ?? DEFAULT_CLAIM_WAIT_MS, deadline - Date.now()),
      );
      const result = await tryAcquireLock(path, { ...opts, claimWaitMs });
      if (result.ok) return result.record;
      last = result.holder;
    } catch (err) {
      if (!(err instanceof BatonError && err.code === 'BUSY')) throw err;
    }
    if (Date.now() >= deadline) {
      const who = last === null ? 'another process' : describeHolder(last);
      throw new BatonError('BUSY', `The lock ${path} is held by ${who}.`, {
        hint: 'Wait for it to finish, or stop that process.',
      });
    }
    await sleep(Math.min(jitter(delay), Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 100);
  }
}

/** Runs `fn` holding the lock at `lockPath` in the name of the current process; always releases. */
export async function withRepoLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const record = await acquireLockWaiting(lockPath, {
    holder: await selfIdentity(),
    runId: `r-${randomUUID()}`,
    slug: null,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
  try {
    return await fn();
  } finally {
    await releaseLock(lockPath, record);
  }
}

/** Rewrites our own record (refresh, release) under an election, like any other replacement. */
async function rewriteOwn(
  path: string,
  mine: LockRecord,
  opts: RewriteOptions,
  change: (cur: LockRecord) => LockRecord,
): Promise<LockRecord | null> {
  const self = await selfIdentity();
  const waitUntil = Date.now() + (opts.claimWaitMs ?? DEFAULT_CLAIM_WAIT_MS);
  for (;;) {
    const seen = await observe(path);
    if (seen.kind !== 'record' || !isSameAcquisition(seen.record, mine) || seen.record.released) return null;
    const won = await electOrWait(path, seen.version, self, waitUntil);
    if (won === null) continue;
    const result = await underClaim(won, async () => {
      const cur = await observe(path);
      if (cur.kind !== 'record' || !sameVersion(cur.version, seen.version)) return null;
      const next = change(cur.record);
      await replaceAtomically(path, self, path, formatLockRecord(next));
      await clearClaimsQuietly(path, next);
      return next;
    });
    if (result !== null) return result;
  }
}

async function observe(path: string): Promise<Observed> {
  const text = await readIfExists(path);
  const record = text === null ? null : parseLockRecord(text);
  if (record !== null) return { kind: 'record', record, version: { epoch: record.epoch, rev: record.rev } };
  return {
    kind: text === null ? 'absent' : 'corrupt',
    version: { epoch: await readHint(path), rev: 'none' },
  };
}

async function isReplaceable(record: LockRecord): Promise<boolean> {
  return record.released || (await liveness(record.holder)) !== 'alive';
}

function isSameAcquisition(a: LockRecord, b: LockRecord): boolean {
  return a.epoch === b.epoch && a.runId === b.runId;
}
