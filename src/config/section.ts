/**
 * What every mapping section of baton.yaml (`pr:`, `cluster:`, `hooks:`, a notifier) does alike:
 * refuse a value that is not a mapping, and warn of an unknown key with the setting it was
 * probably meant to be. Pure.
 */
import { didYouMean } from '../domain/suggest.js';
import { describeValue, isRecord } from '../domain/yaml.js';
import { problemAt, type ConfigContext } from './agents.js';

/**
 * The entries of section `name` (at `path`) whose keys are in `keys`; each other key is a warning.
 * Null, after an error naming `like` as an example, when the value is not a mapping.
 */
export function sectionEntries(
  v: unknown,
  ctx: ConfigContext,
  path: readonly string[],
  like: string,
  keys: readonly string[],
): [string, unknown][] | null {
  const name = path.join('.');
  if (!isRecord(v)) {
    ctx.errors.push(
      problemAt(ctx, path, `${name} must be a mapping (like "${like}"), found ${describeValue(v)}`),
    );
    return null;
  }
  warnUnknownKeys(v, ctx, path, keys);
  return Object.entries(v).filter(([key]) => keys.includes(key));
}

/**
 * Warns of each key of `v` not in `keys`, naming the one it was probably meant to be; `name` is
 * how the section is called in the message (`notify[0]`), by default its path joined with dots.
 */
export function warnUnknownKeys(
  v: Record<string, unknown>,
  ctx: ConfigContext,
  path: readonly string[],
  keys: readonly string[],
  name = path.join('.'),
): void {
  for (const key of Object.keys(v)) {
    if (keys.includes(key)) continue;
    ctx.warnings.push(
      problemAt(
        ctx,
        [...path, key],
        `unknown setting "${name}.${key}" is ignored${didYouMean(key, keys) || `; known: ${keys.join(', ')}`}`,
      ),
    );
  }
}

/** True for a value usable as a git remote's name (`remote:` under `pr:` and `cluster:`). */
export function isRemoteName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value);
}
