/** What changed between two configs, in words: the watcher says it when it takes in an edited baton.yaml. */
import type { Config } from './types.js';

/** At most this many changes are named; the rest are counted. */
const SHOWN = 6;

/**
 * The settings that differ between `before` and `after`, one phrase each, by dotted path:
 * `maxConcurrent 1 → 2`, `agents.codex added`; a list that differs is named without its values.
 * Empty when the two are the same.
 */
export function configChanges(before: Config, after: Config): string[] {
  const out: string[] = [];
  diff(before as unknown, after as unknown, '', out);
  return out.length <= SHOWN ? out : [...out.slice(0, SHOWN), `${out.length - SHOWN} more`];
}

function diff(a: unknown, b: unknown, at: string, out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const here = at === '' ? key : `${at}.${key}`;
      if (!(key in a)) out.push(`${here} added`);
      else if (!(key in b)) out.push(`${here} removed`);
      else diff(a[key], b[key], here, out);
    }
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  out.push(isScalar(a) && isScalar(b) ? `${at} ${shown(a)} → ${shown(b)}` : `${at} changed`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function shown(v: string | number | boolean | null): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
