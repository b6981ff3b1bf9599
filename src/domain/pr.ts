/**
 * Pull requests (docs/design.md, "Pull requests"): what the forge's CLI prints, read into plain
 * shapes. Pure: running `gh` is ops/forge.ts; what a failed call means is domain/forge.ts.
 *
 * The shapes are GitHub CLI's (`gh pr view --json ...`, `gh pr list --json ...`, `gh api
 * repos/{owner}/{repo}/pulls/<n>/comments`), recorded in test/fixtures/samples/ with where each
 * came from. A reader never trusts them: a field missing or of another type is read as absent,
 * and only output that is not JSON at all (or has no `state`) is an error.
 */
import type { Result } from './errors.js';

/** A pull request's state as GitHub names it. */
export type PrState = 'OPEN' | 'MERGED' | 'CLOSED';

/**
 * How much slower a PR closed without being merged is polled than an open one: it may be
 * reopened, and then its loop resumes (`pr_reopened`); one `pr.view` per ten poll periods is
 * cheap. A merged PR is final and never polled.
 */
export const CLOSED_POLL_FACTOR = 10;

/** Seconds between polls of a PR in `state` (null: never polled). */
export function pollEverySeconds(state: PrState | null, pollSeconds: number): number | null {
  if (state === 'OPEN') return pollSeconds;
  if (state === 'CLOSED') return pollSeconds * CLOSED_POLL_FACTOR;
  return null;
}

/** One check on the PR's head commit: a CheckRun (GitHub Actions and apps) or a StatusContext. */
export interface PrCheck {
  name: string;
  workflow: string | null;
  /** SUCCESS, FAILURE, ... (a StatusContext's `state`); null while it runs. */
  conclusion: string | null;
  url: string | null;
  /** The Actions run and job in `detailsUrl` (`.../actions/runs/<run>/job/<job>`), when it is one. */
  runId: string | null;
  jobId: string | null;
  failing: boolean;
}

/** Something a person wrote on the PR: a review, an inline review comment, or a PR comment. */
export interface PrComment {
  /** `review:<id>`, `inline:<id>`, `comment:<id>`: the key a reaction is recorded under. */
  key: string;
  kind: 'review' | 'inline' | 'comment';
  author: string | null;
  body: string;
  /** The file and line an inline comment is on. */
  path: string | null;
  line: number | null;
  /** A review's state: CHANGES_REQUESTED, COMMENTED, APPROVED, ... */
  state: string | null;
  /** The author's association with the repository (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...); null when not said. */
  association: string | null;
}

/** Associations whose words reach the agent: people with a say in the repository. */
const TRUSTED = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/**
 * True when what `c` says may be sent to the agent: its author owns, is a member of or
 * collaborates on the repository (or the forge does not say). On a public repository anyone can
 * comment, and a comment sent on would be a prompt from a stranger.
 */
export function isTrusted(c: PrComment): boolean {
  return c.association === null || TRUSTED.has(c.association);
}

/** What `gh pr view --json state,headRefOid,...` says of a PR. */
export interface PrView {
  state: PrState;
  head: string | null;
  mergeStateStatus: string | null;
  reviewDecision: string | null;
  checks: PrCheck[];
  /** Reviews and PR comments a person should see (not the viewer's own comments, not hidden ones). */
  feedback: PrComment[];
}

/** A PR `gh pr list --json number,url,state` lists. */
export interface PrListed {
  number: number;
  url: string;
  state: string;
}

/** Conclusions of a check that failed (CANCELLED is left out: a newer push cancels runs). */
const FAILING = new Set(['FAILURE', 'TIMED_OUT', 'STARTUP_FAILURE', 'ACTION_REQUIRED', 'ERROR']);

/** Reads `gh pr view --json ...` output. */
export function parsePrView(text: string): Result<PrView, string> {
  const o = parseJson(text);
  if (!isObject(o)) return { ok: false, error: 'its output is not a JSON object' };
  const state = str(o['state']);
  if (state !== 'OPEN' && state !== 'MERGED' && state !== 'CLOSED')
    return { ok: false, error: `its output has no PR state (found ${JSON.stringify(o['state'] ?? null)})` };
  const checks = arr(o['statusCheckRollup']).flatMap((c) => (isObject(c) ? [readCheck(c)] : []));
  const reviews = arr(o['reviews']).flatMap((r) => (isObject(r) ? readReview(r) : []));
  const comments = arr(o['comments']).flatMap((c) => (isObject(c) ? readComment(c) : []));
  return {
    ok: true,
    value: {
      state,
      head: str(o['headRefOid']),
      mergeStateStatus: str(o['mergeStateStatus']),
      reviewDecision: str(o['reviewDecision']),
      checks,
      feedback: [...reviews, ...comments],
    },
  };
}

function readCheck(c: Record<string, unknown>): PrCheck {
  const isRun = c['__typename'] !== 'StatusContext';
  const name = str(isRun ? c['name'] : c['context']) ?? '(unnamed check)';
  const conclusion = str(isRun ? c['conclusion'] : c['state']);
  const url = str(isRun ? c['detailsUrl'] : c['targetUrl']);
  const m = url === null ? null : /\/actions\/runs\/(\d+)(?:\/job\/(\d+))?/.exec(url);
  return {
    name,
    workflow: str(c['workflowName']),
    conclusion: conclusion === '' ? null : conclusion,
    url,
    runId: m?.[1] ?? null,
    jobId: m?.[2] ?? null,
    failing: conclusion !== null && FAILING.has(conclusion),
  };
}

function readReview(r: Record<string, unknown>): PrComment[] {
  const id = str(r['id']);
  const state = str(r['state']);
  const body = str(r['body'])?.trim() ?? '';
  // A review says something when it asks for changes or has a body; an approval without words,
  // or a review that only carries inline comments (read from the API), adds nothing here.
  if (id === null || state === 'PENDING' || (state !== 'CHANGES_REQUESTED' && body === '')) return [];
  const association = str(r['authorAssociation']);
  return [
    {
      key: `review:${id}`,
      kind: 'review',
      author: login(r),
      body,
      path: null,
      line: null,
      state,
      association,
    },
  ];
}

function readComment(c: Record<string, unknown>): PrComment[] {
  const id = str(c['id']);
  const body = str(c['body'])?.trim() ?? '';
  // The viewer's own comments are what baton (or its agent) said; hidden ones were hidden.
  if (id === null || body === '' || c['viewerDidAuthor'] === true || c['isMinimized'] === true) return [];
  return [
    {
      key: `comment:${id}`,
      kind: 'comment',
      author: login(c),
      body,
      path: null,
      line: null,
      state: null,
      association: str(c['authorAssociation']),
    },
  ];
}

/**
 * Reads `gh api repos/{owner}/{repo}/pulls/<n>/comments` (REST: one array, or with `--paginate`
 * one array per page, printed one after the other) into inline comments.
 */
export function parseInlineComments(text: string): Result<PrComment[], string> {
  const pages = parseJsonSequence(text);
  if (pages === null) return { ok: false, error: 'its output is not JSON' };
  const out: PrComment[] = [];
  for (const page of pages) {
    for (const c of arr(page)) {
      if (!isObject(c)) continue;
      const id = c['id'];
      const body = str(c['body'])?.trim() ?? '';
      if ((typeof id !== 'number' && typeof id !== 'string') || body === '') continue;
      const user = c['user'];
      const line = num(c['line']) ?? num(c['original_line']);
      out.push({
        key: `inline:${String(id)}`,
        kind: 'inline',
        author: isObject(user) ? str(user['login']) : null,
        body,
        path: str(c['path']),
        line,
        state: null,
        association: str(c['author_association']),
      });
    }
  }
  return { ok: true, value: out };
}

/** Reads `gh pr list --json number,url,state` output. */
export function parsePrList(text: string): Result<PrListed[], string> {
  const o = parseJson(text);
  if (!Array.isArray(o)) return { ok: false, error: 'its output is not a JSON list' };
  return {
    ok: true,
    value: o.flatMap((p) => {
      if (!isObject(p)) return [];
      const number = num(p['number']);
      const url = str(p['url']);
      return number === null || url === null ? [] : [{ number, url, state: str(p['state']) ?? 'OPEN' }];
    }),
  };
}

/** The PR `gh pr create` printed (its URL, last on stdout), or null. */
export function parseCreated(stdout: string): { number: number; url: string } | null {
  const urls = [...stdout.matchAll(/https?:\/\/\S+\/pull\/(\d+)\b/g)];
  const last = urls[urls.length - 1];
  return last?.[1] === undefined ? null : { number: Number(last[1]), url: last[0] };
}

function login(o: Record<string, unknown>): string | null {
  const a = o['author'];
  return isObject(a) ? str(a['login']) : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses one JSON value, or several printed one after the other (`[...][...]`); null if not JSON. */
function parseJsonSequence(text: string): unknown[] | null {
  const whole = parseJson(text);
  if (whole !== undefined) return [whole];
  const parts = text.trim().split(/(?<=\])\s*(?=\[)/);
  const out: unknown[] = [];
  for (const p of parts) {
    const v = parseJson(p);
    if (v === undefined) return null;
    out.push(v);
  }
  return out.length > 0 ? out : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
