/**
 * Crash points: a test seam for the crash suite (test/integration/crash.test.ts). Each call names
 * a moment between two durable steps; when the environment variable `BATON_CRASH_AT` names that
 * moment the process SIGKILLs itself there, exactly as a power cut or `kill -9` would (no
 * cleanup, no `finally`, no flushed buffers). Unset, a crash point is one env lookup and nothing
 * else, so the points stay in production code.
 *
 *   BATON_CRASH_AT=dispatch.after-lock                  the first time that point is reached
 *   BATON_CRASH_AT=worker.after-prompt-sent@2           the second time (counted per process)
 *   BATON_CRASH_AT=ingest.after-claim,cycle.after-plan  whichever comes first
 *
 * With `BATON_CRASH_LOG=<file>` also set, a line `{"point","hit","pid"}` is appended to that file
 * just before the kill, so a test can tell that the crash it asked for happened.
 *
 * The variable is inherited like any other: set on `baton dispatch`, it reaches the worker
 * that command starts. Two deliberate exceptions to the house rules, both confined to this file:
 * the environment is read here rather than in config/ (a crash point must work before and
 * without a config, in every process), and the `@N` form keeps a per-process hit count, the one
 * piece of module-level mutable state in baton, touched only while the variable is set.
 */

import { appendFileSync } from 'node:fs';

/** The variable that arms crash points. */
export const CRASH_ENV = 'BATON_CRASH_AT';

/** Hits so far per point name; only written when `BATON_CRASH_AT` is set. */
const hits = new Map<string, number>();

/** One armed point: its name, and on which hit to crash (1 = the first). */
export interface CrashSpec {
  name: string;
  nth: number;
}

/** Parses `BATON_CRASH_AT` (pure): comma-separated `name` or `name@N`; malformed items are ignored. */
export function parseCrashSpec(text: string | undefined): CrashSpec[] {
  if (!text) return [];
  const out: CrashSpec[] = [];
  for (const raw of text.split(',')) {
    const m = /^\s*([A-Za-z0-9._-]+)(?:@(\d+))?\s*$/.exec(raw);
    if (!m?.[1]) continue;
    const nth = m[2] === undefined ? 1 : Number(m[2]);
    if (nth >= 1) out.push({ name: m[1], nth });
  }
  return out;
}

/**
 * Marks the crash point `name`. Inert unless `BATON_CRASH_AT` names it; then, on the named hit,
 * the process kills itself with SIGKILL and never returns.
 */
export function crashPoint(name: string): void {
  const text = process.env[CRASH_ENV];
  if (!text) return;
  const armed = parseCrashSpec(text).filter((s) => s.name === name);
  if (armed.length === 0) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (!armed.some((s) => s.nth === n)) return;
  const log = process.env.BATON_CRASH_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ point: name, hit: n, pid: process.pid })}\n`);
  process.kill(process.pid, 'SIGKILL');
}
