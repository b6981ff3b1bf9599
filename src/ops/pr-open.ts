/**
 * `baton pr <slug>` (and `pr.openOnIdle`): push the task branch to `pr.remote` and open its pull
 * request, or adopt the open one the branch already has; record it in
 * `dispatch-<slug>.pr.json` and history (`pr_opened`, then a notification). When the forge is
 * not there — no remote, a push refused, its CLI missing, logged out or rate-limited — it throws
 * FORGE_UNAVAILABLE with one sentence and what to do; nothing about the task changes.
 */
import { BatonError } from '../domain/errors.js';
import type { ForgeProblemKind } from '../domain/forge.js';
import { parseCreated, parsePrList } from '../domain/pr.js';
import { summarisePrompt } from '../domain/pr-react.js';
import { branchExists } from '../git/refs.js';
import { listRemotes, pushBranch } from '../git/push.js';
import { notify } from '../notify/notify.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { readPr, writePr, type PrRecord } from '../store/pr.js';
import { mergeTargetOf } from './dependencies.js';
import { forgeProblem, runForge, type ForgeResult } from './forge.js';
import { loadTask, taskWorktree, type Repo } from './repo.js';

/** What `baton pr` did. */
export interface PrOpenResult {
  slug: string;
  number: number;
  url: string;
  branch: string;
  base: string;
  remote: string;
  /** An open PR of the branch was taken up rather than a new one created. */
  adopted: boolean;
  /** It was already this task's recorded PR (nothing new was recorded). */
  known: boolean;
}

/** Pushes the task's branch and opens (or adopts) its PR; `by` names who asked. */
export async function openPr(repo: Repo, slug: string, by: 'cli' | 'idle' = 'cli'): Promise<PrOpenResult> {
  const task = await loadTask(repo, slug);
  const { branch } = taskWorktree(repo.config, slug);
  const { remote } = repo.config.pr;
  if (!(await branchExists(repo.info.root, branch))) {
    throw new BatonError(
      'TASK_NOT_DISPATCHABLE',
      `Task ${slug} has no branch ${branch} yet, so there is nothing to open a pull request from.`,
      {
        hint: `Run it first (\`baton dispatch ${slug}\`), then \`baton pr ${slug}\` once it has committed.`,
      },
    );
  }
  // Where the work is finally merged: for `base: after`, the dependency's own base (followed),
  // never the word "after"; with no base:, the main worktree's branch.
  const base = await mergeTargetOf(repo, task);
  if (base === null) {
    throw new BatonError(
      'TASK_NOT_DISPATCHABLE',
      `Task ${slug} names no base branch and the main worktree is on a detached HEAD.`,
      {
        hint: `Set \`base:\` in tasks/${slug}.md, or check out the branch the pull request should go into.`,
      },
    );
  }
  if (!(await listRemotes(repo.info.root)).includes(remote)) fail(forgeProblem(repo, 'no_remote', ''));
  // The forge is asked first: missing, logged out or rate-limited, it fails before anything is pushed.
  const vars = { branch, base, remote, slug, title: task.title ?? slug, body: prBody(slug, task.body) };
  const found = await runForge(repo, repo.config.pr.find, vars);
  if (!found.ok) fail(found);
  const listed = parsePrList(found.stdout);
  if (!listed.ok) fail(forgeProblem(repo, 'failed', `${repo.config.pr.find[0] ?? 'gh'}: ${listed.error}`));
  const pushed = await pushBranch(repo.info.root, remote, branch);
  if (!pushed.ok) fail(forgeProblem(repo, 'push_refused', pushed.said, 'git push'));
  const open = listed.value.find((p) => p.state.toUpperCase() === 'OPEN');
  let pr: { number: number; url: string };
  let adopted = false;
  if (open !== undefined) {
    pr = open;
    adopted = true;
  } else {
    const created = await runForge(repo, repo.config.pr.create, vars);
    if (!created.ok) fail(created);
    const parsed = parseCreated(created.stdout);
    if (parsed === null) fail(forgeProblem(repo, 'failed', 'it printed no pull request URL'));
    pr = parsed;
  }

  const before = await readPr(repo.paths, slug);
  const known = before?.number === pr.number && before.state === 'OPEN';
  const now = new Date().toISOString();
  const record: PrRecord = {
    slug,
    number: pr.number,
    url: pr.url,
    branch,
    base,
    remote,
    state: 'OPEN',
    openedAt: known ? (before.openedAt ?? now) : now,
    adopted: known ? before.adopted : adopted,
    head: known ? before.head : null,
    mergeStateStatus: known ? before.mergeStateStatus : null,
    reviewDecision: known ? before.reviewDecision : null,
    failingChecks: known ? before.failingChecks : [],
    checkedAt: known ? before.checkedAt : null,
    nextPollAt: now, // the watcher looks at it at its next poll
    problem: null,
    doneRecorded: false,
    removeRefused: null,
  };
  if (!known) {
    const recorded = await appendHistory(taskPaths(repo.paths, slug).historyFile, 'pr_opened', null, {
      number: pr.number,
      url: pr.url,
      branch,
      base,
      remote,
      adopted,
      by,
    });
    await writePr(repo.paths, record);
    notify(repo, {
      event: 'pr_opened',
      slug,
      ts: recorded.ts,
      by: 'pr',
      branch,
      detail: `pull request #${pr.number} ${adopted ? 'adopted' : 'opened'}: ${pr.url}`,
      url: pr.url,
      number: pr.number,
    });
  } else {
    await writePr(repo.paths, record);
  }
  return { slug, number: pr.number, url: pr.url, branch, base, remote, adopted, known };
}

/** The PR's body: the task prompt's first paragraph, and where it came from. */
function prBody(slug: string, prompt: string): string {
  return `${summarisePrompt(prompt)}\n\n(Opened by baton from tasks/${slug}.md.)`;
}

function fail(r: Extract<ForgeResult, { ok: false }>): never {
  // The kind rides along as the cause, for the watcher's openOnIdle to record (pr-idle.ts).
  throw new BatonError('FORGE_UNAVAILABLE', r.message, { hint: r.hint, cause: { kind: r.kind } });
}

/** The forge problem's kind a FORGE_UNAVAILABLE error carries, else `failed`. */
export function forgeKindOf(err: BatonError): ForgeProblemKind {
  const kind = (err.cause as { kind?: unknown } | undefined)?.kind;
  return typeof kind === 'string' && err.code === 'FORGE_UNAVAILABLE' ? (kind as ForgeProblemKind) : 'failed';
}
