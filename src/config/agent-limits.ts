/**
 * The usage-limit settings every agent may have (docs/reference.md, "Configuration"):
 * `maxConcurrent`, its own cap on running workers inside the global one, and `limitPattern`, a
 * regular expression that recognises its usage-limit message. Pure.
 */

/** Reads one agent setting with a check, reporting a bad value (config/agents.ts's `field`). */
export type FieldReader = <T>(
  key: string,
  accept: (v: unknown) => T | undefined,
  expected: string,
) => T | undefined;

/** The agent's `maxConcurrent` and `limitPattern`, when set. */
export function agentLimitSettings(field: FieldReader): { maxConcurrent?: number; limitPattern?: string } {
  const maxConcurrent = field(
    'maxConcurrent',
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined),
    'a whole number of at least 1',
  );
  const limitPattern = field(
    'limitPattern',
    compiles,
    'a regular expression (a named group "reset" may hold the reset time, or "in" the seconds until it)',
  );
  return {
    ...(maxConcurrent === undefined ? {} : { maxConcurrent }),
    ...(limitPattern === undefined ? {} : { limitPattern }),
  };
}

function compiles(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    new RegExp(v, 'i');
    return v;
  } catch {
    return undefined;
  }
}
