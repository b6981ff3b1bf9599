/**
 * The file primitives the lock is built from. Every file a reader may open is written whole to
 * a unique temp name first and only then published under its real name, with `link()` (fails if
 * the name exists: an atomic "create if absent") or `rename()` (atomic replace). A reader
 * therefore sees the old content or the new, never an empty or half-written file.
 */
import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { ProcessIdentity } from '../domain/types.js';
import { snapshotOf } from '../proc/identity.js';

/**
 * A file-name-safe token naming a process: `<pid>-<start time>`. macOS start times are dates
 * with spaces and colons; mapping them to `_` keeps the token unique (the format is fixed).
 */
export function processToken(id: Pick<ProcessIdentity, 'pid' | 'startTime'>): string {
  return `${id.pid}-${id.startTime.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * Writes `content` to a fresh temp file next to `lockPath`, named after the lock and the writer
 * (`<lock>.<pid>-<start>.<random>.tmp`) so that a sweeper can tell whether its writer still lives.
 */
export async function writeTemp(lockPath: string, writer: ProcessIdentity, content: string): Promise<string> {
  const tmp = join(
    dirname(lockPath),
    `${basename(lockPath)}.${processToken(writer)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  // 'wx': the name is random, but never write through a file someone planted there.
  await writeFile(tmp, content, { flag: 'wx' });
  return tmp;
}

/** Publishes `content` at `target` only if nothing is there. Returns false if `target` exists. */
export async function createExclusive(
  lockPath: string,
  writer: ProcessIdentity,
  target: string,
  content: string,
): Promise<boolean> {
  const tmp = await writeTemp(lockPath, writer, content);
  try {
    await link(tmp, target);
    return true;
  } catch (err) {
    if (errCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await removeQuietly(tmp);
  }
}

/** Publishes `content` at `target`, replacing whatever is there in one step. */
export async function replaceAtomically(
  lockPath: string,
  writer: ProcessIdentity,
  target: string,
  content: string,
): Promise<void> {
  const tmp = await writeTemp(lockPath, writer, content);
  try {
    await rename(tmp, target);
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
}

/** The file's text, or null if it does not exist. */
export async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Unlinks `path`; a file that is already gone is fine. */
export async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

/** The names in the lock's directory that start with `<lock base name>.`. */
export async function siblingsOf(lockPath: string): Promise<string[]> {
  const prefix = `${basename(lockPath)}.`;
  const names = await readdir(dirname(lockPath));
  return names.filter((n) => n.startsWith(prefix));
}

/**
 * Removes temp files next to the lock whose writer is dead (killed between writing and
 * publishing). Best effort: a sweep that fails changes nothing that matters.
 */
export async function sweepDeadTemps(lockPath: string): Promise<void> {
  const prefix = basename(lockPath);
  const re = new RegExp(`^${escapeRegExp(prefix)}\\.(\\d+)-([A-Za-z0-9_]+)\\.[0-9a-f]+\\.tmp$`);
  try {
    for (const name of await siblingsOf(lockPath)) {
      const m = re.exec(name);
      if (m === null) continue;
      const pid = Number(m[1]);
      const snap = await snapshotOf(pid);
      // A running process with the same pid and start time is the writer: leave its file alone.
      const writerRuns =
        snap !== null &&
        !/^[ZX]/.test(snap.state) &&
        processToken({ pid, startTime: snap.startTime }) === `${m[1]}-${m[2]}`;
      if (writerRuns) continue;
      await removeQuietly(join(dirname(lockPath), name));
    }
  } catch {
    // Best effort by design.
  }
}

/** The `code` of a Node system error, if any. */
export function errCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** `s` with every RegExp metacharacter escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The epoch hint next to a lock: the highest epoch ever handed out for it. */
export function hintPath(lockPath: string): string {
  return `${lockPath}.epoch`;
}

/** The epoch hint, or 0 when there is none (first use) or it is unreadable (hand edit). */
export async function readHint(lockPath: string): Promise<number> {
  const text = await readIfExists(hintPath(lockPath));
  const n = text === null ? NaN : Number(text.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** Records `epoch` as the highest epoch handed out (written whole, like everything else). */
export async function writeHint(lockPath: string, writer: ProcessIdentity, epoch: number): Promise<void> {
  await replaceAtomically(lockPath, writer, hintPath(lockPath), `${epoch}\n`);
}
