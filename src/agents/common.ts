/** Helpers shared by the presets: prompt size, JSON lines, session tracking, exit descriptions. */
import { BatonError } from '../domain/errors.js';
import type { AgentEvent, RunContext } from './types.js';

/**
 * Largest prompt (UTF-8 bytes) put into argv. Linux refuses any single argument of 128 KiB or
 * more (MAX_ARG_STRLEN; spawn fails with E2BIG), so larger prompts go on stdin, with headroom.
 */
export const MAX_ARGV_PROMPT_BYTES = 100_000;

/** True when `prompt` must be passed on stdin rather than in argv. */
export function promptTooLargeForArgv(prompt: string): boolean {
  // Cheap pre-check: a UTF-8 byte count is at most 3 × the UTF-16 length (4 bytes = 2 units).
  return (
    prompt.length * 3 > MAX_ARGV_PROMPT_BYTES && Buffer.byteLength(prompt, 'utf8') > MAX_ARGV_PROMPT_BYTES
  );
}

/** The session id a resume needs; a resume without one is a bug in the caller, not user error. */
export function requireSessionId(ctx: RunContext, agent: string): string {
  if (ctx.sessionId === null || ctx.sessionId === '') {
    throw new BatonError('INTERNAL', `Cannot resume agent "${agent}" without a session id.`, {
      hint: 'Start a new session instead (mode "new").',
    });
  }
  return ctx.sessionId;
}

/** A parsed JSON object line, or null for anything else (blank, text, arrays, broken JSON). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a non-empty string, else null. */
export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Remembers the session id last reported, so each id is reported once and a change is reported again. */
export class SessionTracker {
  current: string | null = null;

  /** A `session` event when `id` is new, else nothing. */
  see(id: string | null): AgentEvent[] {
    if (id === null || id === this.current) return [];
    this.current = id;
    return [{ type: 'session', id }];
  }
}

/** How a process ended, in words: `exited with code 1`, `killed by SIGTERM`. */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return 'exited without an exit code';
}

/** `text` cut to `max` characters on one line, for `progress.what` and error messages. */
export function brief(text: string, max = 120): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** A stderr line that reads like an error report (`Error: ...`, `error: unknown option ...`). */
export function looksLikeError(line: string): boolean {
  return /^\s*error\b/i.test(line);
}
