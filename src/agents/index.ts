/**
 * Agent presets (docs/reference.md, "Configuration"): pure argv builders and output parsers. Nothing here spawns a
 * process; the worker does, from what a driver returns.
 */
import type { AgentConfig } from '../config/types.js';
import { claudeDriver } from './claude.js';
import { codexDriver } from './codex.js';
import { commandDriver } from './command.js';
import { compileLimitPattern, withLimitPattern } from './limits.js';
import type { AgentDriver } from './types.js';

export type {
  AgentDriver,
  AgentEvent,
  OutputParser,
  OutputStream,
  RunContext,
  RunOutcome,
  StdinPlan,
} from './types.js';
export { MAX_ARGV_PROMPT_BYTES, promptTooLargeForArgv } from './common.js';

/**
 * The driver for one configured agent. Throws `BAD_CONFIG` for a `sessionIdPattern` or
 * `limitPattern` that does not compile.
 */
export function createDriver(config: AgentConfig): AgentDriver {
  const driver = presetDriver(config);
  const source = config.limitPattern ?? null;
  if (source === null) return driver;
  const pattern = compileLimitPattern(config.name, source);
  return { ...driver, createParser: () => withLimitPattern(driver.createParser(), pattern) };
}

function presetDriver(config: AgentConfig): AgentDriver {
  switch (config.preset) {
    case 'claude':
      return claudeDriver(config);
    case 'codex':
      return codexDriver(config);
    case 'command':
      return commandDriver(config);
  }
}
