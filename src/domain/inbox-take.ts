/**
 * Cluster mode's remote inbox, the taker's decisions (docs/design.md, "Several hosts", "Follow-ups
 * cross hosts"). A host takes item `refs/baton/inbox/<slug>/<id>` by swapping it (compare-and-swap
 * from the item's commit) to a small "taken by <host>" record, never by deleting it, so that a
 * ref's state always says who is answerable for the follow-up:
 *
 *   item ──swap (one taker wins)──▶ taken by H ──H delivered it here──▶ (deleted by H)
 *
 * A copy staged on disk before the swap (`.remote-<id>`) is only delivered when the ref says
 * "taken by me"; a ref that is gone or taken by another host means whoever took it delivered it.
 * No I/O here.
 */
import { recordFields } from './cluster.js';

/** What a taken record's commit message records. */
export interface TakenRecord {
  slug: string;
  id: string;
  /** The host that took the item: the only one that may deliver it, and the one that deletes the ref. */
  host: string;
  /** When it was taken (ISO), which also keeps two records of one host apart. */
  at: string;
}

const TITLE = 'baton inbox';

/** The commit message of a taken record: a title line, a blank line, the JSON. */
export function encodeTaken(r: TakenRecord): string {
  return `${TITLE} ${r.slug}/${r.id} taken by ${r.host}\n\n${JSON.stringify(r)}\n`;
}

/** A taken record read back from a commit message; null when it is not one (a follow-up item). */
export function decodeTaken(message: string): TakenRecord | null {
  const o = recordFields(message, TITLE) as Partial<TakenRecord> | null;
  const ok =
    o !== null &&
    typeof o.slug === 'string' &&
    typeof o.id === 'string' &&
    typeof o.host === 'string' &&
    typeof o.at === 'string';
  return ok ? (o as TakenRecord) : null;
}

/** An inbox ref as the poll sees it: gone, still the published item, or taken by a host. */
export type InboxRefState = { kind: 'absent' } | { kind: 'item' } | { kind: 'taken'; host: string };

/** The state of a ref whose commit has `message` (a taken record, else the item itself). */
export function inboxRefState(message: string): InboxRefState {
  const r = decodeTaken(message);
  return r === null ? { kind: 'item' } : { kind: 'taken', host: r.host };
}

/** What this host knows of one item besides the ref. */
export interface InboxFacts {
  /** A copy is staged here (`tasks/logs/inbox/<slug>/.remote-<id>`). */
  staged: boolean;
  /** Its drop is on this host already: waiting in `tasks/`, being ingested, or in history. */
  here: boolean;
  /** This host holds (or last held) the task's claim. */
  holder: boolean;
}

/**
 * What to do about one item:
 * - `take`: stage a copy (unless staged), swap the item to "taken by me", then `deliver`;
 * - `remove-item`: the drop is here already (a publisher that died and published again): delete
 *   the item by a swap from its value, drop any staged copy;
 * - `deliver`: put the staged copy into `tasks/` as a drop (a hard link, so the copy stays until
 *   the ref is gone), delete the taken ref, then the copy;
 * - `finish`: it went on already: delete the taken ref, drop any staged copy;
 * - `discard`: another host took it (or will): drop the staged copy;
 * - `leave`: nothing for this host.
 */
export type InboxStep = 'take' | 'remove-item' | 'deliver' | 'finish' | 'discard' | 'leave';

/**
 * The step for an item whose ref is `ref`, as seen by `host`. The taker's order (stage, swap,
 * link, delete the ref, remove the copy) means a copy staged here and a ref "taken by me" can
 * only be a take cut short before its drop was made, or after; `here` tells which.
 */
export function inboxStep(ref: InboxRefState, f: InboxFacts, host: string): InboxStep {
  switch (ref.kind) {
    case 'absent':
      // Only a taker deletes: it took the item and delivered it.
      return f.staged ? 'discard' : 'leave';
    case 'item':
      if (f.holder) return f.here ? 'remove-item' : 'take';
      // The claim is another host's now: that host takes it, from the remote.
      return f.staged ? 'discard' : 'leave';
    case 'taken':
      if (ref.host !== host) return f.staged ? 'discard' : 'leave';
      // No staged copy: the taker got past its delivery (the copy goes last), so only the ref is left.
      return f.staged && !f.here ? 'deliver' : 'finish';
  }
}
