/**
 * Invariants the crash, load and hostile-input suites check after the fact, from what baton and
 * the fake agents left on disk, plus a sampler that watches live agent processes through /proc
 * (a SIGKILLed fake agent logs no `end`, so its log alone cannot say when it died).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One history line, as far as these checks care. */
export type HistoryLine = Record<string, unknown> & { type?: string; ts?: string };

/** One fake-agent log line. */
export type FakeEvent = Record<string, unknown> & { event: string; pid: number; t: number };

/**
 * Every line of every `.jsonl` file in `tasks/logs` that does not parse (a glued or torn line),
 * and every `.json` file there (status, heartbeat) that does not parse. Empty when all is well.
 */
export function unparseableLogs(root: string): string[] {
  const logs = path.join(root, 'tasks/logs');
  if (!existsSync(logs)) return [];
  const bad: string[] = [];
  for (const name of readdirSync(logs)) {
    const file = path.join(logs, name);
    if (name.endsWith('.jsonl')) {
      const text = readFileSync(file, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) bad.push(`${name}: the last line is torn`);
      text.split('\n').forEach((line, i) => {
        if (line.trim() === '') return;
        try {
          JSON.parse(line);
        } catch {
          bad.push(`${name}:${i + 1}: ${line.slice(0, 200)}`);
        }
      });
    } else if (name.endsWith('.json')) {
      try {
        JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        bad.push(`${name}: not valid JSON`);
      }
    }
  }
  return bad;
}

/** The follow-up ids a `prompt_sent` line delivers. */
export function sentIds(h: HistoryLine): string[] {
  return h.type === 'prompt_sent' && Array.isArray(h.followupIds) ? (h.followupIds as string[]) : [];
}

/**
 * `runId#n` of the runs that concluded: the agent process recorded its own start
 * (`agent_started`), or the worker recorded the run's end (`run_exited`: also a start that failed
 * or was killed before the exec, a failed run the user sees).
 */
export function concludedRuns(history: HistoryLine[]): Set<string> {
  return new Set(
    history
      .filter((h) => h.type === 'agent_started' || h.type === 'run_exited')
      .map((h) => `${String(h.runId)}#${String(h.n)}`),
  );
}

/** The follow-up ids of the `prompt_sent` lines whose run concluded, in history order. */
export function deliveredIds(history: HistoryLine[]): string[] {
  const ran = concludedRuns(history);
  return history
    .filter((h) => sentIds(h).length > 0 && ran.has(`${String(h.runId)}#${String(h.n)}`))
    .flatMap(sentIds);
}

/**
 * Exactly once, in order: every accepted follow-up (a `followup_received` line) was delivered by
 * exactly one `prompt_sent` whose run concluded (`agent_started`, the line the agent's own
 * process writes before it execs, or the run's recorded end); no id was delivered twice; ids
 * were delivered in arrival order (inbox ids sort in arrival order). A `prompt_sent` whose run
 * never concluded (its worker was killed before the agent started) does not count: it must have
 * been sent again. Returns the violations, empty when there are none.
 */
export function deliveryProblems(history: HistoryLine[]): string[] {
  const problems: string[] = [];
  const received = history.filter((h) => h.type === 'followup_received').map((h) => String(h.id));
  const sent = deliveredIds(history);
  const count = new Map<string, number>();
  for (const id of sent) count.set(id, (count.get(id) ?? 0) + 1);
  for (const [id, n] of count) if (n > 1) problems.push(`${id} was delivered ${n} times`);
  const seen = new Set<string>();
  for (const id of received) {
    if (seen.has(id)) problems.push(`${id} was received twice`);
    seen.add(id);
    if (!count.has(id)) problems.push(`${id} was accepted but never delivered`);
  }
  for (let i = 1; i < sent.length; i++) {
    if (sent[i]! < sent[i - 1]!) problems.push(`${sent[i]} was sent after the later ${sent[i - 1]}`);
  }
  return problems;
}

/** An agent process's life, from the fake agents' log (and the sampler, where it logged no end). */
export interface Span {
  pid: number;
  slug: string;
  start: number;
  end: number;
  /** False when the agent logged no `end` (it was SIGKILLed): `end` is when it was last seen alive. */
  ended: boolean;
}

/**
 * Agent spans from the fake log. An agent that logged no `end` ends when `lastSeen` last saw it
 * alive (or at its start if it never was), unless it is alive now (`alive(pid)`): then it has
 * not ended.
 */
export function agentSpans(
  events: readonly FakeEvent[],
  lastSeen: ReadonlyMap<number, number>,
  alive: (pid: number) => boolean = () => false,
): Span[] {
  const spans = new Map<number, Span>();
  for (const e of events) {
    if (e.event === 'start') {
      const slug = String((e.env as Record<string, string> | undefined)?.BATON_SLUG ?? '');
      spans.set(e.pid, { pid: e.pid, slug, start: e.t, end: e.t, ended: false });
    } else if (e.event === 'end') {
      const s = spans.get(e.pid);
      if (s) {
        s.end = e.t;
        s.ended = true;
      }
    }
  }
  for (const s of spans.values()) {
    if (s.ended) continue;
    if (alive(s.pid)) s.end = Number.POSITIVE_INFINITY;
    else s.end = Math.max(s.start, lastSeen.get(s.pid) ?? s.start);
  }
  return [...spans.values()].sort((a, b) => a.start - b.start);
}

/** Pairs of spans of the same task that overlap in time: two agents alive in one worktree. */
export function overlappingSpans(spans: readonly Span[]): [Span, Span][] {
  const out: [Span, Span][] = [];
  const bySlug = new Map<string, Span[]>();
  for (const s of spans) bySlug.set(s.slug, [...(bySlug.get(s.slug) ?? []), s]);
  for (const list of bySlug.values()) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.start < b.end && b.start < a.end) out.push([a, b]);
      }
  }
  return out;
}

/** The most spans alive at one instant, across all tasks. */
export function maxConcurrency(spans: readonly Span[]): number {
  const points = spans.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ]);
  // An end and a start at the same millisecond: count the end first (the slot was handed over).
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let max = 0;
  for (const p of points) {
    cur += p.d;
    max = Math.max(max, cur);
  }
  return max;
}

/** A process's one-letter state from /proc, or null when it is gone. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** True when `pid` is alive and not a zombie. */
export function isAlive(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== 'Z' && s !== 'X';
}

/**
 * Samples /proc every few milliseconds for fake agents carrying a rig's marker: when each was
 * last seen alive, and every moment two agents of one task were alive at once.
 */
export class AgentSampler {
  readonly lastSeen = new Map<number, number>();
  readonly violations: string[] = [];
  readonly #marker: string;
  readonly #intervalMs: number;
  readonly #known = new Map<number, string | null>();
  #timer: NodeJS.Timeout | null = null;

  constructor(marker: string, intervalMs = 20) {
    this.#marker = marker;
    this.#intervalMs = intervalMs;
  }

  start(): this {
    this.#timer = setInterval(() => this.sample(), this.#intervalMs);
    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look at /proc. */
  sample(): void {
    const now = Date.now();
    const bySlug = new Map<string, number[]>();
    const present = new Set<number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      present.add(pid);
      let slug = this.#known.get(pid);
      if (slug === undefined) {
        slug = this.#agentSlug(pid);
        // Not ours (no marker) stays not ours; one of ours that is not an agent yet may exec into one.
        if (slug !== 'later') this.#known.set(pid, slug);
      }
      if (slug === null || slug === 'later' || !isAlive(pid)) continue;
      this.lastSeen.set(pid, now);
      bySlug.set(slug, [...(bySlug.get(slug) ?? []), pid]);
    }
    // A pid that went away may come back as another process: judge it afresh then.
    for (const pid of this.#known.keys()) if (!present.has(pid)) this.#known.delete(pid);
    for (const [slug, pids] of bySlug) {
      if (pids.length > 1)
        this.violations.push(
          `${new Date(now).toISOString()} ${slug}: agents ${pids.join(', ')} alive at once`,
        );
    }
  }

  /** The agent's task, null when the process is not ours, 'later' when it is ours but no agent (yet). */
  #agentSlug(pid: number): string | null | 'later' {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!env.includes(`BATON_TEST_MARKER=${this.#marker}\0`)) return null;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (!/fake-(claude|codex|command)\.mjs/.test(cmd)) return 'later';
      return /(?:^|\0)BATON_SLUG=([^\0]*)/.exec(env)?.[1] ?? null;
    } catch {
      return null;
    }
  }
}
