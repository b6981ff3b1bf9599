/**
 * Cluster mode's pure decisions (docs/design.md, "Several hosts"): the claim record kept in
 * `refs/baton/claims/<slug>` on the shared remote, whether its lease has lapsed beyond the
 * clock-skew margin, who may claim or take it over, when a holder renews and when it must stop
 * its agent, and the order of follow-ups published to `refs/baton/inbox/<slug>/<id>`.
 *
 * The remote makes every change a compare-and-swap (`git push --force-with-lease`); these
 * functions only say which swap to try. No I/O: clocks are passed in.
 */

/** What a claim ref's commit records (its message, as JSON after a title line). */
export interface ClaimRecord {
  slug: string;
  /** The host holding (or, when released, last holding) the claim. */
  host: string;
  /** The worker run holding it; null between the dispatcher's claim and the worker's first renewal. */
  runId: string | null;
  /** A fencing token that grows with every new holder, across hosts. */
  epoch: number;
  /** When this epoch began (ISO). */
  since: string;
  /** Until when the holder may act (ms since 1970, the holder's clock). */
  expiresAt: number;
  /** True once the holder let go (its worker released its lock); the record keeps the epoch. */
  released: boolean;
}

const TITLE = 'baton claim';

/** The commit message of a claim record: a title line, a blank line, the JSON. */
export function encodeClaim(r: ClaimRecord): string {
  return `${TITLE} ${r.slug} ${r.released ? 'released by' : 'held by'} ${r.host} (epoch ${r.epoch})\n\n${JSON.stringify(r)}\n`;
}

/**
 * The JSON of a record commit (a title line starting `title `, a blank line, the JSON) as an
 * object whose fields the caller still checks; null for any other message.
 */
export function recordFields(message: string, title: string): Partial<Record<string, unknown>> | null {
  const start = message.indexOf('{');
  if (!message.startsWith(`${title} `) || start < 0) return null;
  try {
    const o: unknown = JSON.parse(message.slice(start));
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A claim record read back from a commit message; null when it is not one (a hand-made ref). */
export function decodeClaim(message: string): ClaimRecord | null {
  const o = recordFields(message, TITLE) as Partial<ClaimRecord> | null;
  const ok =
    o !== null &&
    typeof o.slug === 'string' &&
    typeof o.host === 'string' &&
    (o.runId === null || typeof o.runId === 'string') &&
    typeof o.epoch === 'number' &&
    typeof o.since === 'string' &&
    typeof o.expiresAt === 'number' &&
    typeof o.released === 'boolean';
  return ok ? (o as ClaimRecord) : null;
}

/** Lease timings, in ms. */
export interface LeaseTimes {
  leaseMs: number;
  /** The most two hosts' clocks are assumed to differ by. */
  skewMs: number;
}

/** True when another host may treat the lease as gone: past its end by more than the skew margin. */
export function leaseLapsed(r: ClaimRecord, nowMs: number, t: LeaseTimes): boolean {
  return nowMs > r.expiresAt + t.skewMs;
}

/** Why a dispatch may start the task on this host, or why not. */
export type ClaimWho =
  /** A person's `dispatch`, `continue` or follow-up: may reclaim a task that last ran elsewhere. */
  | 'person'
  /** The watcher's own start (a ready task, a retry, waiting follow-ups). */
  | 'auto';

/** The swap to try, or the refusal. */
export type ClaimDecision =
  | { kind: 'create'; epoch: number }
  /** Replace `expect` (a released record, a lapsed lease, or this host's own stale claim). */
  | { kind: 'replace'; expect: ClaimRecord; epoch: number; takeover: boolean }
  | { kind: 'held'; by: ClaimRecord }
  | { kind: 'elsewhere'; by: ClaimRecord };

/**
 * What a host may do about a task's claim as it now stands on the remote (`current`, null when
 * the ref is absent). The host's own live claim never reaches here: the local lock, checked
 * first, refuses a second worker on one host; a claim of this host's that no local worker holds
 * was left by a dead worker and is replaced at once.
 */
export function decideClaim(
  current: ClaimRecord | null,
  host: string,
  who: ClaimWho,
  nowMs: number,
  t: LeaseTimes,
): ClaimDecision {
  if (current === null) return { kind: 'create', epoch: 1 };
  const epoch = current.epoch + 1;
  if (current.host === host) return { kind: 'replace', expect: current, epoch, takeover: false };
  if (current.released) {
    // It ran on another host: its worktree, branch and session are there. Only a person moves it.
    return who === 'person'
      ? { kind: 'replace', expect: current, epoch, takeover: false }
      : { kind: 'elsewhere', by: current };
  }
  if (leaseLapsed(current, nowMs, t)) return { kind: 'replace', expect: current, epoch, takeover: true };
  return { kind: 'held', by: current };
}

/** The record this host writes for a decision that is a swap. */
export function newClaim(
  slug: string,
  host: string,
  epoch: number,
  nowMs: number,
  t: LeaseTimes,
  runId: string | null = null,
): ClaimRecord {
  return {
    slug,
    host,
    runId,
    epoch,
    since: new Date(nowMs).toISOString(),
    expiresAt: nowMs + t.leaseMs,
    released: false,
  };
}

/** The renewed record: same epoch and start, a fresh lease. */
export function renewed(r: ClaimRecord, nowMs: number, t: LeaseTimes, runId: string | null): ClaimRecord {
  return { ...r, runId: runId ?? r.runId, expiresAt: nowMs + t.leaseMs };
}

/** The released record: kept (not deleted) so the epoch goes on and other hosts see where it ran. */
export function released(r: ClaimRecord, nowMs: number): ClaimRecord {
  return { ...r, released: true, expiresAt: nowMs };
}

/** How often the holder renews: three times a lease, so two failed tries still leave time. */
export function renewEveryMs(t: LeaseTimes): number {
  return Math.max(250, Math.floor(t.leaseMs / 3));
}

/**
 * When a holder whose renewals fail must stop its agent: a quarter lease before its lease ends
 * on its own clock. A taker waits until the end plus the skew margin, so the agent has that
 * quarter (plus the margin) to stop before anyone else may start it.
 */
export function stopBy(r: ClaimRecord, t: LeaseTimes): number {
  return r.expiresAt - Math.floor(t.leaseMs / 4);
}

/** What the holder's keeper does at a tick: renew, or stop because the lease would lapse. */
export function keeperStep(r: ClaimRecord, nowMs: number, t: LeaseTimes): 'renew' | 'stop' {
  return nowMs >= stopBy(r, t) ? 'stop' : 'renew';
}

/** A host name as a ref-name component and in messages: letters, digits, `.`, `_`, `-`. */
export function safeHost(host: string): string {
  const s = host.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|\.+$|\.lock$/g, '');
  return s === '' ? 'host' : s.slice(0, 63);
}

/**
 * The id of a follow-up published to the remote: the publishing host's time (13 digits, so ids
 * sort as numbers), its host and a random tail. The holder ingests ids in sorted order.
 */
export function remoteInboxId(nowMs: number, host: string, rand: string): string {
  // The host is cut to 30 characters so the drop's label stays within 64.
  return `${String(nowMs).padStart(13, '0')}-${safeHost(host).slice(0, 30)}-${rand}`;
}

/** True for a well-formed remote inbox id. */
export function isRemoteInboxId(id: string): boolean {
  return /^\d{13}-[A-Za-z0-9._-]{1,63}-[0-9a-f]{4,16}$/.test(id);
}

/** Remote inbox ids in the order the holder takes them in: oldest first. */
export function inboxOrder(ids: readonly string[]): string[] {
  return ids.filter(isRemoteInboxId).sort();
}

/** The local drop name a remote follow-up is ingested under (its label is the id, so it is told once). */
export function remoteDropName(slug: string, id: string): string {
  // Labels allow [A-Za-z0-9_-] only: the host's dots become underscores.
  return `${slug}.r${id.replace(/\./g, '_')}.followup.md`;
}
