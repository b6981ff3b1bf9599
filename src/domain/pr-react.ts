/**
 * What baton does about what a PR poll saw (docs/design.md, "Pull requests"), and the words it
 * sends the agent. Pure. Every reaction has keys — `check:<head>:<job>` for a failing check on a
 * head commit, `review:<id>`, `inline:<id>`, `comment:<id>` for what a person wrote — and history
 * records the keys it reacted to (`pr_checks_failed`, `pr_review`), so a restart, a missed poll or
 * a poll seen twice never reacts twice.
 */
import { isTrusted, type PrCheck, type PrComment, type PrView } from './pr.js';

/** The key a failing check on `head` is reacted to under: its Actions job, else its run, else its name. */
export function checkKey(head: string | null, c: PrCheck): string {
  return `check:${head ?? '-'}:${c.jobId ?? c.runId ?? c.name}`;
}

/** What is new since the reactions recorded in `done`. */
export interface ReactionPlan {
  /** Failing checks on the current head not reacted to yet, each with its key. */
  checks: { check: PrCheck; key: string }[];
  /** Reviews and comments not reacted to yet, from people with a say in the repository (`isTrusted`). */
  feedback: PrComment[];
}

/** Plans the reactions to a poll of an open PR: `inline` are its inline review comments. */
export function planReactions(
  view: PrView,
  inline: readonly PrComment[],
  done: ReadonlySet<string>,
): ReactionPlan {
  const checks = view.checks
    .filter((c) => c.failing)
    .map((check) => ({ check, key: checkKey(view.head, check) }))
    .filter(({ key }) => !done.has(key));
  const seen = new Set<string>();
  const feedback = [...view.feedback, ...inline].filter((c) => {
    if (done.has(c.key) || seen.has(c.key) || !isTrusted(c)) return false;
    seen.add(c.key);
    return true;
  });
  return { checks, feedback };
}

/** A failing check with its log excerpt (or why there is none). */
export interface FailedCheck {
  check: PrCheck;
  log: string | null;
  /** Why no log came: not an Actions run, or the logs command failed. */
  noLog: string | null;
}

/** The follow-up that tells the agent which checks failed, with their logs. */
export function checksFollowupText(
  pr: { number: number; url: string },
  head: string | null,
  failed: readonly FailedCheck[],
): string {
  const names = failed.map((f) => f.check.name);
  const lines = [
    `CI failed on pull request #${pr.number} (${pr.url}) at commit ${short(head)}: ${names.join(', ')}.`,
    'Find the cause, fix it, run the tests, and commit; the pull request is updated when you commit.',
  ];
  for (const f of failed) {
    const what = f.check.workflow ? `${f.check.workflow} / ${f.check.name}` : f.check.name;
    lines.push('', `## ${what} (${(f.check.conclusion ?? 'failed').toLowerCase()})`);
    if (f.check.url) lines.push(f.check.url);
    if (f.log !== null && f.log.trim() !== '')
      lines.push('', "The failing step's log, last lines:", '```', f.log, '```');
    else lines.push('', `No log excerpt: ${f.noLog ?? 'the log was empty'}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The follow-up that passes on what reviewers wrote: each comment's file, line and text. */
export function feedbackFollowupText(
  pr: { number: number; url: string },
  items: readonly PrComment[],
  reviewDecision: string | null,
): string {
  const changes =
    reviewDecision === 'CHANGES_REQUESTED' || items.some((i) => i.state === 'CHANGES_REQUESTED');
  const lines = [
    changes
      ? `A reviewer requested changes on pull request #${pr.number} (${pr.url}).`
      : `New review comments on pull request #${pr.number} (${pr.url}).`,
    'Address each one below (or explain in your summary why not), run the tests, and commit.',
  ];
  for (const c of items) {
    const by = c.author ? ` by ${c.author}` : '';
    const where =
      c.kind === 'inline'
        ? `${c.path ?? '(a file)'}${c.line === null ? '' : `:${c.line}`}`
        : c.kind === 'review'
          ? `review${c.state === 'CHANGES_REQUESTED' ? ' (changes requested)' : ''}`
          : 'comment';
    lines.push('', `- ${where}${by}:`, ...c.body.split('\n').map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The last `maxLines` lines of a `gh run view --log-failed` output that belong to job `job`
 * (lines are `<job>\t<step>\t<timestamp> <text>`; all of them when none names it), as
 * `<step> | <text>`.
 */
export function trimLog(text: string, maxLines: number, job: string | null): string {
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const parsed = rows.map((l) => {
    const [j, step, ...rest] = l.split('\t');
    if (rest.length === 0) return { job: null, line: l };
    const body = rest.join('\t').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z ?/, '');
    return { job: j ?? null, line: `${step ?? ''} | ${body}` };
  });
  const mine = job === null ? [] : parsed.filter((p) => p.job === job);
  const chosen = mine.length > 0 ? mine : parsed;
  return chosen
    .slice(-Math.max(1, maxLines))
    .map((p) => p.line)
    .join('\n');
}

/** The placeholders a `pr` command argv may hold; anything else in braces (gh's `{owner}`) is left. */
export const PR_PLACEHOLDERS = [
  'branch',
  'base',
  'title',
  'body',
  'number',
  'url',
  'runId',
  'jobId',
  'check',
  'remote',
  'slug',
] as const;

/** `argv` with `{branch}`, `{number}`, ... filled in from `vars` (missing ones become ''). */
export function fillArgv(
  argv: readonly string[],
  vars: Partial<Record<(typeof PR_PLACEHOLDERS)[number], string>>,
): string[] {
  const re = new RegExp(`\\{(${PR_PLACEHOLDERS.join('|')})\\}`, 'g');
  return argv.map((a) => a.replace(re, (_, name: string) => vars[name as keyof typeof vars] ?? ''));
}

/**
 * The follow-up drop's label for a reaction to `keys`: the same keys give the same name, so a
 * reaction re-sent after a crash is recognised as the one already recorded.
 */
export function reactionLabel(keys: readonly string[]): string {
  return `pr-${hash([...keys].sort().join('\n'))}`;
}

/** A task prompt shortened for a PR body: its first paragraph, at most `max` characters. */
export function summarisePrompt(body: string, max = 600): string {
  const text = body.trim();
  const first = text.split(/\n\s*\n/)[0] ?? text;
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

function short(sha: string | null): string {
  return sha === null ? '(unknown)' : sha.slice(0, 12);
}

/** 16 hex digits of two FNV-1a passes (no crypto needed: names, not secrets). */
function hash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
