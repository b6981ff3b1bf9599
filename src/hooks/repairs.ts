/**
 * The hooks self-heal's repairs as `tasks/logs/hooks.jsonl` records them (heal.ts writes them),
 * read back for `baton status`: the sentence a repair is said with, and the last one recorded.
 * Pure: records in, a repair out.
 */

/** One repair, as `status` shows it. */
export interface HookRepair {
  /** When (ISO time). */
  at: string;
  /** Who repaired: `heartbeat` or `dispatch`. */
  by: string;
  /** What was found and done, in one sentence. */
  said: string;
}

/** The sentence the self-heal says a repair with, and `status` repeats. */
export function repairSaid(damage: readonly string[], done: readonly string[]): string {
  return `re-installed baton's git hooks (${damage.join('; ')}): ${done.join('; ')}`;
}

/** The last `hooks_repaired` record among `records` (in file order), or null when there is none. */
export function lastRepair(records: readonly Record<string, unknown>[]): HookRepair | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r?.['type'] !== 'hooks_repaired' || typeof r['ts'] !== 'string') continue;
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
    return {
      at: r['ts'],
      by: typeof r['by'] === 'string' ? r['by'] : 'baton',
      said: repairSaid(strings(r['damage']), strings(r['done'])),
    };
  }
  return null;
}
