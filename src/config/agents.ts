/**
 * The `agents` section of baton.yaml: validated and normalised to `AgentConfig`s. Pure.
 * An entry is a preset (`preset: claude|codex`, `bin`, `args`, `liveInput`, `env`) or a command
 * (`command`, `resume`, `sessionIdPattern`, `outputFormat`, `env`, optionally `preset: command`).
 */
import type { Problem } from '../domain/errors.js';
import { didYouMean, suggest } from '../domain/suggest.js';
import { describeValue, isRecord } from '../domain/yaml.js';
import { agentLimitSettings } from './agent-limits.js';
import { defaultAgents } from './defaults.js';
import type { AgentConfig, CommandAgentConfig, PresetAgentConfig } from './types.js';

/** Where problems and warnings found while parsing config go, and how keys map to file lines. */
export interface ConfigContext {
  file: string;
  lineOf(path: readonly string[]): number | undefined;
  errors: Problem[];
  warnings: Problem[];
}

/** An agent's name: also what tasks write after `agent:` and what status shows. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Settings every agent may have (usage limits: config/agent-limits.ts). */
const SHARED_KEYS = ['maxConcurrent', 'limitPattern'];
const PRESET_KEYS = new Set(['preset', 'bin', 'args', 'liveInput', 'env', ...SHARED_KEYS]);
const COMMAND_KEYS = new Set([
  'preset',
  'command',
  'resume',
  'sessionIdPattern',
  'outputFormat',
  'env',
  ...SHARED_KEYS,
]);
/** What `preset:` may say. */
const PRESETS = ['claude', 'codex', 'command'];

/**
 * Parses the value of `agents` (null when absent) over the default agents: an entry replaces the
 * default of the same name. Problems go to `ctx`; bad entries are left out of the result.
 */
export function parseAgents(raw: unknown, ctx: ConfigContext): Record<string, AgentConfig> {
  const agents = defaultAgents();
  if (raw === null || raw === undefined) return agents;
  if (!isRecord(raw)) {
    report(
      ctx,
      ['agents'],
      `agents must be a mapping of agent names to agent settings, found ${describeValue(raw)}`,
    );
    return agents;
  }
  for (const [name, entry] of Object.entries(raw)) {
    if (!AGENT_NAME_PATTERN.test(name)) {
      report(
        ctx,
        ['agents', name],
        `agent name "${name}" must be letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit`,
      );
      continue;
    }
    // Plain assignment is safe: the name pattern rules out `__proto__`.
    const agent = parseAgent(name, entry, ctx);
    if (agent) agents[name] = agent;
  }
  return agents;
}

function parseAgent(name: string, entry: unknown, ctx: ConfigContext): AgentConfig | undefined {
  const at = (key?: string): string[] => (key === undefined ? ['agents', name] : ['agents', name, key]);
  if (!isRecord(entry)) {
    report(
      ctx,
      at(),
      `agents.${name} must be a mapping with "preset: claude", "preset: codex" or "command: [...]", found ${describeValue(entry)}`,
    );
    return undefined;
  }
  const before = ctx.errors.length;
  const get = (key: string): unknown => (Object.hasOwn(entry, key) ? entry[key] : null);
  const kind = kindOf(name, get);
  if (kind !== 'claude' && kind !== 'codex' && kind !== 'command') {
    const needs = `agents.${name} needs "preset: claude", "preset: codex" or "command: [...]"`;
    if (kind !== null) {
      const guess = typeof kind === 'string' ? didYouMean(kind, PRESETS) : '';
      report(ctx, at('preset'), `${needs}, found preset ${describeValue(kind)}${guess}`);
      return undefined;
    }
    // Neither key is there: a misspelt `comand:` or `prest:` is the likely reason.
    const misspelt = Object.keys(entry)
      .map((key) => ({ key, meant: suggest(key, ['command', 'preset']) }))
      .find((k) => k.meant !== undefined);
    report(
      ctx,
      at(misspelt?.key),
      `${needs}, found neither${misspelt ? `; "${misspelt.key}" is not a setting: did you mean ${misspelt.meant}?` : ''}`,
    );
    return undefined;
  }
  const own = kind === 'command' ? COMMAND_KEYS : PRESET_KEYS;
  const other = kind === 'command' ? PRESET_KEYS : COMMAND_KEYS;
  for (const key of Object.keys(entry)) {
    if (own.has(key)) continue;
    if (other.has(key)) {
      report(
        ctx,
        at(key),
        `agents.${name}.${key} applies only to ${kind === 'command' ? 'preset' : 'command'} agents, but this is ${kind === 'command' ? 'a command agent' : `the ${kind} preset`}`,
      );
    } else {
      ctx.warnings.push(
        problemAt(
          ctx,
          at(key),
          `agents.${name}.${key} is not a known agent setting and is ignored${didYouMean(key, own)}`,
        ),
      );
    }
  }
  const field = <T>(key: string, accept: (v: unknown) => T | undefined, expected: string): T | undefined => {
    const v = get(key);
    if (v === null) return undefined;
    const ok = accept(v);
    if (ok === undefined)
      report(ctx, at(key), `agents.${name}.${key} must be ${expected}, found ${describeValue(v)}`);
    return ok;
  };
  const env = field('env', envMap, 'a mapping of environment variable names to text') ?? {};
  const limits = agentLimitSettings(field);
  if (kind === 'command') {
    const command = field('command', argv, 'a non-empty list of strings (the argv)');
    if (command === undefined && get('command') === null) {
      report(
        ctx,
        at(),
        `agents.${name} is a command agent, so it needs command: [program, args...], found none`,
      );
    }
    const resume =
      field('resume', argv, 'a non-empty list of strings (the argv to continue a session)') ?? null;
    const sessionIdPattern =
      field(
        'sessionIdPattern',
        regexWithGroup,
        'a regular expression with a capture group for the session id',
      ) ?? null;
    const outputFormat =
      field('outputFormat', (v) => (v === 'claude' || v === 'codex' ? v : undefined), 'claude or codex') ??
      null;
    if (ctx.errors.length > before || command === undefined) return undefined;
    return {
      name,
      preset: 'command',
      command,
      resume,
      sessionIdPattern,
      outputFormat,
      env,
      ...limits,
    } satisfies CommandAgentConfig;
  }
  const bin =
    field(
      'bin',
      (v) => (typeof v === 'string' && v !== '' ? v : undefined),
      'the executable to run (a non-empty string)',
    ) ?? kind;
  const args =
    field(
      'args',
      (v) => (Array.isArray(v) && v.every((a) => typeof a === 'string') ? v : undefined),
      'a list of strings',
    ) ?? [];
  const liveInput =
    field('liveInput', (v) => (typeof v === 'boolean' ? v : undefined), 'true or false') ?? false;
  if (liveInput && kind !== 'claude') {
    report(
      ctx,
      at('liveInput'),
      `agents.${name}.liveInput is supported only by the claude preset, found it on the ${kind} preset`,
    );
  }
  if (ctx.errors.length > before) return undefined;
  return { name, preset: kind, bin, args, liveInput, env, ...limits } satisfies PresetAgentConfig;
}

function kindOf(name: string, get: (key: string) => unknown): unknown {
  const preset = get('preset');
  if (preset !== null) return preset;
  if (get('command') !== null) return 'command';
  // `claude: { bin: ... }` keeps the claude preset: the default agents' names imply their preset.
  return name === 'claude' || name === 'codex' ? name : null;
}

function argv(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string') && v[0] !== ''
    ? (v as string[])
    : undefined;
}

function envMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return undefined;
    // YAML reads `FOO: 1` as a number; the environment only holds text, so scalars are taken as text.
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else return undefined;
  }
  return out;
}

function regexWithGroup(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    new RegExp(v);
    // An alternation with the empty pattern always matches, and its result has one slot per group.
    const groups = (new RegExp(`${v}|`).exec('')?.length ?? 1) - 1;
    return groups >= 1 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A problem about the key at `path`, on the key's line (or its parent's when the key is missing). */
export function problemAt(ctx: ConfigContext, path: readonly string[], message: string): Problem {
  const line = ctx.lineOf(path) ?? ctx.lineOf(path.slice(0, -1));
  return line === undefined ? { file: ctx.file, message } : { file: ctx.file, line, message };
}

function report(ctx: ConfigContext, path: string[], message: string): void {
  ctx.errors.push(problemAt(ctx, path, message));
}
