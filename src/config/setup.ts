/** The `setup:`, `teardown:` and `ports:` sections of baton.yaml (domain/setup.ts parses them). Pure. */
import { applySetupOverrides, defaultWorktreeSetup, parseSetupSections } from '../domain/setup.js';
import type { SetupProblem, WorktreeSetup } from '../domain/setup.js';
import { problemAt, type ConfigContext } from './agents.js';

/**
 * The three sections over their defaults (`get(key)` is null when absent). A bad value is an
 * error and keeps the default; an unknown key is a warning.
 */
export function parseWorktreeSetup(get: (key: string) => unknown, ctx: ConfigContext): WorktreeSetup {
  const problems: SetupProblem[] = [];
  const over = parseSetupSections(get, problems);
  for (const p of problems) (p.warning ? ctx.warnings : ctx.errors).push(problemAt(ctx, p.path, p.message));
  return applySetupOverrides(defaultWorktreeSetup(), over);
}
