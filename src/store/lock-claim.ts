/**
 * Electing the one process that may replace the lock file while it holds a given version. The
 * argument for why this works is at the top of lock.ts; this file holds the mechanics.
 *
 * The claim for version v is the file `<lock>.claim-<v>`, created exclusively (write-then-link),
 * holding the claimer's identity. If that claimer is dead it can never act again, and the
 * election moves one level up, to `<claim>~<pid>-<start of the dead claimer>`: the name of each
 * level is fixed by who died below it, so every contender tries the same name and exactly one
 * wins it.
 */
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { BatonError } from '../domain/errors.js';
import type { ProcessIdentity } from '../domain/types.js';
import { isAlive } from '../proc/identity.js';
import {
  createExclusive,
  errCode,
  escapeRegExp,
  processToken,
  readIfExists,
  removeQuietly,
  siblingsOf,
} from './lock-io.js';
import { parseProcessIdentity } from './lock-record.js';

/**
 * The version of a lock file's content, as used in claim names: `<epoch>.<rev>` for a record,
 * `<hint>.none` when there is no usable record (file missing or unparseable).
 */
export type LockVersion = { epoch: number; rev: number } | { epoch: number; rev: 'none' };

/** The outcome of running for election at one version. */
export type Election =
  /** We are the one: `file` is our claim. */
  | { kind: 'elected'; file: string }
  /** A live process holds the claim: it is replacing the lock right now. */
  | { kind: 'busy'; claimer: ProcessIdentity }
  /** The claims changed under us (a claimer gave up, or the lock moved on): read the lock again. */
  | { kind: 'retry' };

/** The level-0 claim file for `version` of the lock at `lockPath`. */
export function claimPath(lockPath: string, version: LockVersion): string {
  return `${lockPath}.claim-${version.epoch}.${version.rev}`;
}

/** Runs for election as the one process allowed to replace the lock while it is at `version`. */
export async function elect(
  lockPath: string,
  version: LockVersion,
  self: ProcessIdentity,
): Promise<Election> {
  const below: { name: string; text: string }[] = [];
  let name = claimPath(lockPath, version);
  for (;;) {
    if (await createLevel(lockPath, self, name)) {
      // Every level we climbed past must still hold the dead claimer we saw there. A claimer
      // that gave up removes its own file while alive, so if it has died since, that removal
      // happened before we saw it dead and shows here; then someone else may own that level.
      for (const level of below) {
        if ((await readIfExists(level.name)) !== level.text) {
          await removeQuietly(name);
          return { kind: 'retry' };
        }
      }
      return { kind: 'elected', file: name };
    }
    const text = await readIfExists(name);
    if (text === null) return { kind: 'retry' };
    const claimer = parseProcessIdentity(text);
    // Our own pid and start time count as alive: another call in this process is mid-operation.
    if (claimer !== null && (await isAlive(claimer))) return { kind: 'busy', claimer };
    below.push({ name, text });
    // Claims are published whole, so an unreadable one was edited by hand: as good as dead.
    name = `${name}~${claimer === null ? 'corrupt' : processToken(claimer)}`;
  }
}

/**
 * Gives up an election without having replaced the lock (an error in between). Safe: see
 * `elect` for how a climber notices a level that was given up.
 */
export async function resign(election: { file: string }): Promise<void> {
  await removeQuietly(election.file);
}

/**
 * Removes the claims of every version before `current`, and all `none` claims, once the lock
 * file holds `current`. Whoever wins such a claim afterwards re-reads the lock, finds a later
 * version, and backs off; a `none` claim leads to link(), which fails now that the file exists.
 */
export async function clearClaimsBefore(
  lockPath: string,
  current: { epoch: number; rev: number },
): Promise<void> {
  const re = new RegExp(`^${escapeRegExp(basename(lockPath))}\\.claim-(\\d+)\\.(\\d+|none)(?:~.*)?$`);
  for (const name of await siblingsOf(lockPath)) {
    const m = re.exec(name);
    if (m === null) continue;
    const epoch = Number(m[1]);
    const rev = m[2] === 'none' ? -1 : Number(m[2]);
    const stale = rev === -1 || epoch < current.epoch || (epoch === current.epoch && rev < current.rev);
    if (stale) await removeQuietly(join(dirname(lockPath), name));
  }
}

async function createLevel(lockPath: string, self: ProcessIdentity, name: string): Promise<boolean> {
  try {
    return await createExclusive(lockPath, self, name, JSON.stringify(self));
  } catch (err) {
    if (errCode(err) === 'ENAMETOOLONG') {
      throw new BatonError('LOCK_FAILED', `Too many processes died while replacing ${lockPath}.`, {
        hint: `When no baton process runs, delete ${lockPath}.claim-* and try again.`,
        cause: err,
      });
    }
    throw err;
  }
}

/** The election's winner, or null after waiting briefly for a live claimer (then read again). */
export async function electOrWait(
  path: string,
  version: LockVersion,
  self: ProcessIdentity,
  waitUntil: number,
): Promise<{ kind: 'elected'; file: string } | null> {
  const election = await elect(path, version, self);
  if (election.kind === 'elected') return election;
  if (election.kind === 'busy') {
    if (Date.now() >= waitUntil) {
      throw new BatonError('BUSY', `The lock ${path} is being changed by pid ${election.claimer.pid}.`, {
        hint: 'Try again in a moment; if that process is stuck, stop it.',
      });
    }
    await sleep(jitter(4));
  }
  return null;
}

/**
 * Runs the replacement for an election we won. When it ends without writing (the version moved
 * on, or an error), our claim is given up so that the version is not blocked while we live.
 */
export async function underClaim<T>(
  election: { file: string },
  fn: () => Promise<T | null>,
): Promise<T | null> {
  let result: T | null = null;
  try {
    result = await fn();
    return result;
  } finally {
    // After a write the claim belongs to a past version and was cleared with the others.
    if (result === null) await resign(election);
  }
}

/** True if both name the same version of the lock file. */
export function sameVersion(a: LockVersion, b: LockVersion): boolean {
  return a.epoch === b.epoch && a.rev === b.rev;
}

/** `clearClaimsBefore`, best effort: leftover claims of past versions are garbage anyway. */
export async function clearClaimsQuietly(
  path: string,
  current: { epoch: number; rev: number },
): Promise<void> {
  try {
    await clearClaimsBefore(path, current);
  } catch {
    // Leftover claims of past versions are garbage: the next writer clears them.
  }
}

/** Between half and one and a half times `ms`, so that contenders drift apart. */
export function jitter(ms: number): number {
  return ms * (0.5 + Math.random());
}
