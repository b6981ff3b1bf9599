/** The `hooks:` section of baton.yaml: how baton treats its git hooks. Pure. */
import { describeValue } from '../domain/yaml.js';
import { problemAt, type ConfigContext } from './agents.js';
import { sectionEntries } from './section.js';
import type { HooksConfig } from './types.js';

/** The hooks settings when baton.yaml says nothing. A fresh object per call. */
export function defaultHooksConfig(): HooksConfig {
  return { autoRepair: true };
}

/**
 * Parses the `hooks:` mapping (null: not set). A bad value is an error and keeps the default; an
 * unknown key is a warning.
 */
export function parseHooksConfig(v: unknown, ctx: ConfigContext): HooksConfig {
  const out = defaultHooksConfig();
  if (v === null) return out;
  const entries = sectionEntries(v, ctx, ['hooks'], 'autoRepair: false', ['autoRepair']);
  if (entries === null) return out;
  for (const [, value] of entries) {
    if (value === null) continue;
    if (typeof value === 'boolean') out.autoRepair = value;
    else
      ctx.errors.push(
        problemAt(
          ctx,
          ['hooks', 'autoRepair'],
          `hooks.autoRepair must be true or false, found ${describeValue(value)}`,
        ),
      );
  }
  return out;
}
