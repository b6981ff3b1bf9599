/**
 * `pr.openOnIdle`: a task whose run ended `idle` with commits ahead of its base gets its pull
 * request opened by the watcher's poll, once: a task that has a PR record (opened, or an open
 * that failed and waits for its backoff) is left to it. A forge that is not there is recorded
 * on the record like a failed poll and said once.
 */
import { BatonError } from '../domain/errors.js';
import { backoffSeconds } from '../domain/forge.js';
import { commitsAhead } from '../git/push.js';
import { currentBranch } from '../git/refs.js';
import { listDir } from '../store/listing.js';
import { taskPaths } from '../store/paths.js';
import { prFileName, readPr, writePr, type PrRecord } from '../store/pr.js';
import { readStatus } from '../store/status.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { forgeKindOf, openPr } from './pr-open.js';
import { taskWorktree, type Repo } from './repo.js';

/**
 * Opens the PR of every idle task that has commits ahead of its base and no PR yet. `looked`
 * (the watcher's, kept across polls) remembers the status each task was judged at, so an idle
 * task with nothing to open costs git nothing until its status changes.
 */
export async function openOnIdle(
  repo: Repo,
  now: Date,
  looked: Map<string, string> = new Map(),
): Promise<string[]> {
  const lines: string[] = [];
  const logs = listDir(repo.paths.logsDir);
  for (const name of logs.names ?? []) {
    const slug = /^dispatch-([a-z0-9][a-z0-9-]{0,62})\.status\.json$/.exec(name)?.[1];
    if (slug === undefined) continue;
    const status = await readStatus(taskPaths(repo.paths, slug).statusFile);
    if (status?.state !== 'idle' || looked.get(slug) === status.updatedAt) continue;
    const before = logs.has(prFileName(slug)) ? await readPr(repo.paths, slug) : null;
    if (
      before !== null &&
      (before.number !== null ||
        (before.nextPollAt !== null && Date.parse(before.nextPollAt) > now.getTime()))
    )
      continue;
    const task = await loadTaskFile(repo.info.root, `${slug}.md`);
    if (!task.ok || task.value.status === 'draft' || task.value.status === 'cancelled') continue;
    const { branch } = taskWorktree(repo.config, slug);
    const base = task.value.base ?? (await currentBranch(repo.info.root));
    if (base === null || (await commitsAhead(repo.info.root, branch, base)) === 0) {
      looked.set(slug, status.updatedAt);
      continue;
    }
    try {
      const r = await openPr(repo, slug, 'idle');
      lines.push(
        `${slug}: ${r.adopted ? 'adopted' : 'opened'} pull request #${r.number} (openOnIdle): ${r.url}`,
      );
    } catch (err) {
      if (!(err instanceof BatonError)) throw err;
      const failures = (before?.problem?.failures ?? 0) + 1;
      const same = before?.problem?.message === err.message;
      const record: PrRecord = {
        slug,
        number: null,
        url: null,
        branch,
        base,
        remote: repo.config.pr.remote,
        state: null,
        openedAt: null,
        adopted: false,
        head: null,
        mergeStateStatus: null,
        reviewDecision: null,
        failingChecks: [],
        checkedAt: null,
        nextPollAt: new Date(
          now.getTime() + backoffSeconds(repo.config.pr.pollSeconds, failures) * 1000,
        ).toISOString(),
        problem: {
          kind: forgeKindOf(err),
          message: err.message,
          hint: err.hint ?? '',
          since: same ? (before?.problem?.since ?? now.toISOString()) : now.toISOString(),
          failures,
        },
        doneRecorded: false,
        removeRefused: null,
      };
      await writePr(repo.paths, record);
      if (!same)
        lines.push(
          `${slug}: could not open its pull request (openOnIdle): ${err.message} ${err.hint ?? ''}`.trim(),
        );
    }
  }
  return lines;
}
