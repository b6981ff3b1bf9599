/**
 * Usage limits (docs/reference.md, "States": `limited`): when an agent's account resets, and
 * whether an agent may start work now. Pure: the agent adapters say what the agent wrote
 * (agents/limits.ts); this turns it into an instant, adds the buffer or a backoff, and judges
 * an agent's recorded limit against the clock.
 *
 * A wall-clock time with an IANA zone is the next such instant in that zone (Intl, so daylight
 * saving is the zone's own); without a zone it is the local zone's. A time that does not exist
 * on that day (a spring-forward gap) moves forward by the gap, as a wall clock does.
 */

/** When the agent said its limit resets, as it said it. */
export type ResetSpec =
  /** A unix time in seconds (`Claude AI usage limit reached|1749924000`, Codex `resets_at`). */
  | { kind: 'unix'; seconds: number }
  /** A duration from when it was said (`try again in 2 days 17 hours`, `resets_in_seconds`). */
  | { kind: 'in'; seconds: number }
  /** A wall-clock time, maybe with a date and a zone (`resets 12:50am (America/Los_Angeles)`). */
  | {
      kind: 'clock';
      hour: number;
      minute: number;
      /** 1–12 when a date was given. */
      month: number | null;
      day: number | null;
      year: number | null;
      zone: string | null;
    }
  /** No reset time at all: a backoff. */
  | { kind: 'none' };

/** A limit as the agent said it: the line, and what it said of the reset. */
export interface LimitNotice {
  /** The line it was read from (cut to a sane length). */
  raw: string;
  reset: ResetSpec;
}

/** How a reset was worked out; recorded in `limit_hit` as `how`. Stable strings. */
export type ResetHow = 'unix' | 'in' | 'clock' | 'clock_local' | 'backoff';

/** A resolved limit: when the agent may run again. */
export interface ResolvedLimit {
  /** The reset the agent named (ISO), or null when it named none (or one already past). */
  reset: string | null;
  how: ResetHow;
  /** When baton tries again: the reset plus the buffer, or now plus the backoff. */
  retryAt: string;
  /** The backoff used, in seconds, when there was no usable reset. */
  backoffSeconds: number | null;
}

/** The first backoff without a reset time, doubled per consecutive limit, and its cap. */
export const LIMIT_BACKOFF_FIRST_SECONDS = 15 * 60;
export const LIMIT_BACKOFF_MAX_SECONDS = 5 * 60 * 60;

/** The backoff after the `hits`-th consecutive limit with no reset time (1 → 15 min, 2 → 30 min, … ≤ 5 h). */
export function limitBackoffSeconds(hits: number): number {
  const n = Math.max(1, Math.floor(hits));
  return Math.min(LIMIT_BACKOFF_MAX_SECONDS, LIMIT_BACKOFF_FIRST_SECONDS * 2 ** Math.min(n - 1, 20));
}

/** The zone a time without a zone is read in: the process's own. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** True when `zone` is an IANA zone Intl knows. */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant `spec` names, seen at `now`; null for `none` or a time that cannot be. A clock
 * time without a date is the next such time after `now`; with a date but no year, the next
 * such date; with a year, that instant even when it is past (the caller judges that).
 */
export function resolveReset(
  spec: ResetSpec,
  now: Date,
  zoneWhenNone: string = localZone(),
): { at: Date; how: Exclude<ResetHow, 'backoff'> } | null {
  switch (spec.kind) {
    case 'none':
      return null;
    case 'unix':
      return Number.isFinite(spec.seconds) ? { at: new Date(spec.seconds * 1000), how: 'unix' } : null;
    case 'in':
      return Number.isFinite(spec.seconds) && spec.seconds >= 0
        ? { at: new Date(now.getTime() + spec.seconds * 1000), how: 'in' }
        : null;
    case 'clock': {
      const named = spec.zone !== null && isKnownZone(spec.zone);
      const zone = named ? (spec.zone as string) : zoneWhenNone;
      const at = nextClock(spec, zone, now);
      return at === null ? null : { at, how: named ? 'clock' : 'clock_local' };
    }
    default:
      return spec satisfies never;
  }
}

/**
 * When to try again after a limit: the reset plus `bufferSeconds` when the agent named a reset
 * still ahead, else a backoff for the `hits`-th consecutive limit.
 */
export function resolveLimit(
  spec: ResetSpec,
  opts: { now: Date; bufferSeconds: number; hits: number; zone?: string },
): ResolvedLimit {
  const r = resolveReset(spec, opts.now, opts.zone);
  if (r !== null && r.at.getTime() > opts.now.getTime()) {
    return {
      reset: r.at.toISOString(),
      how: r.how,
      retryAt: new Date(r.at.getTime() + opts.bufferSeconds * 1000).toISOString(),
      backoffSeconds: null,
    };
  }
  const backoff = limitBackoffSeconds(opts.hits);
  return {
    reset: null,
    how: 'backoff',
    retryAt: new Date(opts.now.getTime() + backoff * 1000).toISOString(),
    backoffSeconds: backoff,
  };
}

/** The parts of `t` on the wall clock of `zone`. */
function wallParts(t: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number } {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const get = (type: string): number =>
    Number(fmt.formatToParts(new Date(t)).find((p) => p.type === type)?.value ?? NaN);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute') };
}

/** `zone`'s offset from UTC at instant `t`, in ms (east positive). */
function offsetAt(t: number, zone: string): number {
  const p = wallParts(t, zone);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi);
  return asUtc - Math.floor(t / 60_000) * 60_000;
}

/** The instant the wall clock of `zone` shows y-mo-d h:mi (a time in a DST gap moves forward by the gap). */
export function zonedInstant(y: number, mo: number, d: number, h: number, mi: number, zone: string): Date {
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  if (second === first) return new Date(first);
  // The offset changes between the two guesses: one of them shows the wanted wall time (a time
  // repeated by a fall-back, take the earlier), or neither does (a spring-forward gap).
  const shows = (t: number): boolean => {
    const p = wallParts(t, zone);
    return p.h === h && p.mi === mi && p.d === d;
  };
  const hits = [first, second].filter(shows).sort((a, b) => a - b);
  return new Date(hits[0] ?? Math.max(first, second));
}

function nextClock(spec: Extract<ResetSpec, { kind: 'clock' }>, zone: string, now: Date): Date | null {
  if (spec.hour < 0 || spec.hour > 23 || spec.minute < 0 || spec.minute > 59) return null;
  const today = wallParts(now.getTime(), zone);
  if (spec.month !== null && spec.day !== null) {
    if (spec.month < 1 || spec.month > 12 || spec.day < 1 || spec.day > 31) return null;
    const at = (y: number): Date =>
      zonedInstant(y, spec.month as number, spec.day as number, spec.hour, spec.minute, zone);
    if (spec.year !== null) return at(spec.year);
    const thisYear = at(today.y);
    return thisYear.getTime() > now.getTime() ? thisYear : at(today.y + 1);
  }
  // The next such time: today in the zone, else tomorrow (its own date: across a month's end too).
  for (let add = 0; add <= 2; add++) {
    const day = new Date(Date.UTC(today.y, today.mo - 1, today.d + add));
    const at = zonedInstant(
      day.getUTCFullYear(),
      day.getUTCMonth() + 1,
      day.getUTCDate(),
      spec.hour,
      spec.minute,
      zone,
    );
    if (at.getTime() > now.getTime()) return at;
  }
  return null;
}

/** An agent's recorded limit (store/limits.ts keeps one per agent). */
export interface AgentLimit {
  agent: string;
  /** When baton tries the agent again. */
  retryAt: string;
  /** The reset the agent named, or null (a backoff). */
  reset: string | null;
  /** The task whose run hit it. */
  slug: string;
  /** When it was hit. */
  at: string;
  /**
   * The one run the heartbeat started after the reset to see whether the limit is gone; null
   * until it starts one. A limit hit again replaces the whole record (and so the probe).
   */
  probe: { slug: string; at: string } | null;
}

/** How an agent stands: free, waiting for its reset, or with its one probe run under way. */
export type AgentLimitState =
  { kind: 'free' } | { kind: 'waiting'; until: string } | { kind: 'due' } | { kind: 'probing'; slug: string };

/** An agent's limit judged at `now` (ignoring the probe's progress: the cycle judges that). */
export function agentLimitState(limit: AgentLimit | null, now: Date): AgentLimitState {
  if (limit === null) return { kind: 'free' };
  if (Date.parse(limit.retryAt) > now.getTime()) return { kind: 'waiting', until: limit.retryAt };
  if (limit.probe !== null) return { kind: 'probing', slug: limit.probe.slug };
  return { kind: 'due' };
}

/** `iso` as a short local wall time for people: `15:31`, or `Apr 28 15:31` when not today. */
export function shortTime(iso: string, now: Date, zone: string = localZone()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const p = wallParts(t, zone);
  const today = wallParts(now.getTime(), zone);
  const hm = `${String(p.h).padStart(2, '0')}:${String(p.mi).padStart(2, '0')}`;
  if (p.y === today.y && p.mo === today.mo && p.d === today.d) return hm;
  const month = MONTHS[p.mo - 1] ?? String(p.mo);
  return `${month} ${p.d} ${hm}`;
}

/** English month abbreviations, January first. */
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
