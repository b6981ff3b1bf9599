/**
 * baton.yaml text + environment → `Config` (docs/reference.md, "Configuration"). Pure: read → validate → normalise,
 * returning every error and warning as data; `load.ts` is the I/O shell around it.
 */
import * as path from 'node:path';
import { formatProblem } from '../domain/errors.js';
import type { Problem } from '../domain/errors.js';
import { didYouMean } from '../domain/suggest.js';
import { describeValue, isRecord, parseYaml } from '../domain/yaml.js';
import { parseAgents, problemAt } from './agents.js';
import type { ConfigContext } from './agents.js';
import { DEFAULT_WORKTREES_DIR, DEFAULTS } from './defaults.js';
import { parseHooksConfig } from './hooks.js';
import { parseWorktreeSetup } from './setup.js';
import { SETUP_KEYS } from '../domain/setup.js';
import { parseNotify } from './notify.js';
import { parsePrConfig } from './pr.js';
import { parseClusterConfig } from './cluster.js';
import type { Config } from './types.js';

/** What parsing config yields: a usable config (defaults where a value was bad) and what was found wrong. */
export interface ParsedConfig {
  config: Config;
  /** `file:line: message` lines about things ignored (unknown keys); never fatal. */
  warnings: string[];
  /** Problems that make the config unusable; `loadConfig` refuses to go on when there are any. */
  errors: Problem[];
}

/** The keys parsed by a reader of their own, not as plain settings. */
type NotASetting =
  'agents' | 'worktreesDir' | 'hooks' | 'setup' | 'teardown' | 'ports' | 'notify' | 'pr' | 'cluster';
type Setting = Exclude<keyof Config, NotASetting>;
type Rule = { accept: (v: unknown) => unknown; expected: string };

const positiveInteger: Rule = {
  accept: (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined),
  expected: 'a whole number of at least 1',
};
const positiveSeconds: Rule = {
  accept: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined),
  expected: 'a number of seconds greater than 0',
};

const RULES: Record<Setting, Rule> = {
  defaultAgent: {
    accept: (v) => (typeof v === 'string' && v !== '' ? v : undefined),
    expected: 'the name of one of the agents',
  },
  branchPrefix: {
    accept: (v) => (typeof v === 'string' && isBranchPrefix(v) ? v : undefined),
    expected: 'a non-empty branch name prefix such as "task/" (no spaces, "..", "~^:?*[\\" or leading "-")',
  },
  maxConcurrent: positiveInteger,
  heartbeatSeconds: positiveSeconds,
  maxDispatchesPerCycle: positiveInteger,
  dispatchTimeoutSeconds: positiveSeconds,
  retryCooldownSeconds: positiveSeconds,
  stallSeconds: positiveSeconds,
  interruptGraceSeconds: positiveSeconds,
  batchFollowups: { accept: (v) => (typeof v === 'boolean' ? v : undefined), expected: 'true or false' },
  limitBufferSeconds: {
    accept: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined),
    expected: 'a number of seconds, 0 or more',
  },
  onConflict: {
    accept: (v) => (v === 'report' || v === 'followup' ? v : undefined),
    expected: 'report or followup',
  },
};

/** Settings the environment can override: the `BATON_*` name first (it wins), then the old alias. */
const ENV_OVERRIDES: { key: Setting; vars: [string, string] }[] = [
  {
    key: 'maxDispatchesPerCycle',
    vars: ['BATON_MAX_DISPATCHES_PER_CYCLE', 'TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE'],
  },
  {
    key: 'dispatchTimeoutSeconds',
    vars: ['BATON_DISPATCH_TIMEOUT_SECONDS', 'TASK_MANAGER_DISPATCH_TIMEOUT_SECONDS'],
  },
  {
    key: 'retryCooldownSeconds',
    vars: ['BATON_DISPATCH_RETRY_COOLDOWN_SECONDS', 'TASK_MANAGER_DISPATCH_RETRY_COOLDOWN_SECONDS'],
  },
];

/** Every top-level key baton.yaml may hold (docs/reference.md is checked against it). */
export const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(RULES),
  'agents',
  'worktreesDir',
  'hooks',
  ...SETUP_KEYS,
  'notify',
  'pr',
  'cluster',
]);

/**
 * Parses baton.yaml's `text` (null when there is no file; `file` is how it is named in
 * messages) with `env` overriding it, resolving paths against `repoRoot`. A key written with no
 * value counts as not set. Unknown top-level keys are warnings, not errors.
 */
export function parseConfig(
  text: string | null,
  file: string,
  env: Record<string, string | undefined>,
  repoRoot: string,
): ParsedConfig {
  const ctx: ConfigContext = { file, lineOf: () => undefined, errors: [], warnings: [] };
  let raw: Record<string, unknown> = {};
  if (text !== null) {
    // A config is written once by hand and read per command: it may be larger than front matter.
    const parsed = parseYaml(file, text.replace(/^\uFEFF/, ''), 1, { maxChars: 64 * 1024, what: file });
    if (!parsed.ok) {
      ctx.errors.push(...parsed.error);
    } else if (isRecord(parsed.value.data)) {
      raw = parsed.value.data;
      ctx.lineOf = parsed.value.lineOf;
    } else if (parsed.value.data !== null) {
      ctx.errors.push({
        file,
        line: 1,
        message: `the file must be a YAML mapping of settings (like "maxConcurrent: 4"), found ${describeValue(parsed.value.data)}`,
      });
    }
  }
  const get = (key: string): unknown => (Object.hasOwn(raw, key) ? raw[key] : null);

  for (const key of Object.keys(raw)) {
    if (KNOWN_KEYS.has(key)) continue;
    // A close known name is the likely meaning; otherwise the whole list says what there is.
    const guess = didYouMean(key, KNOWN_KEYS);
    ctx.warnings.push(
      problemAt(
        ctx,
        [key],
        `unknown setting "${key}" is ignored${guess || `; known settings: ${[...KNOWN_KEYS].join(', ')}`}`,
      ),
    );
  }

  const settings: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, rule] of Object.entries(RULES)) {
    const v = get(key);
    if (v === null) continue;
    const accepted = rule.accept(v);
    if (accepted === undefined)
      ctx.errors.push(problemAt(ctx, [key], `${key} must be ${rule.expected}, found ${describeValue(v)}`));
    else settings[key] = accepted;
  }
  applyEnv(settings, env, ctx, (w) => ctx.warnings.push({ file: 'environment', message: w }));

  const agents = parseAgents(get('agents'), ctx);
  const defaultAgent = settings['defaultAgent'] as string;
  if (!Object.hasOwn(agents, defaultAgent)) {
    ctx.errors.push(
      problemAt(
        ctx,
        ['defaultAgent'],
        `defaultAgent must be the name of one of the agents (${Object.keys(agents).join(', ')}), found ${describeValue(defaultAgent)}${didYouMean(defaultAgent, Object.keys(agents))}`,
      ),
    );
  }
  const worktreesDir = resolveWorktreesDir(get('worktreesDir'), repoRoot, env, ctx);
  const hooks = parseHooksConfig(get('hooks'), ctx);
  const worktreeSetup = parseWorktreeSetup(get, ctx);
  const notify = parseNotify(get('notify'), ctx);
  const pr = parsePrConfig(get('pr'), ctx);
  const cluster = parseClusterConfig(get('cluster'), ctx, env);
  const grace = settings['interruptGraceSeconds'];
  if (cluster !== null && typeof grace === 'number' && grace > cluster.leaseSeconds / 4)
    // A holder that lost the remote stops its agent a quarter lease before the lease ends.
    ctx.errors.push(
      problemAt(
        ctx,
        ['cluster', 'leaseSeconds'],
        `cluster.leaseSeconds must be at least 4 × interruptGraceSeconds (${grace} s), so an agent is stopped before another host may start the task; found ${cluster.leaseSeconds}`,
      ),
    );
  return {
    config: {
      ...(settings as Omit<Config, NotASetting>),
      agents,
      worktreesDir,
      hooks,
      ...worktreeSetup,
      notify,
      pr,
      cluster,
    },
    warnings: ctx.warnings.map(formatProblem),
    errors: ctx.errors,
  };
}

function applyEnv(
  settings: Record<string, unknown>,
  env: Record<string, string | undefined>,
  ctx: ConfigContext,
  warn: (message: string) => void,
): void {
  for (const { key, vars } of ENV_OVERRIDES) {
    // An empty variable (`BATON_X=`) counts as unset, as shells make that easy to do by accident.
    const [name, value] =
      vars.map((n) => [n, env[n]?.trim()] as const).find(([, v]) => v !== undefined && v !== '') ?? [];
    if (name === undefined || value === undefined) continue;
    const alias = env[vars[1]]?.trim();
    if (name === vars[0] && alias !== undefined && alias !== '' && alias !== value) {
      warn(`${vars[0]}=${value} wins over ${vars[1]}=${alias}`);
    }
    const rule = RULES[key];
    // Number() would also take "0x10", "1e3" and "" : only plain decimals are accepted.
    const n = /^(?:\d+(?:\.\d+)?|\.\d+)$/.test(value) ? Number(value) : undefined;
    const accepted = n === undefined ? undefined : rule.accept(n);
    if (accepted === undefined) {
      ctx.errors.push({
        file: 'environment',
        message: `${name} must be ${rule.expected}, found ${describeValue(value)}`,
      });
    } else {
      settings[key] = accepted;
    }
  }
}

function resolveWorktreesDir(
  v: unknown,
  repoRoot: string,
  env: Record<string, string | undefined>,
  ctx: ConfigContext,
): string {
  let dir = DEFAULT_WORKTREES_DIR;
  if (v !== null) {
    if (typeof v === 'string' && v.trim() !== '') dir = v;
    else {
      ctx.errors.push(
        problemAt(
          ctx,
          ['worktreesDir'],
          `worktreesDir must be a folder path (relative to the repository root), found ${describeValue(v)}`,
        ),
      );
    }
  }
  dir = dir.replaceAll('<repo-name>', path.basename(repoRoot));
  // `~/x` would otherwise become <repo>/~/x, which nobody means.
  const home = env['HOME'];
  if (home && (dir === '~' || dir.startsWith('~/'))) dir = path.join(home, dir.slice(1));
  return path.resolve(repoRoot, dir);
}

function isBranchPrefix(s: string): boolean {
  // A cut-down `git check-ref-format`: enough to turn typos into a clear error here instead of a
  // git failure at the first dispatch.
  return (
    s !== '' &&
    !s.startsWith('-') &&
    !s.startsWith('/') &&
    !s.includes('..') &&
    !s.includes('//') &&
    !s.includes('@{') &&
    // eslint-disable-next-line no-control-regex
    !/[\s\u0000-\u001f\u007f~^:?*[\\]/.test(s)
  );
}
