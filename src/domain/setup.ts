/**
 * A task worktree's setup, teardown and port block (docs/reference.md, "Configuration"): the
 * shapes, and the one parser both baton.yaml and a task's front matter use. Pure.
 *
 *   setup:    { copy: [glob, …], run: [command, …], timeoutSeconds: 600 }
 *   teardown: { run: [command, …], timeoutSeconds: 120 }
 *   ports:    { base: 20000, count: 10 }
 *
 * A command is said one of two ways, so that nobody wonders whether a shell is involved:
 * an argv list (`[npm, ci]`, run as it is, no shell) or `{sh: "npm ci && make"}` (run by
 * `sh -c`). A bare string is refused with both spellings in the message.
 */
import { describeValue, isRecord } from './yaml.js';

/** One setup or teardown command. */
export type SetupCommand = { argv: string[] } | { sh: string };

/** The `setup:` section. */
export interface SetupConfig {
  /** Globs relative to the repository root, copied from the main worktree. */
  copy: string[];
  run: SetupCommand[];
  /** Each command's limit; it is killed with its process group after this long. */
  timeoutSeconds: number;
}

/** The `teardown:` section. */
export interface TeardownConfig {
  run: SetupCommand[];
  timeoutSeconds: number;
}

/** The `ports:` section: where port blocks start and how many ports a task gets. */
export interface PortsConfig {
  base: number;
  count: number;
}

/** The three sections together, as a task sees them after its front matter is laid over baton.yaml's. */
export interface WorktreeSetup {
  setup: SetupConfig;
  teardown: TeardownConfig;
  ports: PortsConfig;
}

/** What a task's front matter (or baton.yaml) said, key by key; absent keys are inherited. */
export interface SetupOverrides {
  setup?: Partial<SetupConfig>;
  teardown?: Partial<TeardownConfig>;
  ports?: Partial<PortsConfig>;
}

/** The sections' defaults. A fresh object per call. */
export function defaultWorktreeSetup(): WorktreeSetup {
  return {
    setup: { copy: [], run: [], timeoutSeconds: 600 },
    teardown: { run: [], timeoutSeconds: 120 },
    ports: { base: 20000, count: 10 },
  };
}

/** The top-level keys this module parses. */
export const SETUP_KEYS = ['setup', 'teardown', 'ports'] as const;

/** A problem found at `path` (the keys leading to it, e.g. `['setup', 'run', '0']`). */
export interface SetupProblem {
  path: string[];
  message: string;
  /** A warning (an unknown key), not an error. */
  warning?: boolean;
}

const SECTION_KEYS: Record<(typeof SETUP_KEYS)[number], readonly string[]> = {
  setup: ['copy', 'run', 'timeoutSeconds'],
  teardown: ['run', 'timeoutSeconds'],
  ports: ['base', 'count'],
};

/**
 * Parses the values of `setup`, `teardown` and `ports` (`get(key)` is null when the key is
 * absent or written with no value) into overrides, adding every problem found to `problems`.
 */
export function parseSetupSections(get: (key: string) => unknown, problems: SetupProblem[]): SetupOverrides {
  const out: SetupOverrides = {};
  for (const section of SETUP_KEYS) {
    const v = get(section);
    if (v === null || v === undefined) continue;
    if (!isRecord(v)) {
      problems.push({
        path: [section],
        message: `${section} must be a mapping (${example(section)}), found ${describeValue(v)}`,
      });
      continue;
    }
    const parsed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(v)) {
      const at = [section, key];
      if (!SECTION_KEYS[section].includes(key)) {
        problems.push({
          path: at,
          message: `unknown setting "${section}.${key}" is ignored; known: ${SECTION_KEYS[section].join(', ')}`,
          warning: true,
        });
        continue;
      }
      if (value === null) continue;
      const accepted = parseField(section, key, value, at, problems);
      if (accepted !== undefined) parsed[key] = accepted;
    }
    out[section] = parsed;
  }
  return out;
}

function parseField(
  section: string,
  key: string,
  value: unknown,
  at: string[],
  problems: SetupProblem[],
): unknown {
  const name = `${section}.${key}`;
  switch (key) {
    case 'copy':
      return parseCopy(value, at, problems);
    case 'run':
      return parseCommands(name, value, at, problems);
    case 'timeoutSeconds':
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
      problems.push({
        path: at,
        message: `${name} must be a number of seconds greater than 0, found ${describeValue(value)}`,
      });
      return undefined;
    default: {
      // ports.base / ports.count
      const max = key === 'count' ? 1000 : 65535;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max)
        return value;
      problems.push({
        path: at,
        message: `${name} must be a whole number from 1 to ${max}, found ${describeValue(value)}`,
      });
      return undefined;
    }
  }
}

function parseCopy(value: unknown, at: string[], problems: SetupProblem[]): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const [i, p] of list.entries()) {
    const where = Array.isArray(value) ? [...at, String(i)] : at;
    const bad = typeof p !== 'string' ? 'a path or glob' : copyPatternProblem(p);
    if (bad === null) out.push(p as string);
    else
      problems.push({
        path: where,
        message: `setup.copy entries must be ${bad} relative to the repository root (like ".env" or "config/*.local.json"), found ${describeValue(p)}`,
      });
  }
  return out;
}

/** Why a copy pattern is unusable ('a path …'), or null when it is fine. */
export function copyPatternProblem(p: string): string | null {
  if (p.trim() === '') return 'a non-empty path';
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p)) return 'a relative path, not an absolute one,';
  if (p.split(/[\\/]/).includes('..')) return 'a path inside the repository (no "..")';
  return null;
}

function parseCommands(
  name: string,
  value: unknown,
  at: string[],
  problems: SetupProblem[],
): SetupCommand[] | undefined {
  if (!Array.isArray(value)) {
    problems.push({
      path: at,
      message: `${name} must be a list of commands (like "- [npm, ci]" or "- sh: make setup"), found ${describeValue(value)}`,
    });
    return undefined;
  }
  const out: SetupCommand[] = [];
  for (const [i, c] of value.entries()) {
    const cmd = parseCommand(c);
    if (cmd !== null) out.push(cmd);
    else
      problems.push({
        path: [...at, String(i)],
        message: `${name} entries must be an argv list like [npm, ci] (run without a shell) or {sh: "npm ci && make"} (run by sh -c), found ${describeValue(c)}`,
      });
  }
  return out;
}

function parseCommand(c: unknown): SetupCommand | null {
  if (Array.isArray(c)) {
    const argv = c.map((x) => (typeof x === 'number' ? String(x) : x));
    return argv.length > 0 && argv.every((x) => typeof x === 'string') && argv[0] !== ''
      ? { argv: argv as string[] }
      : null;
  }
  if (typeof c === 'object' && c !== null) {
    const keys = Object.keys(c);
    const sh = (c as Record<string, unknown>)['sh'];
    return keys.length === 1 && typeof sh === 'string' && sh.trim() !== '' ? { sh } : null;
  }
  return null;
}

/** `over`'s keys laid on `base`, section by section and key by key. */
export function applySetupOverrides(base: WorktreeSetup, over: SetupOverrides): WorktreeSetup {
  return {
    setup: { ...base.setup, ...over.setup },
    teardown: { ...base.teardown, ...over.teardown },
    ports: { ...base.ports, ...over.ports },
  };
}

/** A command as a person reads it in messages and the log: `npm ci`, or `sh -c "npm ci && make"`. */
export function commandWords(c: SetupCommand): string {
  if ('sh' in c) return `sh -c ${JSON.stringify(c.sh)}`;
  return c.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** The program and arguments that run `c`. */
export function commandArgv(c: SetupCommand): [string, string[]] {
  if ('sh' in c) return ['sh', ['-c', c.sh]];
  return [c.argv[0] ?? '', c.argv.slice(1)];
}

function example(section: string): string {
  switch (section) {
    case 'setup':
      return 'like "copy: [.env]" and "run: [[npm, ci]]"';
    case 'teardown':
      return 'like "run: [[docker, compose, down]]"';
    default:
      return 'like "base: 20000" and "count: 10"';
  }
}
