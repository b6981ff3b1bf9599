/**
 * Cluster mode's part of `baton status`, `status --watch` and the page: every claim on the
 * remote, in words (ops/fleet.ts reads it). One wording for all three: the page gets the same
 * parts, with the lease's seconds as a time it keeps ticking.
 */
import type { Fleet, FleetClaim } from '../ops/fleet.js';

/**
 * A piece of a claim's words: text, or the time `left` until `at` (ISO) or gone `since` it,
 * written `text` as of the moment the words were made ("90 s"); the page re-words it as its
 * clock ticks.
 */
export type FleetPart = string | { at: string; text: string; count: 'left' | 'since' };

/** The claims section's words, for a viewer that lays them out itself (the page). */
export interface FleetView {
  /** "Hosts (cluster mode, this host: …, remote: …)". */
  title: string;
  /** The remote could not be read, and what that means. */
  problem: string | null;
  /** One line per claim, in slug order. */
  claims: { slug: string; parts: FleetPart[] }[];
  /** Said when there is no claim and no problem. */
  none: string | null;
}

/** The claims section's words: the title, the remote's problem, one line per claim. */
export function fleetView(fleet: Fleet, now: Date): FleetView {
  return {
    title: `Hosts (cluster mode, this host: ${fleet.host}, remote: ${fleet.remote})`,
    problem:
      fleet.problem === null
        ? null
        : `${fleet.problem}: nothing starts unclaimed here until it can be read; running work goes on until its lease would lapse.`,
    claims: fleet.claims.map((c) => ({ slug: c.slug, parts: claimParts(c, fleet.inbox[c.slug] ?? 0, now) })),
    none: fleet.claims.length === 0 && fleet.problem === null ? 'no claims yet' : null,
  };
}

/**
 * One claim in words: whether it runs here or on which other host, since when, how long its
 * lease has left or that it lapsed, and the follow-ups waiting for it on the remote.
 */
export function claimParts(c: FleetClaim, waiting: number, now: Date): FleetPart[] {
  const who = c.here ? `${c.host} (this host)` : c.host;
  const since = c.since.slice(0, 19).replace('T', ' ');
  const inbox =
    waiting > 0 ? `; ${waiting} follow-up${waiting === 1 ? '' : 's'} waiting for it on the remote` : '';
  const at = new Date(c.expiresAt).toISOString();
  const left = c.expiresAt - now.getTime();
  const lease: FleetPart = c.lapsed
    ? { at, text: seconds(-left), count: 'since' }
    : { at, text: seconds(left), count: 'left' };
  let parts: FleetPart[];
  if (c.released) parts = [`last ran on ${who} (epoch ${c.epoch}, since ${since}); free`];
  else if (c.lapsed)
    parts = [
      `held by ${who} (epoch ${c.epoch}), lease lapsed `,
      lease,
      ' ago: the next host to look takes it over',
    ];
  else
    parts = [
      `${c.here ? 'runs here' : 'runs elsewhere'}: ${who} (epoch ${c.epoch}, since ${since}), lease `,
      lease,
      ' left',
    ];
  return inbox === '' ? parts : [...parts, inbox];
}

/** Parts as plain text (the terminal's words). */
export function partsText(parts: readonly FleetPart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}

/** The claims section: one line per claim, who holds it since when and until when. */
export function renderFleet(fleet: Fleet, now: Date): string {
  const v = fleetView(fleet, now);
  const lines = [v.title];
  if (v.problem !== null) lines.push(`  ${v.problem}`);
  if (v.none !== null) lines.push(`  ${v.none}`);
  for (const c of v.claims) lines.push(`  ${c.slug}: ${partsText(c.parts)}`);
  return `${lines.join('\n')}\n`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}
