/**
 * One poll of the tasks' pull requests (docs/design.md, "Pull requests"), run by the watcher
 * beside its heartbeat (watch/pr-poller.ts) and by `watch --once`. Each open PR whose
 * `nextPollAt` has come is viewed through `pr.view` (and `pr.comments`, `pr.logs`); what is new is
 * sent to the task as one follow-up per kind (ops/pr-react.ts); a merged PR makes the task done
 * (pr-merged.ts); a closed one is recorded and then polled ten times more slowly (domain/pr.ts
 * `CLOSED_POLL_FACTOR`), so a reopen is seen (`pr_reopened`) and the loop resumes; a merged one is
 * never polled again. A forge that cannot be reached is recorded on the PR
 * record once, with a doubling backoff, and said in the watch log only when it starts, changes
 * or ends; nothing about the task changes. A rate limit ends the whole poll: the rest waits.
 */
import { existsSync } from 'node:fs';
import { backoffSeconds } from '../domain/forge.js';
import { parseInlineComments, parsePrView, pollEverySeconds, type PrView } from '../domain/pr.js';
import {
  checksFollowupText,
  feedbackFollowupText,
  planReactions,
  trimLog,
  type FailedCheck,
} from '../domain/pr-react.js';
import { notify } from '../notify/notify.js';
import { appendHistory, readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { readPr, slugsWithPr, writePr, type PrRecord } from '../store/pr.js';
import { forgeProblem, runForge, type ForgeResult } from './forge.js';
import { finishMerged } from './pr-merged.js';
import { openOnIdle } from './pr-idle.js';
import { reactedKeys, resendLost, sendReaction } from './pr-react.js';
import type { Repo } from './repo.js';

/** What a poll did: lines for the watch log, and whether the forge's rate limit stopped it. */
export interface PollReport {
  lines: string[];
  rateLimited: boolean;
  /** PRs viewed (gh calls made for them). */
  polled: number;
}

/**
 * Polls every task's PR that is due at `now`. Never throws for a forge problem. `looked` is the
 * caller's memory for `pr.openOnIdle` across polls (pr-idle.ts).
 */
export async function pollPrs(
  repo: Repo,
  now: Date = new Date(),
  looked: Map<string, string> = new Map(),
): Promise<PollReport> {
  const report: PollReport = { lines: [], rateLimited: false, polled: 0 };
  for (const slug of slugsWithPr(repo.paths)) {
    const rec = await readPr(repo.paths, slug);
    if (rec === null || rec.number === null) continue;
    if (rec.state === 'MERGED' && !rec.doneRecorded) {
      report.lines.push(...(await finishMerged(repo, rec)));
      continue;
    }
    if (rec.state !== 'OPEN' && rec.state !== 'CLOSED') continue;
    if (rec.nextPollAt !== null && Date.parse(rec.nextPollAt) > now.getTime()) continue;
    // A closed PR whose task file is gone: nobody would work on it if it were reopened.
    if (rec.state === 'CLOSED' && !existsSync(taskPaths(repo.paths, slug).taskFile)) continue;
    report.polled++;
    const r = await pollOne(repo, rec, now);
    report.lines.push(...r.lines);
    if (r.rateLimited) {
      report.rateLimited = true;
      return report; // back the poll off, not the tasks: the others wait for the next one
    }
  }
  if (repo.config.pr.openOnIdle) report.lines.push(...(await openOnIdle(repo, now, looked)));
  return report;
}

/** Polls one open PR, or one closed without being merged (for a reopen). */
async function pollOne(
  repo: Repo,
  rec: PrRecord,
  now: Date,
): Promise<{ lines: string[]; rateLimited: boolean }> {
  const slug = rec.slug;
  const lines = (await resendLost(repo, slug)).map(
    (n) => `${slug}: PR #${rec.number}: sent again the follow-up tasks/${n}, lost by a crash`,
  );
  const vars = varsOf(rec);
  const viewed = await runForge(repo, repo.config.pr.view, vars);
  if (!viewed.ok) return failed(repo, rec, viewed, now, lines);
  const parsed = parsePrView(viewed.stdout);
  if (!parsed.ok)
    return failed(repo, rec, forgeProblem(repo, 'failed', `pr.view: ${parsed.error}`), now, lines);
  const view = parsed.value;
  if (rec.problem !== null) lines.push(`${slug}: PR #${rec.number}: the forge answers again`);
  const every = pollEverySeconds(view.state, repo.config.pr.pollSeconds) ?? repo.config.pr.pollSeconds;
  const next: PrRecord = {
    ...rec,
    head: view.head,
    mergeStateStatus: view.mergeStateStatus,
    reviewDecision: view.reviewDecision,
    failingChecks: view.checks.filter((c) => c.failing).map((c) => c.name),
    checkedAt: now.toISOString(),
    nextPollAt: new Date(now.getTime() + every * 1000).toISOString(),
    problem: null,
  };
  const historyFile = taskPaths(repo.paths, slug).historyFile;
  if (view.state === 'MERGED') {
    // `next` still says OPEN (or CLOSED): finishMerged records MERGED and says so, once.
    return { lines: [...lines, ...(await finishMerged(repo, next))], rateLimited: false };
  }
  if (view.state === 'CLOSED') {
    if (rec.state === 'CLOSED') {
      await writePr(repo.paths, next); // still closed: looked at again later, nothing to say
      return { lines, rateLimited: false };
    }
    await appendHistory(historyFile, 'pr_closed', null, { number: rec.number ?? 0, url: rec.url ?? '' });
    await writePr(repo.paths, { ...next, state: 'CLOSED' });
    return {
      lines: [
        ...lines,
        `${slug}: PR #${rec.number} was closed without being merged; nothing was removed (baton looks every ${every} s for a reopen)`,
      ],
      rateLimited: false,
    };
  }
  let before = rec;
  if (rec.state === 'CLOSED') {
    // Reopened: history first, then the record says OPEN (also if what follows fails, so the
    // reopen is recorded once); what is new on it is reacted to below, as on any open PR.
    await appendHistory(historyFile, 'pr_reopened', null, {
      number: rec.number ?? 0,
      url: rec.url ?? '',
      head: view.head,
    });
    before = { ...rec, state: 'OPEN', reopenedAt: now.toISOString() };
    next.state = 'OPEN';
    next.reopenedAt = before.reopenedAt;
    await writePr(repo.paths, next);
    lines.push(`${slug}: PR #${rec.number} was reopened; baton watches it again`);
  }
  const reacted = await react(repo, next, view, now);
  if (!reacted.ok) return failed(repo, before, reacted, now, lines);
  await writePr(repo.paths, next);
  return { lines: [...lines, ...reacted.lines], rateLimited: false };
}

/** Sends what is new on an open PR; a forge failure on the way sends nothing. */
async function react(
  repo: Repo,
  rec: PrRecord,
  view: PrView,
  now: Date,
): Promise<{ ok: true; lines: string[] } | Extract<ForgeResult, { ok: false }>> {
  const { slug } = rec;
  const number = rec.number ?? 0;
  const pr = { number, url: rec.url ?? '' };
  const cfg = repo.config.pr;
  let inline: ReturnType<typeof parseInlineComments> = { ok: true, value: [] };
  if (cfg.comments !== null) {
    const got = await runForge(repo, cfg.comments, varsOf(rec));
    if (!got.ok) return got;
    inline = parseInlineComments(got.stdout);
    if (!inline.ok) return forgeProblem(repo, 'failed', `pr.comments: ${inline.error}`);
  }
  const { events } = await readHistory(taskPaths(repo.paths, slug).historyFile);
  const plan = planReactions(view, inline.value, reactedKeys(events));
  const lines: string[] = [];
  if (plan.checks.length > 0) {
    const failed: FailedCheck[] = [];
    for (const { check } of plan.checks) {
      if (cfg.logs === null || check.runId === null) {
        failed.push({
          check,
          log: null,
          noLog: cfg.logs === null ? 'pr.logs is off' : 'it is not a GitHub Actions run',
        });
        continue;
      }
      const logs = await runForge(repo, cfg.logs, {
        ...varsOf(rec),
        runId: check.runId,
        jobId: check.jobId ?? '',
        check: check.name,
      });
      if (!logs.ok && logs.kind === 'rate_limited') return logs;
      failed.push(
        logs.ok
          ? { check, log: trimLog(logs.stdout, cfg.logLines, check.name), noLog: null }
          : { check, log: null, noLog: logs.message.replace(/\.$/, '') },
      );
    }
    const names = failed.map((f) => f.check.name);
    const drop = await sendReaction(repo, slug, 'pr_checks_failed', {
      number,
      head: view.head,
      keys: plan.checks.map((c) => c.key),
      checks: names,
      text: checksFollowupText(pr, view.head, failed),
    });
    notify(repo, {
      event: 'checks_failed',
      slug,
      by: 'pr',
      ts: now.toISOString(),
      detail: `${names.join(', ')} failed on pull request #${number}`,
      url: pr.url,
      number,
      checks: names,
    });
    lines.push(`${slug}: PR #${number}: ${names.join(', ')} failed; sent as follow-up tasks/${drop}`);
  }
  if (plan.feedback.length > 0) {
    const drop = await sendReaction(repo, slug, 'pr_review', {
      number,
      head: view.head,
      keys: plan.feedback.map((c) => c.key),
      comments: plan.feedback.length,
      text: feedbackFollowupText(pr, plan.feedback, view.reviewDecision),
    });
    lines.push(
      `${slug}: PR #${number}: ${plan.feedback.length} new review comment(s); sent as follow-up tasks/${drop}`,
    );
  }
  return { ok: true, lines };
}

/** Records a forge problem on the PR record and backs off; says it only when it is new. */
async function failed(
  repo: Repo,
  rec: PrRecord,
  problem: Extract<ForgeResult, { ok: false }>,
  now: Date,
  lines: string[],
): Promise<{ lines: string[]; rateLimited: boolean }> {
  const same = rec.problem?.kind === problem.kind;
  const failures = (rec.problem?.failures ?? 0) + 1;
  const every = pollEverySeconds(rec.state, repo.config.pr.pollSeconds) ?? repo.config.pr.pollSeconds;
  const wait = backoffSeconds(every, failures);
  await writePr(repo.paths, {
    ...rec,
    problem: {
      kind: problem.kind,
      message: problem.message,
      hint: problem.hint,
      since: same ? (rec.problem?.since ?? now.toISOString()) : now.toISOString(),
      failures,
    },
    nextPollAt: new Date(now.getTime() + wait * 1000).toISOString(),
  });
  if (!same)
    lines.push(
      `${rec.slug}: PR #${rec.number}: ${problem.message} ${problem.hint} (baton backs off and tries again)`,
    );
  return { lines, rateLimited: problem.kind === 'rate_limited' };
}

function varsOf(rec: PrRecord): Record<'number' | 'url' | 'branch' | 'base' | 'remote' | 'slug', string> {
  return {
    number: String(rec.number ?? ''),
    url: rec.url ?? '',
    branch: rec.branch,
    base: rec.base,
    remote: rec.remote,
    slug: rec.slug,
  };
}
