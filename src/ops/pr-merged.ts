/**
 * A merged pull request makes its task `done` (docs/design.md, "Pull requests"): history
 * `pr_merged` and `state_changed` (by `pr`, reason "PR #n merged"), then the status says `done`;
 * the task file is not touched. A worker still running at the merge finishes first: the task
 * becomes done at the first poll after it ended. With `pr.removeOnMerge` the worktree is then
 * removed by `baton remove`'s own rules (never with force): what it refuses is said once and
 * shown on the task. The heartbeat never revives a task done this way (domain/cycle.ts).
 */
import { BatonError } from '../domain/errors.js';
import { notify } from '../notify/notify.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { writePr, type PrRecord } from '../store/pr.js';
import { readStatus, updateStatus } from '../store/status.js';
import { liveHolder } from './followup.js';
import { removeTask } from './remove.js';
import type { Repo } from './repo.js';

/**
 * Records the merge of `rec`'s PR on its task, once; returns lines for the watch log. `rec` is
 * the record as it was before this poll (its `state` OPEN when the merge is news).
 */
export async function finishMerged(repo: Repo, rec: PrRecord): Promise<string[]> {
  const { slug } = rec;
  const number = rec.number ?? 0;
  if ((await liveHolder(repo, slug)) !== null) {
    await writePr(repo.paths, { ...rec, state: 'MERGED', doneRecorded: false });
    return rec.state === 'MERGED'
      ? []
      : [`${slug}: PR #${number} was merged; the task becomes done when its worker ends`];
  }
  const tp = taskPaths(repo.paths, slug);
  const recorded = await appendHistory(tp.historyFile, 'pr_merged', null, {
    number,
    url: rec.url ?? '',
    head: rec.head,
  });
  const from = (await readStatus(tp.statusFile))?.state ?? null;
  const reason = `PR #${number} merged`;
  await appendHistory(tp.historyFile, 'state_changed', null, { from, to: 'done', by: 'pr', reason });
  await updateStatus(tp.statusFile, slug, {
    state: 'done',
    retryAt: null,
    error: null,
    pid: null,
    agentPid: null,
  });
  let next: PrRecord = { ...rec, state: 'MERGED', doneRecorded: true };
  await writePr(repo.paths, next);
  notify(repo, {
    event: 'pr_merged',
    slug,
    state: 'done',
    ts: recorded.ts,
    by: 'pr',
    detail: `pull request #${number} was merged; the task is done`,
    url: rec.url,
    number,
  });
  const lines = [`${slug}: ${reason}; the task is done`];
  if (repo.config.pr.removeOnMerge) {
    try {
      const r = await removeTask(repo, slug);
      lines.push(r.nothing ? `${slug}: nothing to remove` : `${slug}: removed its worktree (removeOnMerge)`);
    } catch (err) {
      const message = err instanceof BatonError ? `${err.message} ${err.hint ?? ''}`.trim() : String(err);
      next = { ...next, removeRefused: message };
      await writePr(repo.paths, next);
      lines.push(`${slug}: removeOnMerge did not remove the worktree: ${message}`);
    }
  }
  return lines;
}
