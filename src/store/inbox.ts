/**
 * A task's durable inbox (`tasks/logs/inbox/<slug>/`): accepted follow-ups not yet run, one file
 * each, named so that names sort in arrival order. A drop is claimed by renaming it into the
 * inbox (rename is atomic: of two processes ingesting the same drop, exactly one gets it), so
 * from that instant it survives any kill. Files starting with `.` are claims in progress.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseFollowup } from '../domain/followup.js';
import type { FollowupMode } from '../domain/types.js';
import { isNotFound, readHistory } from './history.js';
import { readInputFile } from './taskfiles.js';

/**
 * Control items are not follow-ups: `stop` asks the worker to interrupt and end its chain
 * (state `interrupted`); `stall` does the same for an agent that made no progress (`stalled`).
 */
export type InboxKind = FollowupMode | 'stop' | 'stall';

/** Kinds that are control items rather than instructions. */
export function isControl(kind: InboxKind): kind is 'stop' | 'stall' {
  return kind === 'stop' || kind === 'stall';
}

/** One inbox item. */
export interface InboxItem {
  /** The file name, which sorts in arrival order. */
  id: string;
  kind: InboxKind;
  /** The instruction (the reason, for a control item). */
  body: string;
  label: string | null;
  /** Control items only: the run they are for. A control item for another run is stale. */
  runId: string | null;
}

/** A new item id: arrival time first so names sort in arrival order; random to be unique across processes. */
export function newItemId(kind: InboxKind, label: string | null, nowMicros: number = epochMicros()): string {
  // Microseconds, not milliseconds: a burst of drops ingested within one millisecond must still
  // sort in the order they were accepted, and the random part alone would shuffle them.
  const stamp = Math.floor(nowMicros).toString().padStart(16, '0');
  const safeLabel = label ? `.${label}` : '';
  return `${stamp}-${randomBytes(4).toString('hex')}${safeLabel}.${kind}.md`;
}

/** Microseconds since the epoch, from the high-resolution clock (comparable across processes). */
function epochMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/** The item ids waiting in `dir`, in arrival order (claims in progress excluded). */
export async function listInbox(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => !n.startsWith('.') && n.endsWith('.md')).sort();
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The claims in progress in `dir`: `.claim-<hex>.<drop name>`, renamed there by an ingester. */
export async function listClaims(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => /^\.claim-[0-9a-f]+\./.test(n));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/**
 * The inbox id a `followup_received` line gave claim `claim`, or null when none did. An ingester
 * records the acceptance (naming its claim) before it publishes the claim under that id, so a
 * claim with such a line was accepted and only its publication was cut short.
 */
export async function recordedClaims(
  historyFile: string,
  claims: readonly string[],
): Promise<Map<string, string>> {
  const wanted = new Set(claims);
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  for (const r of (await readHistory(historyFile)).events) {
    if (r.type === 'followup_received' && r.claim !== undefined && wanted.has(r.claim))
      found.set(r.claim, r.id);
  }
  return found;
}

/**
 * Publishes every accepted claim in `dir` whose ingester was killed before publishing it. Safe
 * against a live ingester doing the same: of two renames of one claim, one finds it gone.
 */
export async function publishRecordedClaims(dir: string, historyFile: string): Promise<string[]> {
  const recorded = await recordedClaims(historyFile, await listClaims(dir));
  const published: string[] = [];
  for (const [claim, id] of recorded) {
    if (await publishClaim(dir, claim, id)) published.push(id);
  }
  return published;
}

/** Renames claim `claim` to item `id`; false when another process published it first. */
export async function publishClaim(dir: string, claim: string, id: string): Promise<boolean> {
  try {
    await fs.rename(path.join(dir, claim), path.join(dir, id));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The follow-ups waiting in `dir` (control items excluded), in arrival order. */
export async function listFollowups(dir: string): Promise<string[]> {
  return (await listInbox(dir)).filter((id) => !isControl(kindOfId(id)));
}

/** The kind encoded in an item id. */
export function kindOfId(id: string): InboxKind {
  const m = /\.(queue|steer|interrupt|stop|stall)\.md$/.exec(id);
  return (m?.[1] as InboxKind | undefined) ?? 'queue';
}

/** Reads one item; null when it is gone (consumed meanwhile) or unreadable. */
export async function readItem(dir: string, id: string): Promise<InboxItem | null> {
  const kind = kindOfId(id);
  const label =
    /^\d+-[0-9a-f]+\.([A-Za-z0-9_-]+)\.(queue|steer|interrupt|stop|stall)\.md$/.exec(id)?.[1] ?? null;
  if (isControl(kind)) {
    const text = await fs.readFile(path.join(dir, id), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const c = JSON.parse(text) as { reason?: unknown; runId?: unknown };
      return {
        id,
        kind,
        body: String(c.reason ?? ''),
        label,
        runId: typeof c.runId === 'string' ? c.runId : null,
      };
    } catch {
      return { id, kind, body: text.trim(), label, runId: null };
    }
  }
  const read = await readInputFile(path.join(dir, id), id, { emptyRetryMs: 0 });
  if (!read.ok) return null;
  const parsed = parseFollowup(id, read.value);
  if (!parsed.ok) return null;
  return { id, kind, body: parsed.value.body, label, runId: null };
}

/** Removes a consumed item (its full text is in history already). */
export async function removeItem(dir: string, id: string): Promise<void> {
  await fs.rm(path.join(dir, id), { force: true });
}

/**
 * Writes a control item for run `runId` atomically. Naming the run keeps a stop that arrives
 * as its worker ends from stopping the next worker: a control item for another run is dropped.
 */
export async function writeControl(
  dir: string,
  kind: 'stop' | 'stall',
  reason: string,
  runId: string,
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const id = newItemId(kind, null);
  const tmp = path.join(dir, `.${id}.tmp`);
  await fs.writeFile(tmp, `${JSON.stringify({ reason, runId })}\n`);
  await fs.rename(tmp, path.join(dir, id));
  return id;
}
