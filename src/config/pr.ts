/**
 * The `pr:` section of baton.yaml: how `baton pr` pushes and opens a pull request, and how the
 * watcher polls it (docs/reference.md, "Configuration"). Pure. Commands are argv templates run
 * without a shell, with placeholders `{branch} {base} {title} {body} {number} {url} {runId}
 * {jobId} {check} {remote} {slug}`; anything else in braces (gh's own `{owner}/{repo}`) is left.
 */
import { describeValue } from '../domain/yaml.js';
import { problemAt, type ConfigContext } from './agents.js';
import { isRemoteName, sectionEntries } from './section.js';

/** The normalised `pr:` section. */
export interface PrConfig {
  /** The remote the task branch is pushed to and the PR opened on. */
  remote: string;
  /** Opens the PR; prints its URL (`gh pr create`). */
  create: string[];
  /** Lists open PRs of the branch as JSON (`gh pr list --head`): one found is adopted. */
  find: string[];
  /** The PR's state, head, checks, reviews and comments as JSON (`gh pr view --json`). */
  view: string[];
  /** The PR's inline review comments as JSON (`gh api .../pulls/<n>/comments`); null: none read. */
  comments: string[] | null;
  /** The failing steps' log of a check's Actions run (`gh run view --log-failed`); null: none. */
  logs: string[] | null;
  pollSeconds: number;
  /** Lines of a failing check's log a follow-up carries (its last ones). */
  logLines: number;
  /** Seconds one forge command may take before it is stopped. */
  timeoutSeconds: number;
  /** Open the PR by itself when a run ends idle with commits ahead of the base. */
  openOnIdle: boolean;
  /** Remove the worktree (by `baton remove`'s safe rules) once the PR is merged. */
  removeOnMerge: boolean;
}

const VIEW_FIELDS = 'state,headRefOid,mergeStateStatus,statusCheckRollup,reviews,comments,reviewDecision';

/** The `pr:` settings when baton.yaml says nothing: the GitHub CLI. A fresh object per call. */
export function defaultPrConfig(): PrConfig {
  return {
    remote: 'origin',
    create: [
      'gh',
      'pr',
      'create',
      '--head',
      '{branch}',
      '--base',
      '{base}',
      '--title',
      '{title}',
      '--body',
      '{body}',
    ],
    find: ['gh', 'pr', 'list', '--head', '{branch}', '--state', 'open', '--json', 'number,url,state'],
    view: ['gh', 'pr', 'view', '{number}', '--json', VIEW_FIELDS],
    comments: ['gh', 'api', '--paginate', 'repos/{owner}/{repo}/pulls/{number}/comments'],
    logs: ['gh', 'run', 'view', '{runId}', '--log-failed'],
    pollSeconds: 60,
    logLines: 80,
    timeoutSeconds: 30,
    openOnIdle: false,
    removeOnMerge: false,
  };
}

const COMMANDS = ['create', 'find', 'view', 'comments', 'logs'] as const;
const NUMBERS = ['pollSeconds', 'logLines', 'timeoutSeconds'] as const;
const FLAGS = ['openOnIdle', 'removeOnMerge'] as const;
const KEYS: readonly string[] = ['remote', ...COMMANDS, ...NUMBERS, ...FLAGS];

/** Parses `pr:` (null: not set). A bad value is an error and keeps the default; an unknown key is a warning. */
export function parsePrConfig(v: unknown, ctx: ConfigContext): PrConfig {
  const out = defaultPrConfig();
  if (v === null) return out;
  const entries = sectionEntries(v, ctx, ['pr'], 'pollSeconds: 60', KEYS);
  if (entries === null) return out;
  const error = (key: string, message: string): void =>
    void ctx.errors.push(problemAt(ctx, ['pr', key], message));
  for (const [key, value] of entries) {
    if (value === null) continue;
    if (key === 'remote') {
      if (isRemoteName(value)) out.remote = value;
      else
        error(key, `pr.remote must be the name of a git remote (like origin), found ${describeValue(value)}`);
    } else if ((COMMANDS as readonly string[]).includes(key)) {
      const k = key as (typeof COMMANDS)[number];
      if (value === false && (k === 'comments' || k === 'logs')) out[k] = null;
      else if (
        Array.isArray(value) &&
        value.length > 0 &&
        value.every((a) => typeof a === 'string' || typeof a === 'number') &&
        String(value[0]) !== ''
      )
        out[k] = value.map(String);
      else
        error(
          key,
          `pr.${key} must be a non-empty argv list (like [gh, pr, view, "{number}", --json, state])${k === 'comments' || k === 'logs' ? ' or false' : ''}, found ${describeValue(value)}`,
        );
    } else if ((NUMBERS as readonly string[]).includes(key)) {
      const k = key as (typeof NUMBERS)[number];
      const whole = k === 'logLines';
      if (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        value > 0 &&
        (!whole || Number.isSafeInteger(value))
      )
        out[k] = value;
      else
        error(
          key,
          `pr.${key} must be ${whole ? 'a whole number of at least 1' : 'a number of seconds greater than 0'}, found ${describeValue(value)}`,
        );
    } else {
      const k = key as (typeof FLAGS)[number];
      if (typeof value === 'boolean') out[k] = value;
      else error(key, `pr.${key} must be true or false, found ${describeValue(value)}`);
    }
  }
  return out;
}
